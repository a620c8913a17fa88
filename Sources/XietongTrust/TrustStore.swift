public import Foundation
import NIOConcurrencyHelpers
import SwiftASN1
@_spi(FixedExpiryValidationTime) public import X509
import XietongCore

/// What a hub or node trusts: the platform CA and its signed revocation list (reloaded when the file changes), and the
/// CAs of linked platforms (issue 23), each trusted for the organisations it serves only. Verifies the certificates
/// peers present in TLS and the certificates that sign packages, receipts and tree heads.
public final class TrustStore: Sendable {
    /// A linked platform's CA (issue 23): another province's or city's, trusted by explicit configuration for the
    /// organisations its hub serves, and for that hub itself, and for no one else.
    public struct Platform: Sendable {
        public let authority: Certificate
        public let revocationFile: URL?
        public let organisations: Set<String>

        public init(authority: Certificate, revocationFile: URL?, organisations: Set<String>) {
            self.authority = authority
            self.revocationFile = revocationFile
            self.organisations = organisations
        }
    }

    public let authority: Certificate
    public let revocationFile: URL?
    /// Linked platforms' CAs (issue 23).
    public let platforms: [Platform]
    /// Each platform's revocation list as last read: this platform's at 0, then `platforms` in order.
    private let caches: [NIOLockedValueBox<(modified: Date?, checked: Date, serials: Set<String>)>]
    /// Certificates whose chain to a CA was validated, with the CA's position (0: this platform's; 1…: `platforms`),
    /// and those parsed from PEM: the expensive parts, done once per certificate (validity, revocation and scope are
    /// still checked every time).
    private let chains = NIOLockedValueBox<[Certificate: Int]>([:])
    private let parsed = NIOLockedValueBox<[String: Certificate]>([:])
    private let named = NIOLockedValueBox<[Certificate: (subject: String, serial: String)]>([:])

    /// A certificate's common name and serial (hex), read once.
    func names(_ certificate: Certificate) -> (subject: String, serial: String) {
        if let known = self.named.withLockedValue({ $0[certificate] }) { return known }
        let names = (PEMFiles.commonName(certificate) ?? "?", PEMFiles.serial(certificate))
        self.named.withLockedValue {
            if $0.count > 10_000 { $0.removeAll() }
            $0[certificate] = names
        }
        return names
    }

    /// A certificate from PEM, parsed once.
    func certificate(pem: String) throws -> Certificate {
        if let known = self.parsed.withLockedValue({ $0[pem] }) { return known }
        let certificate = try Certificate(pemEncoded: pem)
        self.parsed.withLockedValue {
            if $0.count > 10_000 { $0.removeAll() }
            $0[pem] = certificate
        }
        return certificate
    }

    public init(authority: Certificate, revocationFile: URL?, platforms: [Platform] = []) {
        self.authority = authority
        self.revocationFile = revocationFile
        self.platforms = platforms
        self.caches = (0...platforms.count).map { _ in NIOLockedValueBox((nil, .distantPast, [])) }
    }

    public convenience init(caCertificate: URL, revocationFile: URL?, platforms: [Platform] = []) throws(TrustError) {
        self.init(authority: try PEMFiles.certificate(caCertificate), revocationFile: revocationFile, platforms: platforms)
    }

    /// The revoked serials, from the list as it is now on disk (re-read when its modification time changes). A list
    /// that cannot be read or whose signature fails is an error: no certificate is then trusted.
    public func revokedSerials() throws(TrustError) -> Set<String> {
        try self.revokedSerials(of: 0)
    }

    /// The revoked serials of this platform's CA and of every linked platform's, by the CA's name, read as
    /// `revokedSerials()` reads. For a document's seal, whose signer may be of either: a serial counts as revoked
    /// on the list of the CA that issued the certificate only, so that one platform's list cannot revoke another's.
    public func revocationsByIssuer() throws(TrustError) -> [DistinguishedName: Set<String>] {
        var revoked: [DistinguishedName: Set<String>] = [:]
        for (index, authority) in ([self.authority] + self.platforms.map(\.authority)).enumerated() {
            revoked[authority.subject, default: []].formUnion(try self.revokedSerials(of: index))
        }
        return revoked
    }

