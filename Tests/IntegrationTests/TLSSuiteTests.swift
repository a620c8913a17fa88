import Foundation
import Testing
import XietongLocal
import XietongTesting

/// The hub's and a node's TLS servers offer TLS 1.2 with ECDHE and AEAD ciphers only (issue 19, item 5): a client
/// that offers only a CBC suite with a SHA-1 MAC is refused at the handshake, one that offers AES-GCM or ChaCha20
/// is served. Tried with OpenSSL's own client, as an auditor's scanner would.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TLSSuiteTests {
    /// `openssl s_client` with TLS 1.2 and only `cipher` offered; the cipher the server chose, or nil when the
    /// handshake failed.
    static func negotiated(port: Int, cipher: String) async throws -> String? {
        let command = "openssl s_client -connect 127.0.0.1:\(port) -tls1_2 -cipher \(cipher) -brief < /dev/null 2>&1"
        let result = try await CommandRunner.runTool("/bin/sh", ["-c", command])
        guard result.status == 0 else { return nil }
        let line = result.stdout.split(separator: "\n").first { $0.contains("Ciphersuite:") }
        return line.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) }
    }

    @Test func tls12OffersOnlyForwardSecretAEADSuites() async throws {
        let harness = try ExchangeHarness(tls: true)
        try harness.addHub(nodes: [police])
        try harness.addNode(police, serveTLS: true)
        try await harness.start("hub")
        try await harness.start(police)
        for service in ["hub", police] {
            let port = harness.services[service]!.port
            for weak in ["ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA", "AES128-SHA", "ECDHE-ECDSA-AES128-SHA256"] {
                #expect(try await Self.negotiated(port: port, cipher: weak) == nil, "\(service) accepted \(weak)")
            }
            for strong in ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"] {
                #expect(try await Self.negotiated(port: port, cipher: strong) == strong, "\(service) refused \(strong)")
            }
        }
    }
}
