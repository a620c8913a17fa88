import Foundation
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import NIOSSL
import SwiftASN1
import X509
import XietongCore

/// TLS for the hub and the nodes (issue 6): mutual TLS between nodes and hub, every peer certificate checked
/// against the platform CA and its revocation list, with a clear log line for each refusal.
public enum TLSSetup {
    /// How long closing a connection waits for the peer's close_notify. NIOSSL waits 5 s by default, and an idle
    /// pooled connection of AsyncHTTPClient does not answer one, so every service that stopped waited 5 s per TLS
    /// server and client: Ctrl-C took 53 s to stop the demo's hub and five nodes. The exchange's messages are
    /// length-delimited HTTP, so an unanswered close_notify loses nothing.
    static let closeTimeout = TimeAmount.milliseconds(500)

    /// The TLS 1.2 suites offered and accepted (issue 19): ECDHE with AEAD ciphers only (forward secrecy and no
    /// CBC-mode MAC-then-encrypt). BoringSSL's defaults also offer the CBC suites with SHA-1 MACs
    /// (ECDHE-ECDSA-AES256-SHA, -AES128-SHA), which are not offered. TLS 1.3's suites are all AEAD.
    static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// A server: its own certificate; with `requireClientCertificates`, clients must present one the trust store
    /// accepts (the hub, for nodes).
    public static func server(_ identity: Identity, requireClientCertificates: Bool) throws(TrustError) -> TLSConfiguration {
        do {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(identity.files.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: identity.files.key, format: .pem))
            )
            configuration.minimumTLSVersion = .tlsv12
            configuration.cipherSuiteValues = Self.cipherSuites
            configuration.shutdownTimeout = Self.closeTimeout
            if requireClientCertificates {
                configuration.certificateVerification = .noHostnameVerification
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(identity.files.caCertificate))
            }
            return configuration
        } catch {
            throw TrustError(.io, zh: "无法加载 TLS 证书或私钥", en: "cannot load the TLS certificate or key: \(error)")
        }
    }

    /// A client of the hub: presents its certificate, and trusts only servers the platform CA issued.
    public static func client(_ identity: Identity) throws(TrustError) -> TLSConfiguration {
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            configuration.cipherSuiteValues = Self.cipherSuites
            configuration.shutdownTimeout = Self.closeTimeout
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(identity.files.certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: identity.files.key, format: .pem))
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(identity.files.caCertificate))
            configuration.certificateVerification = .fullVerification
            return configuration
        } catch {
            throw TrustError(.io, zh: "无法加载 TLS 证书或私钥", en: "cannot load the TLS certificate or key: \(error)")
        }
    }

    /// Replaces BoringSSL's check of a peer's chain with the trust store's (CA, validity, revocation), logging why a
    /// certificate is refused. `accept` decides whether a verified organisation may connect at all.
    public static func verification(
        _ trust: TrustStore,
        logger: Logger,
        accept: @escaping @Sendable (String) -> Bool = { _ in true },
        refused: @escaping @Sendable (_ reason: String) -> Void = { _ in }
    ) -> @Sendable ([NIOSSLCertificate]) async throws -> NIOSSLVerificationResult {
        { chain in
            guard let leaf = chain.first, let certificate = try? Certificate(derEncoded: try leaf.toDERBytes()) else {
                logger.warning("TLS: refused a peer without a readable certificate 拒绝：无法读取对方证书")
                refused("unreadable")
                return .failed
            }
            do throws(TrustError) {
                let organisation = try await trust.verify(certificate)
                guard accept(organisation) else {
                    logger.warning("TLS: refused \(organisation): not a node of this hub 拒绝：不是本中心登记的节点")
                    refused("unknown_node")
                    return .failed
                }
                return .certificateVerified
            } catch {
                logger.warning("TLS: refused a peer certificate 拒绝对方证书 — \(error.code.rawValue): \(error.message.zh) / \(error.message.en)")
                refused(Self.refusalReason(error.code))
                return .failed
            }
        }
    }

    /// A refusal's reason as a metric label: few values, no names (issue 22).
    static func refusalReason(_ code: TrustError.Code) -> String {
        switch code {
        case .revoked: "revoked"
        case .expired: "expired"
        case .unknownIssuer: "unknown_ca"
        case .wrongOrganisation: "wrong_organisation"
        default: "other"
        }
    }

    /// The organisation named by the certificate a peer presented on `channel` (after a verified handshake).
    public static func peerOrganisation(on channel: any Channel) async -> String? {
        guard let peer = try? await channel.nioSSL_peerCertificate().get(), let der = try? peer.toDERBytes() else { return nil }
        if let known = Self.peers.withLockedValue({ $0[der] }) { return known }
        guard let certificate = try? Certificate(derEncoded: der), let organisation = PEMFiles.commonName(certificate) else { return nil }
        Self.peers.withLockedValue {
            if $0.count > 10_000 { $0.removeAll() }
            $0[der] = organisation
        }
        return organisation
    }

    /// Organisations of peer certificates already read, by their DER bytes.
    static let peers = NIOLockedValueBox<[[UInt8]: String]>([:])
}
