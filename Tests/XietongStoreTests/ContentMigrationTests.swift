import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// Packages stored before their bytes moved to tables of their own (hub migration 8, node migration 7) keep their
/// bytes, on both backends; and a state change no longer rewrites a package's bytes.
@Suite struct ContentMigrationTests {
    static let bytes = Array("<CasePackage>案情</CasePackage>".utf8) + (0..<300).map { UInt8($0 % 251) }

    @Test(arguments: StoreBackend.allCases)
    func aHubUpgradedWithPackagesStillServesTheirBytes(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let location = try await backend.newLocation(in: directory)
        let old = try await location.open(migrations: Array(HubSchema.migrations.prefix { $0.version < 8 }), logger: StoreBackend.logger)
        try await old.execute(
            """
            INSERT INTO packages (package_id, sender_org, receiver_org, idempotency_key, flow, message_type, unified_case_code,
                code_assigned, agency_case_number, standard_version, case_name, case_category, division, similarity_key,
                content_sha256, content_size, content, created_at, received_at, receipt)
            VALUES ('p-old', '330106000101', '330106000201', 'k-old', 'arrestApproval', 'arrestRequest', 'c', 0, 'n', '1.1',
                'case', 'criminal', '330106', 's', $1, $2, $3, '2026-11-20T09:00:00+08:00', '2026-11-20T01:00:00Z', '{}')
            """,
            [.text(ContentHash.sha256(Self.bytes)), .integer(Self.bytes.count), .blob(Self.bytes)]
        )
        await old.close()
        let upgraded = try await location.open(migrations: HubSchema.migrations, logger: StoreBackend.logger)
        defer { Task { await upgraded.close() } }
        let store = HubStore(database: upgraded, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        #expect(try await store.content(of: "p-old") == Self.bytes)
        #expect(try await store.parties(of: "p-old")?.receiver == "330106000201")
    }

    @Test(arguments: StoreBackend.allCases)
    func aNodeUpgradedWithPackagesInBothDirectionsStillHasTheirBytes(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let location = try await backend.newLocation(in: directory)
        let old = try await location.open(migrations: Array(NodeSchema.migrations.prefix { $0.version < 7 }), logger: StoreBackend.logger)
        try await old.execute(
            """
            INSERT INTO outbox (package_id, idempotency_key, node_seq, lane, receiver_org, flow, message_type, content, attachments,
                state, receipt, attempts, next_attempt_at, accepted_at)
            VALUES ('out-old', 'k-old', 1, 0, '330106000201', 'arrestApproval', 'arrestRequest', $1, '[]', 'pending', $2, 0,
                '2026-11-20T01:00:00Z', '2026-11-20T01:00:00Z')
            """,
            [.blob(Self.bytes), .text(StoreRows.json(Receipt(packageId: "out-old", status: .accepted)))]
        )
        try await old.execute(
            """
            INSERT INTO inbox (package_id, feed_seq, sender_org, flow, message_type, unified_case_code, delivery, content, state,
                stored_at, attempts, next_attempt_at, case_bucket)
            VALUES ('in-old', 1, '330106000101', 'arrestApproval', 'arrestRequest', 'c', $1, $2, 'stored', '2026-11-20T01:00:00Z', 0,
                '2026-11-20T01:00:00Z', 0)
            """,
            [.text(StoreRows.json(Self.delivery)), .blob(Self.bytes)]
        )
        await old.close()
        let upgraded = try await location.open(migrations: NodeSchema.migrations, logger: StoreBackend.logger)
        defer { Task { await upgraded.close() } }
        let store = NodeStore(database: upgraded, organisation: "330106000201")
        #expect(try await store.pendingBatch(lane: 0, now: "9999", limit: 10).map(\.content) == [Self.bytes])
        #expect(try await store.existingReceipt(idempotencyKey: "k-old", packageId: "")?.sameContent == Self.bytes)
        #expect(try await store.inboxContent("in-old")?.content == Self.bytes)
        #expect(try await store.nextUndelivered()?.content == Self.bytes)
        // Delivered: the state changes, the bytes stay.
        #expect(try await !store.markDelivered("in-old").isEmpty)
        #expect(try await store.inboxContent("in-old")?.content == Self.bytes)
    }

    @Test func deliveringALargePackageDoesNotRewriteItsBytes() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("node.sqlite").path
        let database = try await SQLiteDatabase.open(path: path, migrations: NodeSchema.migrations)
        defer { Task { await database.close() } }
        let store = NodeStore(database: database, organisation: "330106000201")
        let large = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        var delivery = Self.delivery
        delivery.contentSHA256 = ContentHash.sha256(large)
        delivery.contentSize = large.count
        try await store.store(delivery, feedSeq: 1, content: large, cursor: 1)
        let walSize = { (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        // An empty log first, so that what the update writes is what the log holds afterwards.
        try await database.execute("PRAGMA wal_checkpoint(TRUNCATE)", [])
        let before = walSize()
        #expect(before == 0)
        #expect(try await !store.markDelivered("in-old").isEmpty)
        // The update writes the inbox row, its indexes, the hop and the report: a few pages, not 4 MiB again.
        #expect(walSize() - before < 256 << 10, "the write-ahead log grew by \(walSize() - before) bytes")
        #expect(try await store.inboxContent("in-old")?.content == large)
    }

    static let delivery = Delivery(
        packageId: "in-old",
        sender: "330106000101",
        receiver: "330106000201",
        flow: "arrestApproval",
        messageType: "arrestRequest",
        unifiedCaseCode: "c",
        agencyCaseNumber: "n",
        contentSHA256: ContentHash.sha256(Self.bytes),
        contentSize: Self.bytes.count,
        attachments: [],
        acceptedAt: "2026-11-20T01:00:00Z"
    )
}
