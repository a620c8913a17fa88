/// Why a document was refused before its structure could be checked: malformed, hostile, too large, or in an
/// encoding that does not match its bytes.
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: FindingCode
    /// 1-based line in the decoded text, when known.
    public var line: Int?
    /// Offset in the bytes as received, when known.
    public var byteOffset: Int?
    public var message: LocalizedText

    public init(_ code: FindingCode, line: Int? = nil, byteOffset: Int? = nil, zh: String, en: String) {
        self.code = code
        self.line = line
        self.byteOffset = byteOffset
        self.message = LocalizedText(zh: zh, en: en)
    }

    public var location: String {
        if let line { return "line \(line)" }
        if let byteOffset { return "byte \(byteOffset)" }
        return "/"
    }

    public var finding: Finding {
        Finding(self.code, .error, at: self.location, line: self.line, self.message)
    }

    public var description: String { "\(self.code) at \(self.location): \(self.message.zh) / \(self.message.en)" }
}
