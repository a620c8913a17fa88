/// Bounds on what the parser accepts, so that hostile XML cannot exhaust memory or time.
public struct XMLLimits: Sendable, Hashable {
    /// The whole document, in the bytes received (before transcoding).
    public var maxDocumentBytes: Int
    /// Element nesting.
    public var maxDepth: Int
    /// Elements in the document.
    public var maxElements: Int
    /// Attributes on one element.
    public var maxAttributesPerElement: Int
    /// One run of text (including CDATA), in UTF-8 bytes.
    public var maxTextBytes: Int
    /// An element or attribute name.
    public var maxNameBytes: Int

    public init(
        maxDocumentBytes: Int = 32 << 20,
        maxDepth: Int = 64,
        maxElements: Int = 200_000,
        maxAttributesPerElement: Int = 32,
        maxTextBytes: Int = 8 << 20,
        maxNameBytes: Int = 256
    ) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxAttributesPerElement = maxAttributesPerElement
        self.maxTextBytes = maxTextBytes
        self.maxNameBytes = maxNameBytes
    }

    /// The limits for case data packages: structured data only, attachments travel separately.
    public static let casePackage = XMLLimits()
}
