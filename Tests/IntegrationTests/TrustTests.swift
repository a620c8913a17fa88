import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongTesting
import XietongTrust

/// Issue 6's security tests on the wire: a hub and nodes with mutual TLS and signed packages, as real processes.
/// Wrong, expired and revoked certificates are refused at the handshake with a clear log line; a package or an
/// attachment altered by one byte is refused with a finding; a replayed package is answered once.
@Suite(.serialized, .timeLimit(.minutes(4))) struct TrustTests {
    let court = "330106000301"

    static func pdf(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/\(name).pdf")))
    }

    /// Posts `content` to the hub as the node `client` presents, with a signature header when given.
    static func post(
        _ content: [UInt8],
        signature: PackageSignature?,
        to hub: String,
        client: HTTPClient,
        harness: ExchangeHarness
    ) async throws
        -> ExchangeHarness.Reply
    {
        var headers: [(String, String)] = []
        if let signature { headers.append(("Xietong-Signature", try JSONEncoder().encode(signature).base64EncodedString())) }
        return try await harness.request(.POST, "\(hub)/v1/packages", body: content, headers: headers, client: client)
    }

    @Test func certificatesAreCheckedAndSignedPackagesCannotBeAlteredOrReplayed() async throws {
        let harness = try ExchangeHarness(tls: true)
        try harness.addHub(nodes: [police, procuratorate, self.court], alertCheckSeconds: 0.5)
        try harness.addNode(police)
        try harness.addNode(procuratorate, serveTLS: true)
        try await harness.startAll()
        let hub = harness.services["hub"]!.url
        #expect(hub.hasPrefix("https://"))
        // Business systems reach the procuratorate's node over TLS too.
        #expect(harness.services[procuratorate]!.url.hasPrefix("https://"))
        let pki = try #require(harness.exchange.pki)

        // The exchange works end to end over mutual TLS, each package signed by the police's node and checked by
        // the hub and by the procuratorate's node.
        let request = Fixtures.example("arrestApproval.arrestRequest")
        let sent = try await harness.send(Array(request.utf8), attachments: [try Self.pdf("arrestApproval.arrestRequest")], from: police)
        #expect(sent.status == 202, "\(sent.text)")
        let packageId = try #require(sent.json(Receipt.self)?.packageId)
        try await harness.eventually("the signed request reaches the procuratorate") {
            try await harness.status(of: packageId, at: police).contains { $0.hop == .storedByReceiver }
        }

        // Certificates: another CA's, an expired one, a revoked one are refused at the handshake, each with its
        // reason in the hub's log; a valid one of an organisation the hub does not serve too.
        let foreign = try CertificateAuthority.create(in: harness.directory.url.appendingPathComponent("foreign-ca"))
        try foreign.issue(organisation: police)
        let authority = try CertificateAuthority.open(pki)
        let expiredDirectory = harness.directory.url.appendingPathComponent("expired")
        try FileManager.default.createDirectory(at: expiredDirectory, withIntermediateDirectories: true)
        try authority.issue(organisation: procuratorate, validDays: 1, notBefore: Date().addingTimeInterval(-10 * 86400))
        let expired = TLSFiles.issued(by: pki, to: procuratorate)
        for suffix in ["crt", "key"] {
            try FileManager.default.copyItem(
                atPath: "\(pki.path)/issued/\(procuratorate).\(suffix)",
                toPath: expiredDirectory.appendingPathComponent("\(procuratorate).\(suffix)").path
            )
        }
        _ = expired
        try authority.issue(organisation: self.court)
        try authority.revoke(organisation: self.court, reason: "test: the court's node was lost")
        // The hub looks at the revocation list again within a second of a change.
        try await Task.sleep(for: .milliseconds(1100))
        try authority.issue(organisation: "330106000401")
        let cases: [(String, String, String, String)] = [
            (
                "another CA", "\(foreign.directory.path)/issued/\(police).crt", "\(foreign.directory.path)/issued/\(police).key",
                "certificate.unknown-issuer"
            ),
            (
                "expired", expiredDirectory.appendingPathComponent("\(procuratorate).crt").path,
                expiredDirectory.appendingPathComponent("\(procuratorate).key").path, "certificate.expired"
            ),
            ("revoked", "\(pki.path)/issued/\(self.court).crt", "\(pki.path)/issued/\(self.court).key", "certificate.revoked"),
            ("not a node of this hub", "\(pki.path)/issued/330106000401.crt", "\(pki.path)/issued/330106000401.key", "not a node of this hub"),
        ]
        for (what, certificate, key, logged) in cases {
            let client = try harness.client(certificate: certificate, key: key)
            var refused = false
            do {
                let reply = try await harness.request(.GET, "\(hub)/v1/feed?after=0&wait=0", client: client)
                refused = reply.status == 401
            } catch {
                refused = true
            }
            try await client.shutdown()
            #expect(refused, "\(what): the hub took the certificate")
            try await harness.eventually("the hub logs why (\(what))", timeout: 10) { harness.log("hub").contains(logged) }
        }
        // No certificate at all: no node identity.
        #expect(try await harness.request(.GET, "\(hub)/v1/feed?after=0&wait=0").status == 401)
        // Each refusal is counted by its reason for the IT centre's monitoring (issue 22), read with the administrator's
        // token.
        let metrics = try await harness.request(.GET, "\(hub)/metrics", key: harness.adminToken).text
        for reason in ["unknown_ca", "expired", "revoked", "unknown_node"] {
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("xietong_tls_handshake_refusals_total{reason=\"\(reason)\"}") }
            #expect(line.map { !$0.hasSuffix(" 0") } == true, "\(reason): \(line ?? "no series")")
        }

        // Signed packages, posted straight to the hub as the police's node.
        let identity = try Identity(TLSFiles.issued(by: pki, to: police))
        let node = try harness.client(certificate: identity.files.certificate, key: identity.files.key)
        var failure: (any Error)?
        do {
            try await Self.signedPackages(identity: identity, node: node, hub: hub, pki: pki, harness: harness)
        } catch {
            failure = error
        }
        try await node.shutdown()
        if let failure { throw failure }
    }

    /// Altered, unsigned, impostor-signed and replayed packages, straight to the hub.
    static func signedPackages(identity: Identity, node: HTTPClient, hub: String, pki: URL, harness: ExchangeHarness) async throws {
        var package = try #require(Fixtures.package("arrestApproval.arrestRequest"))
        package.envelope.packageId = UUID().uuidString.lowercased()
        package.envelope.idempotencyKey = "trust-\(package.envelope.packageId)"
        let original = CasePackageWriter.bytes(package)
        let attachments = package.attachments.map(\.sha256)
        let signature = try PackageSignature.sign(
            packageId: package.envelope.packageId,
            content: original,
            attachmentSHA256s: attachments,
            by: identity
        )
        // One byte of the package altered after signing.
        var altered = original
        let filed = try #require(String(decoding: original, as: UTF8.self).range(of: "<FiledOn>"))
        let index =
            String(decoding: original, as: UTF8.self).utf8.distance(
                from: String(decoding: original, as: UTF8.self).utf8.startIndex,
                to: filed.upperBound
            ) + 9
        altered[index] = altered[index] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        let alteredReply = try await Self.post(altered, signature: signature, to: hub, client: node, harness: harness)
        #expect(alteredReply.json(Receipt.self)?.findings.first?.code == .signatureInvalid, "\(alteredReply.text)")
        // One byte of the attachment altered: uploaded under its new hash, the manifest changed to match, the
        // original signature kept.
        var pdf = try Self.pdf("arrestApproval.arrestRequest")
        pdf[pdf.count / 2] ^= 0x01
        let newHash = ContentHash.sha256(pdf)
        #expect(try await harness.request(.PUT, "\(hub)/v1/blobs/\(newHash)", body: pdf, client: node).status < 300)
        var swapped = package
        swapped.attachments[0].sha256 = newHash
        let swappedReply = try await Self.post(CasePackageWriter.bytes(swapped), signature: signature, to: hub, client: node, harness: harness)
        #expect(swappedReply.json(Receipt.self)?.findings.first?.code == .signatureInvalid, "\(swappedReply.text)")
        // Unsigned: refused.
        let unsigned = try await Self.post(original, signature: nil, to: hub, client: node, harness: harness)
        #expect(unsigned.json(Receipt.self)?.findings.first?.code == .signatureMissing, "\(unsigned.text)")
        // Signed by another organisation's key: refused.
        let other = try PackageSignature.sign(
            packageId: package.envelope.packageId,
            content: original,
            attachmentSHA256s: attachments,
            by: try Identity(TLSFiles.issued(by: pki, to: procuratorate))
        )
        let impostor = try await Self.post(original, signature: other, to: hub, client: node, harness: harness)
        #expect(impostor.json(Receipt.self)?.findings.first?.code == .signatureInvalid, "\(impostor.text)")
        // The genuine package is accepted; replayed, it is answered with the same receipt and delivered once.
        let first = try await Self.post(original, signature: signature, to: hub, client: node, harness: harness)
        let firstReceipt = try #require(first.json(Receipt.self))
        #expect(firstReceipt.status == .accepted, "\(first.text)")
        let replay = try await Self.post(original, signature: signature, to: hub, client: node, harness: harness)
        var replayed = try #require(replay.json(Receipt.self))
        replayed.hubSignature = nil
        var unsignedFirst = firstReceipt
        unsignedFirst.hubSignature = nil
        #expect(replayed == unsignedFirst)
        // The hub signed the receipt with its certificate's key.
        let hubCertificate = try String(contentsOf: pki.appendingPathComponent("issued/\(LocalExchange.hubOrganisation).crt"), encoding: .utf8)
        let signer = try await identity.trust.verifySignature(
            try #require(firstReceipt.hubSignature),
            over: firstReceipt.signedBytes,
            certificatePEM: hubCertificate,
            organisation: LocalExchange.hubOrganisation
        )
        #expect(signer == LocalExchange.hubOrganisation)
        try await harness.eventually("the genuine package is delivered") {
            try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/inbox", key: ExchangeHarness.apiKey(procuratorate)).text
                .contains(package.envelope.packageId)
        }
        struct Item: Decodable { let packageId: String }
        let inbox = try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/inbox", key: ExchangeHarness.apiKey(procuratorate))
        let items = try #require(inbox.json([Item].self) ?? inbox.json([String: [Item]].self)?.values.first, "\(inbox.text)")
        #expect(items.filter { $0.packageId == package.envelope.packageId }.count == 1, "delivered once")
    }
}
