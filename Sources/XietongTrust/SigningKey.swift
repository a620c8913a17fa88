import Crypto
import Foundation
import Synchronization

/// A P-256 signing key kept parsed. swift-crypto's `P256.Signing.PrivateKey` is not `Sendable`, so it lives behind a
/// mutex; rebuilding it from its raw bytes for every signature had cost a quarter of each signature's time (the hub
/// signs every receipt; docs/performance.md).
final class SigningKey: Sendable {
    private let key: Mutex<P256.Signing.PrivateKey>
    /// The public key's raw bytes, for checking the key's own signatures.
    private let publicKey: Data

    init(_ key: consuming sending P256.Signing.PrivateKey) {
        self.publicKey = key.publicKey.rawRepresentation
        self.key = Mutex(key)
    }

    /// A detached ECDSA P-256/SHA-256 signature (DER, base64).
    func signature(for bytes: [UInt8]) throws(TrustError) -> String {
        do {
            return try self.key.withLock { key in try key.signature(for: bytes).derRepresentation.base64EncodedString() }
        } catch {
            throw TrustError(.io, zh: "签名失败", en: "cannot sign: \(error)")
        }
    }

    /// Whether `signature` (DER, base64) is this key's over `bytes`.
    func verifies(_ signature: String, over bytes: [UInt8]) -> Bool {
        guard let der = Data(base64Encoded: signature), let parsed = try? P256.Signing.ECDSASignature(derRepresentation: der),
            let key = try? P256.Signing.PublicKey(rawRepresentation: self.publicKey)
        else { return false }
        return key.isValidSignature(parsed, for: bytes)
    }
}
