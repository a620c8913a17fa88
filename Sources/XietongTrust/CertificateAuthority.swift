import Crypto
public import Foundation
import SwiftASN1
public import X509
import XietongCore

/// The platform's certificate authority (issue 6, PKI): a P-256 key and a self-signed certificate that every hub and
/// node trusts, issuing one certificate per organisation (its common name is the 12-digit organisation code) and
/// keeping a signed list of revoked certificates.
///
/// The directory holds `ca.key` (keep it offline), `ca.crt`, `issued/ORG.crt` and `issued/ORG.key` (to install on
/// the organisation's node or hub), `issued.json` (what was issued) and `revoked.json` (signed by the CA).
public struct CertificateAuthority: Sendable {
    public let directory: URL
    public let certificate: Certificate
    /// The CA's P-256 key (raw; Crypto's key type is not Sendable).
    let rawKey: Data

    init(directory: URL, certificate: Certificate, signingKey: P256.Signing.PrivateKey) {
        self.directory = directory
        self.certificate = certificate
        self.rawKey = signingKey.rawRepresentation
    }

    var signingKey: P256.Signing.PrivateKey {
        get throws { try P256.Signing.PrivateKey(rawRepresentation: self.rawKey) }
    }

    public static let commonName = "Xietong Platform CA 协同平台根证书"

    /// One issued certificate, as `issued.json` lists it.
    public struct Issued: Sendable, Codable, Hashable {
        public var organisation: String
        public var serial: String
        public var notValidAfter: String
        public var certificate: String
    }

