import Crypto
public import Foundation
public import X509
import XietongCore

/// The CA's list of revoked certificates (`revoked.json`, `xietong.revocations/1`), signed by the CA's key so that
/// a copy handed around cannot be edited.
public struct RevocationList: Sendable, Codable, Hashable {
    public struct Entry: Sendable, Codable, Hashable {
        public var serial: String
        public var organisation: String
        public var revokedAt: String
        public var reason: String
    }

    public var format = "xietong.revocations/1"
    public var entries: [Entry]
    public var issuedAt: String
    /// ECDSA P-256 by the CA (DER, base64) over `signedBytes`.
    public var signature: String?

    public init(entries: [Entry], issuedAt: String) {
        self.entries = entries
        self.issuedAt = issuedAt
    }

    /// What the CA signs: the list without its signature, as sorted-key JSON.
    var signedBytes: [UInt8] {
        var unsigned = self
        unsigned.signature = nil
        return Array((try? CanonicalJSON.encode(unsigned)) ?? Data())
    }

    public var serials: Set<String> { Set(self.entries.map(\.serial)) }

    /// Reads the list and checks the CA's signature on it.
    public static func load(_ url: URL, authority: Certificate) throws(TrustError) -> RevocationList {
        let list: RevocationList
        do {
            list = try JSONDecoder().decode(RevocationList.self, from: Data(contentsOf: url))
        } catch {
            throw TrustError(.io, zh: "无法读取吊销列表 \(url.path)", en: "cannot read the revocation list \(url.path): \(error)")
        }
        guard let encoded = list.signature, let der = Data(base64Encoded: encoded),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: der),
            let key = P256.Signing.PublicKey(authority.publicKey),
            key.isValidSignature(signature, for: list.signedBytes)
        else {
            throw TrustError(.badSignature, zh: "吊销列表的根证书签名无效：\(url.path)", en: "the CA's signature on \(url.path) is not valid")
        }
        return list
    }
}
