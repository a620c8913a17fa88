import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// The evidence log (issue 6, SZ-3, GS-7) with real processes: every hand-over of a package is a leaf with an
/// inclusion proof; nodes keep the hub's signed heads and check each extends the last; `xietong audit verify` names
/// an edited or deleted event row; a hub that rewrites its history is caught by the node that kept an older head.
@Suite(.serialized, .timeLimit(.minutes(4))) struct EvidenceLogTests {
    struct NodeEvidence: Decodable {
        let treeHead: Evidence.TreeHead?
        let alarms: [EvidenceAlarm]
    }

    struct VerifiedReceipt: Decodable {
        let receipt: Evidence.Receipt
        let verified: Bool
        let problems: [LocalizedText]
    }

    static func sql(_ path: String, _ statements: [String]) async throws {
        let database = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
        for statement in statements { try await database.execute(statement, []) }
        await database.close()
    }

    static func audit(_ config: String) async throws -> CommandResult {
        try await CommandRunner.run(["audit", "verify", "--config", config])
    }

    @Test func handOversAreProvenTamperingIsNamedAndAForkedLogIsCaught() async throws {
        let harness = try ExchangeHarness(tls: true)
        try harness.addHub(nodes: [police, procuratorate], alertCheckSeconds: 0.5)
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try await harness.startAll()
        let node = harness.services[police]!.url
        let key = ExchangeHarness.apiKey(police)

        let request = Fixtures.example("arrestApproval.arrestRequest")
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        let sent = try await harness.send(Array(request.utf8), attachments: [pdf], from: police)
        let packageId = try #require(sent.json(Receipt.self)?.packageId)
        try await harness.eventually("the package is stored by the receiver") {
            try await harness.status(of: packageId, at: police).contains { $0.hop == .storedByReceiver }
        }
        // The sender's node keeps a signed head covering the package's hand-overs, and its evidence receipt verifies.
        var evidence: VerifiedReceipt?
        try await harness.eventually("a signed head covers every hand-over", timeout: 30) {
            evidence = try await harness.get("\(node)/api/v1/packages/\(packageId)/evidence", key: key).json(VerifiedReceipt.self)
            return evidence.map { Set($0.receipt.entries.map(\.event.hop)).isSuperset(of: [.receivedByHub, .coded, .forwarded, .storedByReceiver]) }
                ?? false
        }
        let receipt = try #require(evidence)
        #expect(receipt.verified && receipt.problems.isEmpty, "\(receipt.problems)")
        #expect(receipt.receipt.proofsHold && receipt.receipt.treeHead.certificate != nil)
        try await harness.eventually("the node kept a head", timeout: 30) {
            try await harness.get("\(node)/api/v1/evidence", key: key).json(NodeEvidence.self)?.treeHead != nil
        }

        // The running hub audited from outside: its leaves against its signed heads.
        let ca = try #require(harness.exchange.pki).appendingPathComponent("ca.crt").path
        let remote = try await CommandRunner.run([
            "audit", "verify", "--hub", harness.services["hub"]!.url, "--token", harness.adminToken, "--ca", ca,
        ])
        #expect(remote.status == 0 && remote.stdout.contains("no tampering found"), "\(remote.stdout)\(remote.stderr)")

        // The hub stopped, its database is audited: clean; then an edited event and a deleted one are named.
        await harness.stop("hub")
        let config = harness.exchange.directory.appendingPathComponent("hub.json").path
        let database = harness.exchange.directory.appendingPathComponent("hub/hub.sqlite").path
        let clean = try await Self.audit(config)
        #expect(clean.status == 0 && clean.stdout.contains("no tampering found"), "\(clean.stdout)\(clean.stderr)")
        try await Self.sql(
            database,
            ["UPDATE package_events SET organisation = '330106000999' WHERE package_id = '\(packageId)' AND hop = 'forwarded'"]
        )
        let edited = try await Self.audit(config)
        #expect(edited.status == 1 && edited.stdout.contains("evidence.event-altered") && edited.stdout.contains("hop forwarded"), "\(edited.stdout)")
        #expect(edited.stdout.contains(packageId))
        try await Self.sql(
            database,
            [
                "UPDATE package_events SET organisation = '\(LocalExchange.hubOrganisation)' WHERE package_id = '\(packageId)' AND hop = 'forwarded'",
                "DELETE FROM package_events WHERE package_id = '\(packageId)' AND hop = 'coded'",
            ]
        )
        let deleted = try await Self.audit(config)
        #expect(deleted.status == 1 && deleted.stdout.contains("evidence.event-deleted") && deleted.stdout.contains("hop coded"), "\(deleted.stdout)")

        // The hub rewrites its history consistently (leaf 0's time, its hashes, its signed heads), so its own
        // database looks clean; the node that kept an older head catches it at the next head.
        let tree = try await EvidenceRewrite.rewrite(hubDatabase: database)
        try await harness.start("hub")
        try await harness.eventually("the police's node raises the alarm", timeout: 30) {
            let alarms = try await harness.get("\(node)/api/v1/evidence", key: key).json(NodeEvidence.self)?.alarms ?? []
            return alarms.contains { $0.detail.en.contains("rewritten or forked") }
        }
        // The node keeps the last good head, not the forked one.
        let kept = try #require(try await harness.get("\(node)/api/v1/evidence", key: key).json(NodeEvidence.self)?.treeHead)
        #expect(kept.rootHash != Hex.string(try await tree.root(size: kept.treeSize)))
    }
}