    /// Creates the CA in an empty (or missing) directory. `platform` names it (the committee that runs it); without
    /// one it is named by a random id. Two platforms' CAs never share a name, so that a hub linked to another platform
    /// (issue 23), trusting both CAs, finds each certificate's issuer by its name.
    public static func create(
        in directory: URL,
        validYears: Int = 10,
        platform: String? = nil,
        now: Date = Date()
    ) throws(TrustError) -> CertificateAuthority {
        let files = ["ca.key", "ca.crt"].map { directory.appendingPathComponent($0).path }
        if files.contains(where: FileManager.default.fileExists(atPath:)) {
            throw TrustError(.exists, zh: "该目录已有根证书：\(directory.path)", en: "a CA already exists in \(directory.path)")
        }
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        do {
            let unit = platform ?? "platform \(UUID().uuidString.prefix(8).lowercased())"
            let name = try DistinguishedName {
                CommonName(Self.commonName)
                OrganizationName("Xietong")
                OrganizationalUnitName(unit)
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Self.serialNumber(),
                publicKey: privateKey.publicKey,
                notValidBefore: now.addingTimeInterval(-300),
                notValidAfter: now.addingTimeInterval(Double(validYears) * 365.25 * 86400),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: privateKey
            )
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("issued"), withIntermediateDirectories: true)
            try Self.write(key.pemRepresentation, to: directory.appendingPathComponent("ca.key"), secret: true)
            try Self.write(try certificate.serializeAsPEM().pemString, to: directory.appendingPathComponent("ca.crt"))
            let authority = CertificateAuthority(directory: directory, certificate: certificate, signingKey: key)
            try authority.saveIssued([])
            try authority.writeRevocations(RevocationList(entries: [], issuedAt: Timestamp.string(now)))
            return authority
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError(.io, zh: "无法创建根证书：\(error)", en: "cannot create the CA: \(error)")
        }
    }

    /// Opens the CA of a directory made by `create`.
    public static func open(_ directory: URL) throws(TrustError) -> CertificateAuthority {
        do {
            let keyPEM = try String(contentsOf: directory.appendingPathComponent("ca.key"), encoding: .utf8)
            let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
            let certificate = try PEMFiles.certificate(directory.appendingPathComponent("ca.crt"))
            return CertificateAuthority(directory: directory, certificate: certificate, signingKey: key)
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError(.io, zh: "无法读取根证书（\(directory.path)）：\(error)", en: "cannot read the CA in \(directory.path): \(error)")
        }
    }

    /// Issues a certificate for an organisation's node (or the hub): client and server authentication, signing; and,
    /// for the same key, its seal certificate for signing documents (`ORG.seal.crt`, issue 26).
    /// `hostNames` (DNS names or IP addresses) are where it serves; the node's own address is enough.
    @discardableResult
    public func issue(
        organisation: String,
        hostNames: [String] = ["localhost", "127.0.0.1"],
        validDays: Int = 365,
        notBefore: Date = Date()
    ) throws(TrustError) -> Issued {
        guard organisation.count == 12, organisation.allSatisfy(\.isNumber) else {
            throw TrustError(.invalid, zh: "组织机构代码应为 12 位数字：\(organisation)", en: "the organisation code must be 12 digits: \(organisation)")
        }
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        do {
            let subject = try DistinguishedName {
                CommonName(organisation)
                OrganizationName("Xietong")
            }
            let names: [GeneralName] = hostNames.map { name in
                if let address = IPAddress(name) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(address.bytes))) }
                return .dnsName(name)
            }
            // One certificate of the organisation's key, signed by the CA, with `extensions`.
            func issue(_ extensions: Certificate.Extensions) throws -> Certificate {
                try Certificate(
                    version: .v3,
                    serialNumber: Self.serialNumber(),
                    publicKey: privateKey.publicKey,
                    notValidBefore: notBefore.addingTimeInterval(-300),
                    notValidAfter: notBefore.addingTimeInterval(Double(validDays) * 86400),
                    issuer: self.certificate.subject,
                    subject: subject,
                    signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: extensions,
                    issuerPrivateKey: Certificate.PrivateKey(try self.signingKey)
                )
            }
            let certificate = try issue(
                try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames(names)
                }
            )
            // The organisation's seal certificate (issue 26, SZ-2): the same key, for signing documents (PDF seals,
            // which PAdES readers and pdfsig accept from a certificate for email protection and non-repudiation).
            let seal = try issue(
                try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
                    try ExtendedKeyUsage([.emailProtection])
                }
            )
            let pem = try certificate.serializeAsPEM().pemString
            let folder = self.directory.appendingPathComponent("issued")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Self.write(key.pemRepresentation, to: folder.appendingPathComponent("\(organisation).key"), secret: true)
            try Self.write(pem, to: folder.appendingPathComponent("\(organisation).crt"))
            try Self.write(try seal.serializeAsPEM().pemString, to: folder.appendingPathComponent("\(organisation).seal.crt"))
            func record(_ issued: Certificate, as file: String) -> Issued {
                Issued(
                    organisation: organisation,
                    serial: PEMFiles.serial(issued),
                    notValidAfter: Timestamp.string(issued.notValidAfter),
                    certificate: "issued/\(file)"
                )
            }
            let issued = record(certificate, as: "\(organisation).crt")
            let sealIssued = record(seal, as: "\(organisation).seal.crt")
            try self.saveIssued(try self.issued() + [issued, sealIssued])
            return issued
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError(.io, zh: "无法签发证书：\(error)", en: "cannot issue the certificate: \(error)")
        }
    }

    /// A random serial number of 20 octets as DER writes it (RFC 5280, 4.1.2.2: at most 20): its top bit clear, so no
    /// leading zero octet is added. A random 20 bytes with the top bit set take 21 in DER, and NSS (Debian's pdfsig,
    /// issue 26) then does not find a document seal's signer by its issuer and serial number.
    static func serialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[0] = max(bytes[0] & 0x7F, 1)
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// Every certificate issued, oldest first.
    public func issued() throws(TrustError) -> [Issued] {
        let url = self.directory.appendingPathComponent("issued.json")
        do {
            return try JSONDecoder().decode([Issued].self, from: Data(contentsOf: url))
        } catch {
            throw TrustError(.io, zh: "无法读取签发记录 \(url.path)", en: "cannot read \(url.path): \(error)")
        }
    }

    func saveIssued(_ issued: [Issued]) throws {
        try CanonicalJSON.pretty(issued).write(to: self.directory.appendingPathComponent("issued.json"), options: .atomic)
    }

    /// Revokes by serial number (hex), or every certificate of an organisation; re-signs `revoked.json`.
    @discardableResult
    public func revoke(serial: String? = nil, organisation: String? = nil, reason: String, now: Date = Date()) throws(TrustError) -> [String] {
        let chosen = try self.issued().filter { ($0.serial == serial?.lowercased()) || ($0.organisation == organisation) }
        guard !chosen.isEmpty else {
            throw TrustError(
                .notFound,
                zh: "没有这样的证书（序列号 \(serial ?? "—")，机构 \(organisation ?? "—")）",
                en: "no such certificate (serial \(serial ?? "—"), organisation \(organisation ?? "—"))"
            )
        }
        var list = try RevocationList.load(self.directory.appendingPathComponent("revoked.json"), authority: self.certificate)
        for entry in chosen where !list.entries.contains(where: { $0.serial == entry.serial }) {
            list.entries.append(
                RevocationList.Entry(serial: entry.serial, organisation: entry.organisation, revokedAt: Timestamp.string(now), reason: reason)
            )
        }
        list.issuedAt = Timestamp.string(now)
        do {
            try self.writeRevocations(list)
        } catch {
            throw TrustError(.io, zh: "无法写入吊销列表", en: "cannot write revoked.json: \(error)")
        }
        return chosen.map(\.serial)
    }

    func writeRevocations(_ list: RevocationList) throws {
        var signed = list
        signed.signature = try (try self.signingKey).signature(for: list.signedBytes).derRepresentation.base64EncodedString()
        try CanonicalJSON.pretty(signed).write(to: self.directory.appendingPathComponent("revoked.json"), options: .atomic)
    }

    static func write(_ text: String, to url: URL, secret: Bool = false) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        if secret { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
    }
}

/// IPv4 or IPv6 text to its bytes, for certificate names.
struct IPAddress {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }
}
