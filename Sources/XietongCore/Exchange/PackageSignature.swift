/// A sending node's detached signature over a package (issue 6): over its exact bytes (their SHA-256) and its
/// attachments' hashes, with the signer's certificate so that the hub and the receiving node can check it against
/// the platform CA (XietongTrust signs and verifies). The package id inside the signed bytes makes a signature
/// useless for any other package; a replayed package has the same id, which the hub and the nodes answer once.
public struct PackageSignature: Sendable, Codable, Hashable {
    public static let ecdsaP256SHA256 = "ecdsa-p256-sha256"

    public var algorithm: String
    /// The signer's organisation (the package's sender).
    public var signer: String
    /// The signer's certificate (PEM).
    public var certificate: String
    /// DER, base64.
    public var signature: String

    public init(algorithm: String = Self.ecdsaP256SHA256, signer: String, certificate: String, signature: String) {
        self.algorithm = algorithm
        self.signer = signer
        self.certificate = certificate
        self.signature = signature
    }

    /// What is signed: `xietong-package/1`, the package id, the SHA-256 of its bytes, then its attachments'
    /// SHA-256 sorted, one per line.
    public static func signedBytes(packageId: String, contentSHA256: String, attachmentSHA256s: [String]) -> [UInt8] {
        let lines = ["xietong-package/1", packageId, contentSHA256.lowercased()] + attachmentSHA256s.map { $0.lowercased() }.sorted()
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// The finding a refused signature gives.
    public static func finding(_ code: FindingCode, _ message: LocalizedText) -> Finding {
        Finding(code, at: "/CasePackage/Envelope/Sender", zh: "数据包签名：\(message.zh)", en: "the package's signature: \(message.en)")
    }
}
