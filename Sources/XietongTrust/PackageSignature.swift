import Foundation
public import XietongCore

extension PackageSignature {
    /// Signs a package's bytes and attachment hashes as `identity` (the sending node).
    public static func sign(
        packageId: String,
        content: [UInt8],
        attachmentSHA256s: [String],
        by identity: Identity
    ) throws(TrustError) -> PackageSignature {
        let bytes = Self.signedBytes(packageId: packageId, contentSHA256: ContentHash.sha256(content), attachmentSHA256s: attachmentSHA256s)
        return PackageSignature(signer: identity.organisation, certificate: identity.certificatePEM, signature: try identity.sign(bytes))
    }

    /// Checks the signature: by a trusted certificate (platform CA, valid, not revoked) of `sender`, over exactly
    /// this package id, content hash and attachment hashes.
    public func verify(
        packageId: String,
        contentSHA256: String,
        attachmentSHA256s: [String],
        sender: String,
        trust: TrustStore
    ) async throws(TrustError) {
        guard self.algorithm == Self.ecdsaP256SHA256 else {
            throw TrustError(.badSignature, zh: "不支持的签名算法：\(self.algorithm)", en: "unsupported signature algorithm: \(self.algorithm)")
        }
        _ = try await trust.verifySignature(
            self.signature,
            over: Self.signedBytes(packageId: packageId, contentSHA256: contentSHA256, attachmentSHA256s: attachmentSHA256s),
            certificatePEM: self.certificate,
            organisation: sender
        )
    }

    /// The finding for a signature that does not verify.
    public static func finding(_ error: TrustError) -> Finding {
        Self.finding(.signatureInvalid, error.message)
    }
}
