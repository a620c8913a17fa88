public import Foundation
public import XietongCore

/// A sending node's detached signature over a package (issue 6): over its exact bytes (their SHA-256) and its
/// attachments' hashes, with the signer's certificate so that the hub and the receiving node can check it against
/// the platform CA. The package id inside the signed bytes makes a signature useless for any other package; a
/// replayed package is the same package id, which the hub and the nodes already answer once.
public struct PackageSignature: Sendable, Codable, Hashable {
    public static let algorithm = "ecdsa-p256-sha256"

    public var algorithm: String
    /// The signer's organisation (the package's sender).
    public var signer: String
    /// The signer's certificate (PEM).
    public var certificate: String
    /// DER, base64.
    public var signature: String

    public init(algorithm: String = Self.algorithm, signer: String, certificate: String, signature: String) {
        self.algorithm = algorithm
        self.signer = signer
        self.certificate = certificate
        self.signature = signature
    }

    /// What is signed: `xietong-package/1`, the package id, the SHA-256 of its bytes, and each attachment's id and
    /// SHA-256 in manifest order, one per line.
    public static func signedBytes(packageId: String, contentSHA256: String, attachments: [(id: String, sha256: String)]) -> [UInt8] {
        let lines = ["xietong-package/1", packageId, contentSHA256.lowercased()] + attachments.map { "\($0.id) \($0.sha256.lowercased())" }
        return Array(lines.joined(separator: "\n").utf8)
    }

    public static func signedBytes(of package: CasePackage, content: [UInt8]) -> [UInt8] {
        Self.signedBytes(
            packageId: package.envelope.packageId,
            contentSHA256: ContentHash.sha256(content),
            attachments: package.attachments.map { ($0.id, $0.sha256) }
        )
    }

    public static func sign(_ package: CasePackage, content: [UInt8], by identity: Identity) throws(TrustError) -> PackageSignature {
        PackageSignature(
            signer: identity.organisation,
            certificate: identity.certificatePEM,
            signature: try identity.sign(Self.signedBytes(of: package, content: content))
        )
    }

    /// Checks the signature over `content` (whose parsed form is `package`): by a trusted certificate of the
    /// package's sender, matching the bytes and attachment hashes exactly.
    public func verify(_ package: CasePackage, content: [UInt8], trust: TrustStore) async throws(TrustError) {
        guard self.algorithm == Self.algorithm else {
            throw TrustError(.badSignature, zh: "不支持的签名算法：\(self.algorithm)", en: "unsupported signature algorithm: \(self.algorithm)")
        }
        _ = try await trust.verifySignature(
            self.signature,
            over: Self.signedBytes(of: package, content: content),
            certificatePEM: self.certificate,
            organisation: package.envelope.sender.organisationCode
        )
    }

    /// The finding a refused signature gives, at the package's envelope.
    public static func finding(_ error: TrustError) -> Finding {
        Finding(
            .signatureInvalid,
            at: "/CasePackage/Envelope/Sender",
            zh: "数据包签名校验失败：\(error.message.zh)",
            en: "the package's signature does not verify: \(error.message.en)"
        )
    }
}
