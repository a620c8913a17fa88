import Crypto
public import Foundation
public import XietongCore

/// The hub's signatures on its tree heads and receipts (issue 6): with the hub's certificate key when the platform
/// PKI is in use, otherwise with an evidence key kept in the data directory (made on first start), whose public key
/// goes with every head so that nodes can pin it.
public struct HubSigner: Sendable {
    let key: SigningKey
    let certificatePEM: String?
    let publicKeyPEM: String?

    public init(identity: Identity) throws(TrustError) {
        self.key = identity.key
        self.certificatePEM = identity.certificatePEM
        self.publicKeyPEM = nil
    }

    /// The key in `file`, made (readable by the owner only) if there is none.
    public init(keyFile file: URL) throws(TrustError) {
        do {
            let key: P256.Signing.PrivateKey
            if FileManager.default.fileExists(atPath: file.path) {
                key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: file, encoding: .utf8))
            } else {
                key = P256.Signing.PrivateKey()
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(key.pemRepresentation.utf8).write(to: file, options: .atomic)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            }
            self.certificatePEM = nil
            self.publicKeyPEM = key.publicKey.pemRepresentation
            self.key = SigningKey(key)
        } catch {
            throw TrustError(.io, zh: "无法读取或创建证据日志签名密钥 \(file.path)", en: "cannot read or create the evidence key \(file.path): \(error)")
        }
    }

    /// The hub's certificate (PEM), when it has one.
    public var certificate: String? { self.certificatePEM }

    /// A detached signature (DER, base64).
    public func signature(for bytes: [UInt8]) throws(TrustError) -> String {
        try self.key.signature(for: bytes)
    }

    /// A receipt with the hub's signature.
    public func sign(_ receipt: Receipt) throws(TrustError) -> Receipt {
        var signed = receipt
        signed.hubSignature = try self.signature(for: receipt.signedBytes)
        return signed
    }

    /// Whether this hub signed the receipt, as it is (a node sends it back with a package a restored hub lost,
    /// issue 19).
    public func signed(_ receipt: Receipt) -> Bool {
        guard let signature = receipt.hubSignature else { return false }
        return self.key.verifies(signature, over: receipt.signedBytes)
    }

    public func sign(_ head: Evidence.TreeHead) throws(TrustError) -> Evidence.TreeHead {
        var signed = head
        signed.certificate = self.certificatePEM
        signed.publicKey = self.publicKeyPEM
        signed.signature = try self.key.signature(for: head.signedBytes)
        return signed
    }
}

extension Evidence.TreeHead {
    /// Checks the hub's signature: by a certificate of `hub` the trust store accepts, or by `pinnedKey` (the
    /// evidence key a node kept from the first head it saw). Returns the key to pin, if any.
    public func verifySignature(trust: TrustStore?, hub: String, pinnedKey: String?) async throws(TrustError) -> String? {
        if let certificate = self.certificate, let trust {
            _ = try await trust.verifySignature(self.signature, over: self.signedBytes, certificatePEM: certificate, organisation: hub)
            return nil
        }
        guard let key = self.publicKey else {
            throw TrustError(.badSignature, zh: "树头没有签名者", en: "the tree head names no signer")
        }
        if let pinnedKey, pinnedKey != key {
            throw TrustError(.badSignature, zh: "树头的签名密钥与先前的不同", en: "the tree head is signed with a different key than before")
        }
        guard let publicKey = try? P256.Signing.PublicKey(pemRepresentation: key), let der = Data(base64Encoded: self.signature),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: der), publicKey.isValidSignature(signature, for: self.signedBytes)
        else {
            throw TrustError(.badSignature, zh: "树头签名无效（\(self.treeSize)）", en: "the tree head's signature is not valid (size \(self.treeSize))")
        }
        return key
    }
}
