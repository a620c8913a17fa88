import Crypto
public import Foundation
import SwiftASN1
public import X509
public import XietongCore

/// A hub's or node's own certificate and key (`xietong pki issue`), and what it trusts: the files of the `tls`
/// section of its configuration.
public struct TLSFiles: Sendable, Codable, Hashable {
    public var certificate: String
    public var key: String
    public var caCertificate: String
    /// The CA's signed `revoked.json`.
    public var revocationList: String?
    /// Linked platforms' CAs (issue 23), each trusted for the organisations it serves only: a node whose agency
    /// receives packages from another platform's agencies checks their senders' signatures with them. A hub adds its
    /// peers' (`peers[].caCertificate`) itself.
    public var platforms: [LinkedPlatform]?

    /// A linked platform's CA certificate, its signed revocation list, and the organisations it may vouch for.
    public struct LinkedPlatform: Sendable, Codable, Hashable {
        public var caCertificate: String
        public var revocationList: String?
        public var organisations: [String]

        public init(caCertificate: String, revocationList: String? = nil, organisations: [String]) {
            self.caCertificate = caCertificate
            self.revocationList = revocationList
            self.organisations = organisations
        }
    }

    /// Each file with the key path of its setting (`tls.certificate` …), for a configuration's checks.
    public var settings: [(path: String, setting: String)] {
        [(self.certificate, "tls.certificate"), (self.key, "tls.key"), (self.caCertificate, "tls.caCertificate")]
            + (self.revocationList.map { [($0, "tls.revocationList")] } ?? [])
            + (self.platforms ?? []).enumerated().flatMap { index, platform in
                [(platform.caCertificate, "tls.platforms[\(index)].caCertificate")]
                    + (platform.revocationList.map { [($0, "tls.platforms[\(index)].revocationList")] } ?? [])
            }
    }

    /// The keys a `tls` section may hold.
    public static let shape = SettingsShape.object([
        "certificate": .value, "key": .value, "caCertificate": .value, "revocationList": .value,
        "platforms": .array(.fields("caCertificate", "revocationList", "organisations")),
    ])

    public init(certificate: String, key: String, caCertificate: String, revocationList: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.caCertificate = caCertificate
        self.revocationList = revocationList
    }

    /// The files `xietong pki issue` wrote for `organisation` in a CA directory.
    public static func issued(by directory: URL, to organisation: String) -> TLSFiles {
        TLSFiles(
            certificate: directory.appendingPathComponent("issued/\(organisation).crt").path,
            key: directory.appendingPathComponent("issued/\(organisation).key").path,
            caCertificate: directory.appendingPathComponent("ca.crt").path,
            revocationList: directory.appendingPathComponent("revoked.json").path
        )
    }
}

/// The loaded identity: certificate (PEM and parsed), signing key, and the trust store.
public struct Identity: Sendable {
    public let files: TLSFiles
    public let certificate: Certificate
    public let certificatePEM: String
    let key: SigningKey
    public let trust: TrustStore

    public var organisation: String { PEMFiles.commonName(self.certificate) ?? "" }

    public init(_ files: TLSFiles) throws(TrustError) {
        self.files = files
        self.certificate = try PEMFiles.certificate(URL(fileURLWithPath: files.certificate))
        do {
            self.certificatePEM = try String(contentsOfFile: files.certificate, encoding: .utf8)
            self.key = SigningKey(try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: files.key, encoding: .utf8)))
        } catch {
            throw TrustError(.io, zh: "无法读取私钥 \(files.key)", en: "cannot read the private key \(files.key): \(error)")
        }
        var platforms: [TrustStore.Platform] = []
        for platform in files.platforms ?? [] {
            platforms.append(
                TrustStore.Platform(
                    authority: try PEMFiles.certificate(URL(fileURLWithPath: platform.caCertificate)),
                    revocationFile: platform.revocationList.map { URL(fileURLWithPath: $0) },
                    organisations: Set(platform.organisations)
                )
            )
        }
        self.trust = try TrustStore(
            caCertificate: URL(fileURLWithPath: files.caCertificate),
            revocationFile: files.revocationList.map { URL(fileURLWithPath: $0) },
            platforms: platforms
        )
        _ = try self.trust.revokedSerials()
        for index in platforms.indices { _ = try self.trust.revokedSerials(of: index + 1) }
    }

    /// A detached ECDSA P-256/SHA-256 signature (DER, base64).
    public func sign(_ bytes: [UInt8]) throws(TrustError) -> String {
        try self.key.signature(for: bytes)
    }
}

/// Checking a detached signature against a certificate the trust store accepts.
extension TrustStore {
    /// Verifies `signature` (DER, base64) over `bytes` by the certificate in `certificatePEM`, and that the
    /// certificate is trusted and names `organisation` (when given). Returns the signer's organisation.
    public func verifySignature(
        _ signature: String,
        over bytes: [UInt8],
        certificatePEM: String,
        organisation: String?,
        at now: Date = Date()
    ) async throws(TrustError) -> String {
        let certificate: Certificate
        do {
            certificate = try self.certificate(pem: certificatePEM)
        } catch {
            throw TrustError(.badSignature, zh: "签名证书无法解析", en: "the signer's certificate cannot be read")
        }
        let signer = try await self.verify(certificate, at: now)
        if let organisation, signer != organisation {
            throw TrustError(
                .wrongOrganisation,
                zh: "签名证书属于 \(signer)，而发送方是 \(organisation)",
                en: "the signature is by \(signer), but the sender is \(organisation)"
            )
        }
        guard let der = Data(base64Encoded: signature), let parsed = try? P256.Signing.ECDSASignature(derRepresentation: der),
            let key = P256.Signing.PublicKey(certificate.publicKey), key.isValidSignature(parsed, for: bytes)
        else {
            throw TrustError(.badSignature, zh: "签名与内容不符（\(signer)）", en: "the signature does not match the content (\(signer))")
        }
        return signer
    }
}
