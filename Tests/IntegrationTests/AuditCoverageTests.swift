import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// `xietong audit verify` as an auditor uses it (issue 19, item 3): besides edited, deleted and unlogged event rows
/// (EvidenceLogTests), it names a stored package whose bytes were changed (its recorded hash changed with them),
/// an altered attachment, a forged event with a correctly hashed leaf appended after the last signed head, and a log
/// cut back with its newer signed heads removed, which only the heads a node kept can show. Each exits 1 with its code.
@Suite(.serialized, .timeLimit(.minutes(4))) struct AuditCoverageTests {
    static func sql(_ path: String, _ statements: [String]) async throws {
        let database = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
        for statement in statements { try await database.execute(statement, []) }
        await database.close()
    }

    @Test func theAuditCoversContentUnsignedLeavesAndHeadsKeptByTheNodes() async throws {
        let harness = try ExchangeHarness(tls: true)
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        let node = harness.services[police]!.url
        let key = ExchangeHarness.apiKey(police)
        let made = PackageFactory.arrestRequest(case: 0, message: 0, run: "audit")
        try await harness.sendCases([[made]], from: police)
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: [[made]], sender: police)
        let directory = harness.exchange.directory
        let config = directory.appendingPathComponent("hub.json").path
        let database = directory.appendingPathComponent("hub/hub.sqlite").path
        let ca = try #require(harness.exchange.pki).appendingPathComponent("ca.crt").path
        // The police node's kept head, exported as an auditor would.
        let keptFile = directory.appendingPathComponent("police-evidence.json")
        try await harness.eventually("the node keeps a head") {
            let reply = try await harness.get("\(node)/api/v1/evidence", key: key)
            try Data(reply.body).write(to: keptFile)
            return reply.text.contains("\"treeSize\"")
        }
        await harness.stop("hub")
        func audit() async throws -> CommandResult {
            try await CommandRunner.run(["audit", "verify", "--config", config, "--ca", ca, "--heads", keptFile.path])
        }
        let clean = try await audit()
        #expect(clean.status == 0 && clean.stdout.contains("no tampering found"), "\(clean.stdout)\(clean.stderr)")

        // 1. The package's stored bytes changed, and its recorded hash with them.
        let forged = made.xml + Array("<!-- altered -->".utf8)
        let original = try await SQLiteDatabase.open(path: database, migrations: Migrations.hub)
        let stored = try #require(try await original.execute("SELECT content FROM package_contents", []).first?.bytes("content"))
        await original.close()
        try await Self.sql(
            database,
            [
                "UPDATE package_contents SET content = X'\(Hex.string(forged))'",
                "UPDATE packages SET content_sha256 = '\(ContentHash.sha256(forged))' WHERE package_id = '\(made.packageId)'",
            ]
        )
        let content = try await audit()
        #expect(content.status == 1 && content.stdout.contains("evidence.content-altered"), "\(content.stdout)")
        #expect(content.stdout.contains(made.packageId))
        try await Self.sql(
            database,
            [
                "UPDATE package_contents SET content = X'\(Hex.string(stored))'",
                "UPDATE packages SET content_sha256 = '\(ContentHash.sha256(stored))' WHERE package_id = '\(made.packageId)'",
            ]
        )
        #expect(try await audit().status == 0)

        // 2. The attachment's file changed at the hub.
        let blobs = try BlobStore(root: directory.appendingPathComponent("hub/blobs"), directIO: false)
        let blob = blobs.url(ContentHash.sha256(made.attachment))
        var altered = made.attachment
        altered[10] ^= 0xFF
        try Data(altered).write(to: blob)
        let attachment = try await audit()
        #expect(attachment.status == 1 && attachment.stdout.contains("evidence.attachment-altered"), "\(attachment.stdout)")
        try Data(made.attachment).write(to: blob)
        #expect(try await audit().status == 0)

        // 3. A forged event, recorded with a correctly hashed leaf through the hub's own code, after the last head.
        let opened = try await SQLiteDatabase.open(path: database, migrations: Migrations.hub)
        let store = HubStore(database: opened, hubOrganisation: LocalExchange.hubOrganisation, flows: try FlowEngine.bundled(), clock: .system)
        let outcome = try await store.record(
            PackageEvent(packageId: made.packageId, hop: .returned, at: Timestamp.now(), organisation: procuratorate, detail: "forged"),
            reportedBy: procuratorate
        )
        let size = try #require(try await opened.execute("SELECT size FROM evidence_size", []).first?.int("size"))
        await opened.close()
        #expect(outcome == .recorded)
        let unsigned = try await audit()
        #expect(unsigned.status == 1 && unsigned.stdout.contains("evidence.unsigned-leaves"), "\(unsigned.stdout)")
        #expect(!unsigned.stdout.contains("evidence.event-"), "the forged event itself is consistent: \(unsigned.stdout)")

        // 4. The log cut back below the node's head, and the hub's newer heads removed: only the node's head shows it.
        let keptSize = try #require(
            try JSONDecoder().decode(KeptEvidence.self, from: Data(contentsOf: keptFile)).treeHead?.treeSize
        )
        let cut = keptSize - 1
        try await Self.sql(
            database,
            [
                "DELETE FROM package_events WHERE (package_key, hop) IN (SELECT package_key, hop FROM evidence_leaves WHERE leaf_index >= \(cut))",
                "DELETE FROM evidence_leaves WHERE leaf_index >= \(cut)",
                "UPDATE evidence_size SET size = \(cut)",
                "DELETE FROM tree_heads WHERE tree_size > \(cut)",
            ]
        )
        #expect(size > cut)
        let truncated = try await audit()
        #expect(truncated.status == 1 && truncated.stdout.contains("evidence.log-truncated"), "\(truncated.stdout)")
        let alone = try await CommandRunner.run(["audit", "verify", "--config", config, "--ca", ca])
        #expect(!alone.stdout.contains("evidence.log-truncated"), "without the node's heads the cut is not visible as such")
    }

    struct KeptEvidence: Decodable {
        let treeHead: Evidence.TreeHead?
    }
}
