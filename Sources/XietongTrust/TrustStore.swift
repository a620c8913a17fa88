public import Foundation
import NIOConcurrencyHelpers
import SwiftASN1
@_spi(FixedExpiryValidationTime) public import X509
import XietongCore

/// What a hub or node trusts: the platform CA and its signed revocation list (reloaded when the file changes).
/// Verifies the certificates peers present in TLS and the certificates that sign packages and receipts.
public final class TrustStore: Sendable {
    public let authority: Certificate
    public let revocationFile: URL?
    private let cache = NIOLockedValueBox<(modified: Date?, checked: Date, serials: Set<String>)>((nil, .distantPast, []))
    /// Certificates whose chain to the CA was validated, and those parsed from PEM: the expensive parts, done once
    /// per certificate (validity and revocation are still checked every time).
    private let chains = NIOLockedValueBox<Set<Certificate>>([])
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

    public init(authority: Certificate, revocationFile: URL?) {
        self.authority = authority
        self.revocationFile = revocationFile
    }

    public convenience init(caCertificate: URL, revocationFile: URL?) throws(TrustError) {
        self.init(authority: try PEMFiles.certificate(caCertificate), revocationFile: revocationFile)
    }

    /// The revoked serials, from the list as it is now on disk (re-read when its modification time changes). A list
    /// that cannot be read or whose signature fails is an error: no certificate is then trusted.
    public func revokedSerials() throws(TrustError) -> Set<String> {
        guard let url = self.revocationFile else { return [] }
        // The file is looked at once a second at most.
        let now = Date()
        if let fresh = self.cache.withLockedValue({ now.timeIntervalSince($0.checked) < 1 && $0.modified != nil ? $0.serials : nil }) { return fresh }
        let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        if let modified, let cached = self.cache.withLockedValue({ $0.modified == modified ? $0.serials : nil }) {
            self.cache.withLockedValue { $0.checked = now }
            return cached
        }
        let serials = try RevocationList.load(url, authority: self.authority).serials
        self.cache.withLockedValue { $0 = (modified, now, serials) }
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
        let known = self.chains.withLockedValue { $0.contains(certificate) }
        var verifier = Verifier(rootCertificates: CertificateStore([self.authority])) { RFC5280Policy(fixedExpiryValidationTime: now) }
        if !known, case .validCertificate = await verifier.validate(leaf: certificate, intermediates: CertificateStore()) {
            self.chains.withLockedValue {
                if $0.count > 10_000 { $0.removeAll() }
                $0.insert(certificate)
            }
        } else if !known {
            throw TrustError(
                .unknownIssuer,
                zh: "证书不是平台根证书签发的（\(subject)，序列号 \(serial)，签发者 \(certificate.issuer)）",
                en: "the certificate was not issued by the platform CA (\(subject), serial \(serial), issuer \(certificate.issuer))"
            )
        }
        if try self.revokedSerials().contains(serial) {
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
