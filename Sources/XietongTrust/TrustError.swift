public import XietongCore

/// What went wrong with keys, certificates, signatures or the evidence log: a stable code and a message in Chinese
/// and English.
public struct TrustError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case exists = "pki.exists"
        case io = "pki.io"
        case invalid = "pki.invalid"
        case notFound = "pki.not-found"
        case unknownIssuer = "certificate.unknown-issuer"
        case expired = "certificate.expired"
        case revoked = "certificate.revoked"
        case wrongOrganisation = "certificate.wrong-organisation"
        case badSignature = "signature.invalid"
        case evidence = "evidence.invalid"
    }

    public var code: Code
    public var message: LocalizedText

    public init(_ code: Code, zh: String, en: String) {
        self.code = code
        self.message = LocalizedText(zh: zh, en: en)
    }

    public var description: String { "\(self.code.rawValue): \(self.message.zh) / \(self.message.en)" }
}