    /// The revoked serials of a CA: this platform's (0) or a linked platform's (1…), read as `revokedSerials()` reads.
    func revokedSerials(of index: Int) throws(TrustError) -> Set<String> {
        let (url, authority) =
            index == 0 ? (self.revocationFile, self.authority) : (self.platforms[index - 1].revocationFile, self.platforms[index - 1].authority)
        let cache = self.caches[index]
        guard let url else { return [] }
        // The file is looked at once a second at most.
        let now = Date()
        if let fresh = cache.withLockedValue({ now.timeIntervalSince($0.checked) < 1 && $0.modified != nil ? $0.serials : nil }) { return fresh }
        let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        if let modified, let cached = cache.withLockedValue({ $0.modified == modified ? $0.serials : nil }) {
            cache.withLockedValue { $0.checked = now }
            return cached
        }
        let serials = try RevocationList.load(url, authority: authority).serials
        cache.withLockedValue { $0 = (modified, now, serials) }
        return serials
    }

    /// Checks a certificate: issued by the platform CA, within its validity, not revoked. Returns the organisation
    /// it names (its common name).
    public func verify(_ certificate: Certificate, at now: Date = Date()) async throws(TrustError) -> String {
        let (subject, serial) = self.names(certificate)
        if now > certificate.notValidAfter {
            throw TrustError(
                .expired,
                zh: "证书已过期（\(subject)，序列号 \(serial)，有效期至 \(Timestamp.string(certificate.notValidAfter))）",
                en: "the certificate has expired (\(subject), serial \(serial), valid until \(Timestamp.string(certificate.notValidAfter)))"
            )
        }
        if now < certificate.notValidBefore {
            throw TrustError(
                .expired,
                zh: "证书尚未生效（\(subject)，序列号 \(serial)）",
                en: "the certificate is not valid yet (\(subject), serial \(serial))"
            )
        }
        var issuer = self.chains.withLockedValue { $0[certificate] }
        if issuer == nil {
            // This platform's CA first, then each linked platform's whose name is the certificate's issuer.
            for (index, authority) in ([self.authority] + self.platforms.map(\.authority)).enumerated()
            where index == 0 || authority.subject == certificate.issuer {
                var verifier = Verifier(rootCertificates: CertificateStore([authority])) { RFC5280Policy(fixedExpiryValidationTime: now) }
                if case .validCertificate = await verifier.validate(leaf: certificate, intermediates: CertificateStore()) {
                    issuer = index
                    self.chains.withLockedValue {
                        if $0.count > 10_000 { $0.removeAll() }
                        $0[certificate] = index
                    }
                    break
                }
            }
        }
        guard let issuer else {
            throw TrustError(
                .unknownIssuer,
                zh: "证书不是平台根证书签发的（\(subject)，序列号 \(serial)，签发者 \(certificate.issuer)）",
                en: "the certificate was not issued by the platform CA (\(subject), serial \(serial), issuer \(certificate.issuer))"
            )
        }
        // A linked platform's CA vouches for its own organisations only (issue 23): not for this platform's agencies.
        if issuer > 0, !self.platforms[issuer - 1].organisations.contains(subject) {
            throw TrustError(
                .wrongOrganisation,
                zh: "证书由对端平台的根证书签发，但 \(subject) 不是该平台服务的机构（序列号 \(serial)）",
                en: "the certificate was issued by a linked platform's CA, which does not serve \(subject) (serial \(serial))"
            )
        }
        if try self.revokedSerials(of: issuer).contains(serial) {
            throw TrustError(.revoked, zh: "证书已被吊销（\(subject)，序列号 \(serial)）", en: "the certificate has been revoked (\(subject), serial \(serial))")
        }
        guard subject.count == 12, subject.allSatisfy(\.isNumber) else {
            throw TrustError(
                .wrongOrganisation,
                zh: "证书的通用名不是组织机构代码：\(subject)",
                en: "the certificate's common name is not an organisation code: \(subject)"
            )
        }
        return subject
    }
}
