import Foundation
import Synchronization
import X509
import XietongCore
import XietongDocuments
import XietongTrust

/// The node's checker of document seals (issue 26): one NSS database of the platform CAs (and any linked platform's),
/// made in the data folder on first use and kept while the node runs; nil without the platform PKI.
final class SealChecks: Sendable {
    private let verifier = Mutex<SealVerifier?>(nil)

    /// The verifier, made on first use from the node's `tls` files.
    func verifier(tls: TLSFiles?, dataDirectory: String) throws(DocumentError) -> SealVerifier? {
        guard let tls else { return nil }
        return try self.verifier.withLock { (made: inout SealVerifier?) throws(DocumentError) -> SealVerifier in
            if let made { return made }
            let folder = URL(fileURLWithPath: dataDirectory).appendingPathComponent("seal-trust")
            try? FileManager.default.removeItem(at: folder)
            let cas = [tls.caCertificate] + (tls.platforms ?? []).map(\.caCertificate)
            let verifier = try SealVerifier(caCertificates: cas.map { URL(fileURLWithPath: $0) }, directory: folder)
            made = verifier
            return verifier
        }
    }

    /// The seals of the file at `url`, checked against the platform CAs and their revocation lists; nil without the
    /// platform PKI. A revocation list that cannot be read stops the check: no seal is then shown as valid. Throws
    /// `DocumentError`.
    func check(_ url: URL, engine: NodeEngine) async throws -> [SealCheck]? {
        guard let verifier = try self.verifier(tls: engine.configuration.tls, dataDirectory: engine.configuration.dataDirectory) else { return nil }
        let revoked: [DistinguishedName: Set<String>]
        do {
            revoked = try engine.identity?.trust.revocationsByIssuer() ?? [:]
        } catch {
            throw DocumentError(
                .verify,
                zh: "无法读取证书吊销列表，不能验章：\(error.message.zh)",
                en: "the revocation list cannot be read, so no seal can be checked: \(error.message.en)"
            )
        }
        let registry = engine.checker.registry
        return try await DocumentWork.run { try verifier.check(url, registry: registry, revoked: revoked) }
    }
}
