public import XietongCore

/// A document that cannot be generated, sealed or verified: a stable code and what is wrong, in Chinese and English.
public struct DocumentError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The PDF could not be written.
        case write = "document.write"
        /// A character the document's fonts cannot show.
        case unencodable = "document.unencodable"
        /// The organisation has no key and seal certificate from the platform PKI.
        case noSealKey = "document.no-seal-key"
        /// A tool the platform runs is not installed (podofosign, pdfsig, certutil).
        case toolMissing = "document.tool-missing"
        /// Signing failed.
        case sign = "document.sign"
        /// The document could not be read for verification.
        case verify = "document.verify"
    }

    public var code: Code
    public var message: LocalizedText

    public init(_ code: Code, zh: String, en: String) {
        self.code = code
        self.message = LocalizedText(zh: zh, en: en)
    }

    public var description: String { "\(self.code.rawValue): \(self.message.zh) / \(self.message.en)" }
}
