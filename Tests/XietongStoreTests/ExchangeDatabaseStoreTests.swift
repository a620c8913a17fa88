import Foundation
import Testing
import XietongCore
import XietongStore
import XietongTesting

/// The exchange database's tables on the embedded database (issue 24): made from the layout, checked against it,
/// read in change order, and written exactly once on delivery. (PostgreSQL: `ExchangeDatabaseTests`, real processes.)
@Suite struct ExchangeDatabaseStoreTests {
    func exchange() async throws -> (ExchangeDatabase, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("exchange.sqlite").path, migrations: [])
        let exchange = ExchangeDatabase(database: database)
        try await exchange.create()
        return (exchange, directory)
    }

    @Test func theShippedDDLIsTheLayoutsAndCreatesMatchingTables() async throws {
        let shipped = try String(contentsOf: Repository.url("docs/exchange-db.sql"), encoding: .utf8)
        #expect(shipped == ExchangeDatabase.script, "docs/exchange-db.sql is stale: run `xietong exchange-db ddl > docs/exchange-db.sql`")
        let (exchange, _) = try await self.exchange()
        #expect(try await exchange.schemaChanges().isEmpty)
        // Creating again changes nothing, and the database gets no table of ours besides the layout's.
        try await exchange.create()
        let tables = try await exchange.database.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", [])
        #expect(tables.compactMap { $0.string("name") } == ExchangeDatabaseLayout.tables.map(\.name).sorted())
    }

    @Test func aDroppedOrRetypedColumnIsFound() async throws {
        let (exchange, _) = try await self.exchange()
        try await exchange.database.execute("ALTER TABLE xt_outbound DROP COLUMN created_at", [])
        try await exchange.database.execute("DROP TABLE xt_inbound_charge", [])
        try await exchange.database.execute(
            "CREATE TABLE xt_inbound_charge (package_id TEXT NOT NULL, ordinal TEXT NOT NULL, person_id TEXT NOT NULL, name TEXT NOT NULL, law_article TEXT)",
            []
        )
        // A primary key gone: writing each status once relies on it.
        try await exchange.database.execute("DROP TABLE xt_outbound_status", [])
        try await exchange.database.execute(
            """
            CREATE TABLE xt_outbound_status (row_key TEXT NOT NULL, change_seq BIGINT NOT NULL, package_id TEXT, content_sha256 TEXT NOT NULL,
                state TEXT NOT NULL, unified_case_code TEXT, last_hop TEXT, findings TEXT, receipt TEXT, repeat_of TEXT, updated_at TEXT NOT NULL)
            """,
            []
        )
        let changes = try await exchange.schemaChanges()
        #expect(
            changes.map(\.description).sorted() == [
                "the column xt_inbound_charge.ordinal was retyped from integer to text",
                "the column xt_outbound.created_at was dropped or renamed",
                "the primary key of xt_inbound_charge changed from (package_id, ordinal) to ()",
                "the primary key of xt_outbound_status changed from (row_key) to ()",
            ]
        )
    }

    @Test func rowsAreReadInChangeOrderFromAPositionEvenWithEqualChangeValues() async throws {
        let (exchange, _) = try await self.exchange()
        for (key, seq) in [("b", 10), ("a", 10), ("c", 5), ("d", 20)] {
            try await exchange.database.execute(
                "INSERT INTO xt_outbound (row_key, change_seq, package_xml) VALUES ($1, $2, '<x/>')",
                [.text(key), .integer(seq)]
            )
        }
        let first = try await exchange.rows(after: nil, limit: 2)
        #expect(first.map(\.rowKey) == ["c", "a"])
        let next = try await exchange.rows(after: first.last?.position, limit: 10)
        #expect(next.map(\.rowKey) == ["b", "d"])
        #expect(try await exchange.lag(after: first.last?.position) == 2)
        // Counted in the same order: at or below (10, "a") are c and a, not b.
        let increment = try await exchange.increment(watermark: ExchangeDatabase.Position(changeSeq: 10, rowKey: "a"))
        #expect(increment.tableMax == 20 && increment.rowsAtOrBelow == 2)
        let watermark = ExchangeDatabase.Position(changeSeq: 10, rowKey: "b")
        #expect(try await exchange.keys(after: nil, upTo: watermark, limit: 10).map(\.rowKey) == ["c", "a", "b"])
        #expect(try await exchange.keys(after: first.first?.position, upTo: watermark, limit: 10).map(\.rowKey) == ["a", "b"])
    }

    @Test func aDeliveredPackageIsWrittenOnceWithItsStructuredDataAsRows() async throws {
        let (exchange, _) = try await self.exchange()
        let name = "arrestApproval.arrestRequest"
        let xml = Array(Fixtures.example(name).utf8)
        let package = try #require(Fixtures.package(name))
        let attachment = try #require(package.attachments.first)
        var delivery = Delivery.of(package, content: xml)
        delivery.attachments = []
        let file = ExchangeDatabase.InboundFile(
            attachmentId: attachment.id,
            name: attachment.name,
            mediaType: attachment.mediaType,
            size: 3,
            sha256: attachment.sha256,
            content: [1, 2, 3],
            nodePath: "/api/v1/inbox/x/attachments/y"
        )
        let first = try await exchange.deliver(delivery, seq: 7, receivedAt: "2026-11-20T02:00:01Z", xml: xml, package: package, files: [file])
        let again = try await exchange.deliver(delivery, seq: 7, receivedAt: "2026-11-20T02:00:01Z", xml: xml, package: package, files: [file])
        #expect(first && !again)
        func count(_ table: String) async throws -> Int {
            try await exchange.database.execute("SELECT COUNT(*) AS n FROM \(table)", []).first?.int("n") ?? -1
        }
        #expect(try await count("xt_inbound") == 1)
        #expect(try await count("xt_inbound_attachment") == 1)
        #expect(try await count("xt_inbound_case") == 1)
        #expect(try await count("xt_inbound_person") == package.body.persons.count)
        #expect(try await count("xt_inbound_charge") == package.body.charges.count)
        #expect(try await count("xt_inbound_measure") == package.body.coerciveMeasures.count)
        #expect(try await count("xt_inbound_document") == package.body.documents.count)
        let row = try #require(try await exchange.database.execute("SELECT * FROM xt_inbound", []).first)
        #expect(row.bytes("package_xml") == xml)
        // Taken by the business system: listed once until the node notes its report.
        try await exchange.database.execute("UPDATE xt_inbound SET taken_at = '2026-11-20T10:00:00'", [])
        #expect(try await exchange.taken() == [package.envelope.packageId])
        try await exchange.markSignedReported(package.envelope.packageId, at: "2026-11-20T10:00:01Z")
        #expect(try await exchange.taken().isEmpty)
    }
}
