import Foundation
import Testing
import XietongCore
import XietongStore
import XietongTesting

/// One suite, run on both backends (issue 4): what the hub and the nodes rely on from their database behaves the same
/// on the embedded SQLite and on PostgreSQL, including under concurrency.
@Suite struct StoreConformanceTests {
    // Built per use: cheap, and no shared static initialiser among the concurrently running tests.
    static var flows: FlowEngine { try! FlowEngine.bundled() }

    static let probe = [
        Migration(
            version: 1,
            name: "probe",
            statements: ["CREATE TABLE probe (id TEXT PRIMARY KEY, number BIGINT, ratio DOUBLE PRECISION, label TEXT, payload BYTEA)"]
        )
    ]

    // MARK: The database

    @Test(arguments: StoreBackend.allCases)
    func valuesRoundTripUnchanged(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.probe, in: directory)
        defer { Task { await database.close() } }
        let bytes = (0..<512).map { UInt8($0 % 256) }
        try await database.execute(
            "INSERT INTO probe (id, number, ratio, label, payload) VALUES ($1, $2, $3, $4, $5)",
            [.text("a"), .integer(9_007_199_254_740_993), .real(0.25), .text("杭州市西湖区人民检察院 ' \" ; --"), .blob(bytes)]
        )
        try await database.execute(
            "INSERT INTO probe (id, number, ratio, label, payload) VALUES ($1, $2, $3, $4, $5)",
            [.text("b"), .null, .null, .null, .null]
        )
        let rows = try await database.execute("SELECT id, number, ratio, label, payload FROM probe ORDER BY id", [])
        #expect(rows.count == 2)
        #expect(rows[0].int("number") == 9_007_199_254_740_993)
        #expect(rows[0]["ratio"] == .real(0.25))
        #expect(rows[0].string("label") == "杭州市西湖区人民检察院 ' \" ; --")
        #expect(rows[0].bytes("payload") == bytes)
        #expect(rows[1]["number"] == .null && rows[1]["label"] == .null && rows[1]["payload"] == .null)
        let count = try await database.execute("SELECT COUNT(*) AS n, SUM(number) AS total FROM probe", [])
        #expect(count.first?.int("n") == 2)
        #expect(count.first?.int("total") == 9_007_199_254_740_993)
    }

    @Test(arguments: StoreBackend.allCases)
    func placeholdersAreMatchedByTheirNumberInAnyOrder(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.probe, in: directory)
        defer { Task { await database.close() } }
        // `$3` first, `$1` last and `$2` twice: each value goes to its number, not to its place in the text.
        try await database.execute(
            "INSERT INTO probe (label, id, number) SELECT $3, $2, $1 WHERE $2 <> ''",
            [.integer(7), .text("x"), .text("third")]
        )
        let rows = try await database.execute("SELECT id, number, label FROM probe WHERE id = $1", [.text("x")])
        #expect(rows.first?.string("id") == "x" && rows.first?.int("number") == 7 && rows.first?.string("label") == "third")
        // A row's columns are found by name in whatever order the statement lists them.
        let reordered = try await database.execute("SELECT label, number, id FROM probe", [])
        #expect(reordered.first?.string("id") == "x" && reordered.first?.string("label") == "third" && reordered.first?["missing"] == nil)
    }

    struct Abandon: Error {}

    @Test(arguments: StoreBackend.allCases)
    func aTransactionThatThrowsLeavesNothingBehind(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.probe, in: directory)
        defer { Task { await database.close() } }
        await #expect(throws: Abandon.self) {
            try await database.transaction { transaction in
                try await transaction.execute("INSERT INTO probe (id) VALUES ($1)", [.text("half")])
                throw Abandon()
            }
        }
        // A statement that fails inside a transaction undoes the transaction's earlier statements too.
        await #expect(throws: StoreError.self) {
            try await database.transaction { transaction in
                try await transaction.execute("INSERT INTO probe (id) VALUES ($1)", [.text("first")])
                try await transaction.execute("INSERT INTO probe (id) VALUES ($1)", [.text("first")])
            }
        }
        #expect(try await database.execute("SELECT id FROM probe", []).isEmpty)
    }

    static let twoTables =
        Self.probe + [
            Migration(
                version: 2,
                name: "tally",
                statements: ["CREATE TABLE tally (id TEXT PRIMARY KEY, total BIGINT NOT NULL)"]
            )
        ]

    /// Writes a transaction may hold back (issue 25: on PostgreSQL they go out with its next statement) are seen by
    /// every later statement of the transaction, in the order they were made, whichever tables they touch.
    @Test(arguments: StoreBackend.allCases)
    func heldWritesAreSeenByTheTransactionsLaterStatements(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.twoTables, in: directory)
        defer { Task { await database.close() } }
        let seen = try await database.transaction { transaction in
            try await transaction.write("INSERT INTO probe (id, number, label) VALUES ($1, $2, $3)", [.text("a"), .integer(1), .text("'$2' stays")])
            try await transaction.write("INSERT INTO tally (id, total) VALUES ($1, $2)", [.text("t"), .integer(10)])
            // The same table again: the first insert must already be there for this update to find it.
            try await transaction.write("UPDATE probe SET number = number + $1 WHERE id = $2", [.integer(5), .text("a")])
            try await transaction.write("UPDATE tally SET total = total + (SELECT number FROM probe WHERE id = $1)", [.text("a")])
            // A read of the tables written, and one of a table not written.
            let probe = try await transaction.execute("SELECT number, label FROM probe WHERE id = $1", [.text("a")])
            try await transaction.write("DELETE FROM probe WHERE id = $1", [.text("nothing")])
            let tally = try await transaction.execute("SELECT total FROM tally WHERE id = $1", [.text("t")])
            return (probe.first?.int("number"), probe.first?.string("label"), tally.first?.int("total"))
        }
        #expect(seen.0 == 6 && seen.1 == "'$2' stays" && seen.2 == 16)
        #expect(try await database.execute("SELECT total FROM tally", []).first?.int("total") == 16)
    }

    /// Held inserts go out in front of the next statement that mentions none of their tables, and each part keeps
    /// its own parameters; writes larger than a group (more than 30,000 parameters) go out on their own.
    @Test(arguments: StoreBackend.allCases)
    func heldInsertsGoOutWithTheNextStatementEachWithItsOwnValues(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.twoTables, in: directory)
        defer { Task { await database.close() } }
        let echoed = try await database.transaction { transaction in
            try await transaction.write("INSERT INTO probe (id, number) VALUES ($1, $2)", [.text("p"), .integer(1)])
            try await transaction.write("INSERT INTO tally (id, total) VALUES ($1, $2)", [.text("t"), .integer(2)])
            // Mentions neither table: it leads the two inserts out, its $1 and $2 its own.
            let echo = try await transaction.execute("SELECT $1 AS first, $2 AS second", [.text("a"), .integer(3)])
            // Two writes of 16,000 parameters each, then one of 31,000: the group goes out before it would take more
            // than a statement may, and the largest goes alone.
            for (table, rows) in [("probe", 8_000), ("tally", 8_000)] {
                let values = (0..<rows).map { "($\($0 * 2 + 1), $\($0 * 2 + 2))" }.joined(separator: ", ")
                let binds = (0..<rows).flatMap { [SQLValue.text("\(table)-\($0)"), .integer($0)] }
                try await transaction.write("INSERT INTO \(table) (id, \(table == "probe" ? "number" : "total")) VALUES \(values)", binds)
            }
            let large = (0..<15_500).map { "($\($0 * 2 + 1), $\($0 * 2 + 2))" }.joined(separator: ", ")
            try await transaction.write(
                "INSERT INTO probe (id, number) VALUES \(large)",
                (0..<15_500).flatMap { [SQLValue.text("large-\($0)"), .integer(1)] }
            )
            return echo.first
        }
        #expect(echoed?.string("first") == "a" && echoed?.int("second") == 3)
        let probe = try await database.execute("SELECT COUNT(*) AS n, SUM(number) AS total FROM probe", [])
        let tally = try await database.execute("SELECT COUNT(*) AS n, SUM(total) AS total FROM tally", [])
        #expect(probe.first?.int("n") == 1 + 8_000 + 15_500 && probe.first?.int("total") == 1 + (0..<8_000).reduce(0, +) + 15_500)
        #expect(tally.first?.int("n") == 1 + 8_000 && tally.first?.int("total") == 2 + (0..<8_000).reduce(0, +))
    }

    /// A held write that fails (here a duplicate key) fails the transaction, however late it is sent, and nothing of
    /// the transaction stays.
    @Test(arguments: StoreBackend.allCases)
    func aHeldWriteThatFailsFailsTheWholeTransaction(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.twoTables, in: directory)
        defer { Task { await database.close() } }
        try await database.execute("INSERT INTO probe (id) VALUES ($1)", [.text("taken")])
        await #expect(throws: StoreError.self) {
            try await database.transaction { transaction in
                try await transaction.write("INSERT INTO tally (id, total) VALUES ($1, $2)", [.text("t"), .integer(1)])
                try await transaction.write("INSERT INTO probe (id) VALUES ($1)", [.text("taken")])
            }
        }
        #expect(try await database.execute("SELECT id FROM tally", []).isEmpty)
        #expect(try await database.execute("SELECT id FROM probe", []).count == 1)
    }

    /// Thousands of held writes in one transaction, more parameters in all than one PostgreSQL statement takes, all
    /// land.
    @Test(arguments: StoreBackend.allCases)
    func manyHeldWritesAllLand(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.twoTables, in: directory)
        defer { Task { await database.close() } }
        let rows = 3_000
        try await database.transaction { transaction in
            for index in 0..<rows {
                // Alternating tables, each write with many parameters: groups fill up and go out along the way.
                let values = (0..<20).map { SQLValue.integer(index * 20 + $0) }
                let sum = (1...20).map { "$\($0)" }.joined(separator: " + ")
                if index % 2 == 0 {
                    try await transaction.write("INSERT INTO probe (id, number) VALUES ('p\(index)', \(sum))", values)
                } else {
                    try await transaction.write("INSERT INTO tally (id, total) VALUES ('t\(index)', \(sum))", values)
                }
            }
        }
        let probe = try await database.execute("SELECT COUNT(*) AS n, SUM(number) AS total FROM probe", [])
        let tally = try await database.execute("SELECT COUNT(*) AS n, SUM(total) AS total FROM tally", [])
        #expect(probe.first?.int("n") == rows / 2 && tally.first?.int("n") == rows / 2)
        // Each row's number is the sum of its own 20 values: none was bound to another part of a grouped statement.
        let expected = (0..<rows).map { index in (0..<20).reduce(0) { $0 + index * 20 + $1 } }
        #expect(probe.first?.int("total") == stride(from: 0, to: rows, by: 2).reduce(0) { $0 + expected[$1] })
        #expect(tally.first?.int("total") == stride(from: 1, to: rows, by: 2).reduce(0) { $0 + expected[$1] })
    }

    @Test(.timeLimit(.minutes(4)), arguments: StoreBackend.allCases)
    func notificationsArriveOnlyAfterCommit(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Self.probe, in: directory)
        defer { Task { await database.close() } }
        var notifications = database.notifications(on: "xietong_probe").makeAsyncIterator()
        // The stream says it is listening with an empty payload ("anything may have changed").
        #expect(await notifications.next() == "")
        try? await database.transaction { transaction in
            try await transaction.notify("xietong_probe", "rolled back")
            throw Abandon()
        }
        try await database.transaction { transaction in
            try await transaction.execute("INSERT INTO probe (id) VALUES ($1)", [.text("n")])
            try await transaction.notify("xietong_probe", "committed")
        }
        try await database.transaction { transaction in try await transaction.notify("xietong_probe", "last") }
        #expect(await notifications.next() == "committed")
        #expect(await notifications.next() == "last")
    }

    // MARK: Migrations

    @Test(arguments: StoreBackend.allCases)
    func migrationsApplyOnceEvenWhenInstancesStartTogether(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let location = try await backend.newLocation(in: directory)
        let databases = try await withThrowingTaskGroup(of: (any SQLDatabase).self) { group in
            for _ in 0..<4 {
                group.addTask { try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for database in databases {
            #expect(try await database.appliedMigrations() == Migrations.hub.map(\.version))
            await database.close()
        }
        let reopened = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        #expect(try await reopened.execute("SELECT COUNT(*) AS n FROM schema_migrations", []).first?.int("n") == Migrations.hub.count)
        await reopened.close()
    }

    // MARK: Unified-code sequences (ZJ-7.1.1)

    @Test(arguments: StoreBackend.allCases)
    func sequenceNumbersAreUniqueAcrossConnections(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (first, location) = try await backend.open(Migrations.hub, in: directory)
        // Two handles on one database stand for two hub instances.
        let second = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                let store = SQLCodeSequenceStore(database: index % 2 == 0 ? first : second)
                group.addTask { try await store.nextSequence(organisationCode: "330106000101", day: "20261121") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(numbers.sorted() == Array(1...200))
        await first.close()
        await second.close()
    }

    // MARK: The hub's store

    static func accepted(case caseNumber: Int, message: Int = 0, run: String = "conformance") throws -> HubStore.Accepted {
        let made = PackageFactory.arrestRequest(case: caseNumber, message: message, run: run)
        let package = try #require(Fixtures.check(bytes: made.xml, attachments: false).package)
        return HubStore.Accepted(
            package: package,
            content: made.xml,
            contentSHA256: made.sha256,
            unifiedCaseCode: made.caseCode,
            codeAssigned: false,
            warnings: []
        )
    }

    @Test(arguments: StoreBackend.allCases)
    func aPackageIsStoredOnceWhateverHowOftenItIsSent(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (first, location) = try await backend.open(Migrations.hub, in: directory)
        let second = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let stores = [
            HubStore(database: first, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock()),
            HubStore(database: second, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock()),
        ]
        let accepted = try Self.accepted(case: 1)
        // GZ-7: twenty concurrent sends of one package through two instances.
        let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
            for index in 0..<20 {
                let store = stores[index % 2]
                group.addTask { try await store.accept(accepted, statusURL: "/v1/packages/\(index)", hopsInReceipt: true) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Every sender got the first receipt (the one whose status URL was stored).
        #expect(Set(receipts.map(\.statusURL)).count == 1)
        let packageId = accepted.package.envelope.packageId
        #expect(try await first.execute("SELECT COUNT(*) AS n FROM packages", []).first?.int("n") == 1)
        #expect(try await stores[1].content(of: packageId) == accepted.content)
        #expect(try await stores[0].events(of: packageId).map(\.hop) == [.receivedByHub, .coded, .forwarded])
        // The hub's three hops ride in the receipt, the repeats' too: the sending node records them from there.
        #expect(Set(receipts.map { $0.hops?.map(\.hop) }) == [[.receivedByHub, .coded, .forwarded]])
        #expect(receipts[0].hops == (try await stores[0].events(of: packageId)))
        #expect(try await stores[0].feed(organisation: "330106000101", after: 0, limit: 100).isEmpty)
        let deliveries = try await stores[1].feed(organisation: "330106000201", after: 0, limit: 100)
        #expect(deliveries.count == 1)
        #expect(deliveries.first?.delivery?.packageId == packageId)
        let existing = try await stores[0].existingReceipt(
            sender: "330106000101",
            idempotencyKey: accepted.package.envelope.idempotencyKey,
            packageId: ""
        )
        #expect(existing?.receipt.statusURL == receipts[0].statusURL)
        // The same look-up finds a similar earlier package (same sender, receiver, flow, message and case) and none
        // for another key.
        let similarity = DuplicateIndex.similarityKey(accepted.package)
        let earlier = try await stores[1].earlierSends(sender: "330106000101", idempotencyKey: "new", packageId: "new", similarityKey: similarity)
        #expect(earlier.existing == nil && earlier.similar == packageId)
        #expect(
            try await stores[1].earlierSends(sender: "330106000101", idempotencyKey: "new", packageId: "new", similarityKey: "other").similar == nil
        )
        await first.close()
        await second.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func feedPositionsAreGaplessAndInCommitOrderAcrossInstances(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (first, location) = try await backend.open(Migrations.hub, in: directory)
        let second = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let stores = [
            HubStore(database: first, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock()),
            HubStore(database: second, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock()),
        ]
        let batches = try (0..<30).map { try Self.accepted(case: $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, accepted) in batches.enumerated() {
                let store = stores[index % 2]
                group.addTask { _ = try await store.accept(accepted, statusURL: "/s", hopsInReceipt: index % 3 != 0) }
            }
            try await group.waitForAll()
        }
        let receiverFeed = try await stores[0].feed(organisation: "330106000201", after: 0, limit: 1000)
        #expect(receiverFeed.map(\.seq) == Array(1...30))
        #expect(Set(receiverFeed.compactMap(\.delivery?.packageId)).count == 30)
        // Each small package's bytes ride in its delivery, exactly as accepted (they are stored once, in `package_contents`).
        for delivery in receiverFeed.compactMap(\.delivery) {
            let bytes = try #require(delivery.content.flatMap { Data(base64Encoded: $0) })
            #expect(ContentHash.sha256([UInt8](bytes)) == delivery.contentSHA256)
        }
        // The hub's three hops of every third package went to the sender's feed too (a node of an earlier release,
        // which does not read them from the receipt), and the receiving node's reports of all 30 reach it,
        // concurrently through both instances: 30 + 60 entries, numbered without gaps.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, accepted) in batches.enumerated() {
                let store = stores[index % 2]
                let packageId = accepted.package.envelope.packageId
                group.addTask {
                    let hops: [Hop] = [.storedByReceiver, .delivered]
                    let events = hops.map { PackageEvent(packageId: packageId, hop: $0, organisation: "330106000201") }
                    _ = try await store.record(events, reportedBy: "330106000201")
                }
            }
            try await group.waitForAll()
        }
        let senderFeed = try await stores[1].feed(organisation: "330106000101", after: 0, limit: 1000)
        #expect(senderFeed.map(\.seq) == Array(1...90))
        #expect(senderFeed.compactMap(\.event).filter { $0.hop == .coded }.count == 10)
        // Paging with `after` returns the rest, in order.
        #expect(try await stores[0].feed(organisation: "330106000201", after: 25, limit: 10).map(\.seq) == [26, 27, 28, 29, 30])
        // The page the hub serves, written from the stored bodies, reads back as the same entries.
        struct Page: Decodable { var entries: [FeedEntry] }
        for (organisation, entries) in [("330106000201", receiverFeed), ("330106000101", senderFeed)] {
            let page = try await stores[1].feedPage(organisation: organisation, after: 0, limit: 1000)
            #expect(page.count == entries.count)
            #expect(try JSONDecoder().decode(Page.self, from: Data(page.json)).entries == entries)
        }
        let empty = try await stores[0].feedPage(organisation: "330106000201", after: 30, limit: 10)
        #expect(empty.count == 0 && String(decoding: empty.json, as: UTF8.self) == #"{"entries":[]}"#)
        await first.close()
        await second.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func reportedHopsAreRecordedOnceAndPassedToTheSender(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())
        let accepted = try Self.accepted(case: 7)
        let packageId = accepted.package.envelope.packageId
        _ = try await store.accept(accepted, statusURL: "/s")
        let stored = PackageEvent(packageId: packageId, hop: .storedByReceiver, organisation: "330106000201")
        let delivered = PackageEvent(packageId: packageId, hop: .delivered, organisation: "330106000201")
        // The sender's feed gets each new hop once (its long poll is woken by that entry's commit), not a repeat.
        func senderHops() async throws -> [Hop] {
            try await store.feed(organisation: "330106000101", after: 0, limit: 1000).compactMap { $0.event?.hop }
        }
        let before = try await senderHops()
        let outcomes = try await store.record([stored, delivered, delivered], reportedBy: "330106000201")
        #expect(outcomes == [.recorded, .recorded, .recorded])
        #expect(try await senderHops() == before + [.storedByReceiver, .delivered])
        #expect(try await store.record(stored, reportedBy: "330106000301") == .notAParty)
        #expect(
            try await store.record(PackageEvent(packageId: "nope", hop: .delivered, organisation: "330106000201"), reportedBy: "330106000201")
                == .unknownPackage
        )
        // One batch of every kind: an unknown package, a hop recorded before, a new one.
        let signed = PackageEvent(packageId: packageId, hop: .signedFor, organisation: "330106000201")
        let mixed = try await store.record(
            [PackageEvent(packageId: "nope", hop: .delivered, organisation: "330106000201"), stored, signed],
            reportedBy: "330106000201"
        )
        #expect(mixed == [.unknownPackage, .recorded, .recorded])
        #expect(try await senderHops() == before + [.storedByReceiver, .delivered, .signedFor])
        #expect(
            try await store.events(of: packageId).map(\.hop) == [.receivedByHub, .coded, .forwarded, .storedByReceiver, .delivered, .signedFor]
        )
        #expect(try await store.overdue(receivedBefore: "9999-01-01T00:00:00Z", limit: 10).isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func aCasesHistoryListsItsPackagesWithTheirHops(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())
        let messages = try (0..<3).map { try Self.accepted(case: 40, message: $0) }
        for accepted in messages { _ = try await store.accept(accepted, statusURL: "/s") }
        _ = try await store.accept(try Self.accepted(case: 41), statusURL: "/s")
        _ = try await store.record(
            PackageEvent(packageId: messages[1].package.envelope.packageId, hop: .delivered, organisation: "330106000201"),
            reportedBy: "330106000201"
        )
        let history = try await store.history(ofCase: messages[0].unifiedCaseCode)
        #expect(history.map(\.packageId) == messages.map(\.package.envelope.packageId))
        #expect(history[1].events.map(\.hop) == [.receivedByHub, .coded, .forwarded, .delivered])
        #expect(history.allSatisfy { $0.sender == "330106000101" && $0.receiver == "330106000201" && $0.messageType == "arrestRequest" })
        #expect(try await store.history(ofCase: "no such case").isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func refusalsAndAlertsAreRecordedOnce(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())
        let finding = Finding(.expired, at: "/CasePackage/Envelope/CreatedAt", zh: "已过期", en: "expired")
        let refusal = Receipt(packageId: "p-refused", status: .refused, findings: [finding])
        for _ in 0..<3 {
            try await store.refuse(packageId: "p-refused", sender: "330106000101", receiver: "330106000201", idempotencyKey: "k", receipt: refusal)
        }
        #expect(try await store.refusals().count == 1)
        #expect(try await store.existingReceipt(sender: "330106000101", idempotencyKey: "k", packageId: "")?.receipt.findings.first?.code == .expired)
        let accepted = try Self.accepted(case: 8)
        let packageId = accepted.package.envelope.packageId
        _ = try await store.accept(accepted, statusURL: "/s")
        #expect(try await store.overdue(receivedBefore: "9999-01-01T00:00:00Z", limit: 10).map(\.packageId) == [packageId])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await store.raiseAlert(
                        packageId: packageId,
                        sender: "330106000101",
                        receiver: "330106000201",
                        stuckAfter: .forwarded,
                        detail: "x"
                    )
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.alerts().count == 1)
        #expect(try await store.overdue(receivedBefore: "9999-01-01T00:00:00Z", limit: 10).isEmpty)
        let receiverFeed = try await store.feed(organisation: "330106000201", after: 0, limit: 10)
        #expect(receiverFeed.compactMap(\.event?.hop) == [.alerted])
    }

    // MARK: Flows and deadlines (issue 5)

    /// An example package as the hub would store it, optionally under another id and idempotency key.
    static func example(_ name: String, renamedTo id: String? = nil) throws -> HubStore.Accepted {
        var xml = Fixtures.example(name)
        if let id {
            xml = xml.replacingOccurrences(of: Self.exampleId(name), with: id)
                .replacingOccurrences(of: "-\(name)-1</IdempotencyKey>", with: "-\(name)-\(id)</IdempotencyKey>")
        }
        return try #require(HubStore.Accepted.checked(Array(xml.utf8)))
    }

    static func exampleId(_ name: String) -> String {
        let xml = Fixtures.example(name)
        let start = xml.range(of: "<PackageId>")!.upperBound
        return String(xml[start..<xml.range(of: "</PackageId>")!.lowerBound])
    }

    @Test(arguments: StoreBackend.allCases)
    func theHubTakesOnlyValidNextStepsAndTracksTheirDeadlines(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())

        // A decision before its request is refused: the hub has no such request.
        let early = try await store.accept(try Self.example("arrestApproval.arrestApprovalDecision"), statusURL: "/s")
        #expect(early.status == .refused && early.findings.map(\.code) == [.flowUnknownReference])

        let request = try Self.example("arrestApproval.arrestRequest")
        #expect(try await store.accept(request, statusURL: "/s").status == .accepted)
        let requestId = request.package.envelope.packageId
        // CPL 第91条: the procuratorate decides within 7 days of receipt; the suspect is detained, so no holiday
        // extension (CPL 第105条).
        let all = try await store.deadlines(of: requestId)
        let started = all.filter { $0.party == "receiver" }
        // The police's own 3 days from the detention (第91条第1款), met by the request itself (issue 20).
        #expect(all.filter { $0.party == "sender" }.map(\.state) == ["met"])
        let expected = Self.flows.deadlines.count(
            try #require(Self.flows.rules.catalog.message(flow: "arrestApproval", type: "arrestRequest")?.receiverLimits.first),
            from: store.clock.now(),
            custody: true
        )
        #expect(started.count == 1)
        #expect(started.first?.responsible == "330106000201" && started.first?.state == "open" && started.first?.custody == true)
        #expect(started.first?.dueOn == expected.dueOn.iso)

        // The decision now answers an open request: accepted, and it meets the 7-day limit.
        let decision = try Self.example("arrestApproval.arrestApprovalDecision", renamedTo: "4180f72f-0000-4000-8000-000000000001")
        #expect(try await store.accept(decision, statusURL: "/s").status == .accepted)
        let met = try await store.deadlines(of: requestId)
        #expect(met.first?.state == "met" && met.first?.metBy == decision.package.envelope.packageId)

        // The police's execution receipt closes the flow (it answers the example decision's id: rename to match).
        var receipt = try Self.example("arrestApproval.arrestExecutionReceipt")
        let receiptXML = Fixtures.example("arrestApproval.arrestExecutionReceipt").replacingOccurrences(
            of: Self.exampleId("arrestApproval.arrestApprovalDecision"),
            with: decision.package.envelope.packageId
        )
        let receiptBytes = Array(receiptXML.utf8)
        receipt.package = try #require(Fixtures.check(bytes: receiptBytes, attachments: false).package)
        receipt.content = receiptBytes
        #expect(try await store.accept(receipt, statusURL: "/s").status == .accepted)

        // After the close, a further decision on the same request is refused, and the sender hears why.
        let late = try Self.example("arrestApproval.arrestDenialDecision", renamedTo: "4180f72f-0000-4000-8000-000000000002")
        let refused = try await store.accept(late, statusURL: "/s")
        #expect(refused.status == .refused && refused.findings.map(\.code) == [.flowClosed])
        #expect(
            try await store.existingReceipt(sender: "330106000201", idempotencyKey: late.package.envelope.idempotencyKey, packageId: "")?.receipt
                .status == .refused
        )
        let heard = try await store.feed(organisation: "330106000201", after: 0, limit: 100).compactMap(\.event)
        #expect(heard.contains { $0.hop == .refused && $0.packageId == late.package.envelope.packageId && $0.findings?.first?.code == .flowClosed })
        // Nothing of the refused package was stored.
        #expect(try await store.content(of: late.package.envelope.packageId) == nil)

        // The case's timeline, found by either agency's code: one closed instance, three steps, the limits met.
        let byPolice = try await store.timeline(ofCase: request.unifiedCaseCode)
        let byProcuratorate = try await store.timeline(ofCase: decision.unifiedCaseCode)
        #expect(byPolice.instances == byProcuratorate.instances)
        #expect(byPolice.instances.count == 1)
        let instance = try #require(byPolice.instances.first)
        #expect(instance.flow == "arrestApproval" && instance.closedAt != nil)
        #expect(instance.steps.map(\.messageType) == ["arrestRequest", "arrestApprovalDecision", "arrestExecutionReceipt"])
        #expect(instance.steps[0].deadlines.map(\.state) == ["met", "met"], "the procuratorate's 7 days, the police's 3")
        #expect(instance.steps[0].hops.map(\.hop) == [.receivedByHub, .coded, .forwarded])
        #expect(Set(byPolice.caseCodes).isSuperset(of: [request.unifiedCaseCode, decision.unifiedCaseCode]))
        #expect(byPolice.involves("330106000101") && !byPolice.involves("330106000301"))
        #expect(try await store.timeline(ofCase: "no such case").instances.isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func openLimitsFallOverdueAndWindowsLapse(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())
        let request = try Self.example("arrestApproval.arrestRequest")
        _ = try await store.accept(request, statusURL: "/s")
        let later = CalendarDate(iso: "2099-01-01")!
        let timeline = try await store.timeline(ofCase: request.unifiedCaseCode, today: later)
        // The procuratorate's 7 days; the police's own 3 days were met by the request (issue 20).
        #expect(timeline.instances.first?.steps.first?.deadlines.map(\.state) == ["overdue", "met"])
        #expect(try await store.timeline(ofCase: request.unifiedCaseCode).instances.first?.steps.first?.deadlines.map(\.state) == ["open", "met"])
    }

    // MARK: Supervision (issue 5: GS-3, GS-6)

    @Test(arguments: StoreBackend.allCases)
    func countersBoardAndStatisticsAnswerForTheirData(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())
        let request = try Self.example("arrestApproval.arrestRequest")
        _ = try await store.accept(request, statusURL: "/s")
        let due = try #require(try await store.deadlines(of: request.package.envelope.packageId).first.flatMap { CalendarDate(iso: $0.dueOn) })
        let today = store.clock.today

        // The procuratorate has one unread request; two days before its last day it is due soon; after it, overdue.
        let now = try await store.counters(organisation: "330106000201", today: today)
        #expect(
            now == [
                Supervision.Counter(
                    organisation: "330106000201",
                    flow: "arrestApproval",
                    unread: 1,
                    dueSoon: due.ordinal - today.ordinal <= 2 ? 1 : 0
                )
            ]
        )
        let soon = try await store.counters(today: due.adding(days: -2))
        #expect(soon.first { $0.organisation == "330106000201" }?.dueSoon == 1)
        let late = try await store.counters(today: due.adding(days: 1))
        #expect(late.first { $0.organisation == "330106000201" }?.overdue == 1)
        #expect(try await store.deadlineBoard(.overdue, today: due.adding(days: 1)).map(\.packageId) == [request.package.envelope.packageId])
        #expect(try await store.deadlineBoard(.overdue, today: due).isEmpty)
        #expect(try await store.deadlineBoard(.dueSoon, organisation: "330106000201", flow: "arrestApproval", today: due).count == 1)
        #expect(try await store.deadlineBoard(.open, organisation: "330106000101").isEmpty)

        // The suspect is detained (the example's criminal detention): the 7-day decision is a custody period (CPL
        // 第105条), on the custody watch a week ahead with the person, and still there, overdue, after its last day.
        #expect(try await store.custodyWatch(today: due.adding(days: -8), within: 7).isEmpty)
        let watch = try await store.custodyWatch(today: due.adding(days: -7), within: 7)
        #expect(watch.map(\.daysLeft) == [7] && watch.first?.responsible == "330106000201" && watch.first?.persons.isEmpty == false)
        #expect(try await store.custodyWatch(today: due.adding(days: 2)).map(\.daysLeft) == [-2])

        // The supervisors' case list: the flow is open, overdue after the last day, and found by either party.
        #expect(try await store.cases(.open).map(\.flow) == ["arrestApproval"])
        #expect(try await store.cases(.overdue, today: due).isEmpty)
        #expect(try await store.cases(.overdue, today: due.adding(days: 1)).first?.overdue == 1)
        #expect(try await store.cases(.dueSoon, today: due.adding(days: -1)).first?.nextDue == due.iso)
        #expect(try await store.cases(.all, organisation: "330106000101").count == 1)
        #expect(try await store.cases(.all, organisation: "330106000301").isEmpty)
        #expect(try await store.cases(.all, flow: "prosecutionTransfer").isEmpty)

        // Answering it: read and met, so no red numbers at the procuratorate; the police have the decision unread.
        let decision = try Self.example("arrestApproval.arrestApprovalDecision")
        #expect(try await store.accept(decision, statusURL: "/s").status == .accepted)
        _ = try await store.record(
            PackageEvent(packageId: request.package.envelope.packageId, hop: .signedFor, organisation: "330106000201"),
            reportedBy: "330106000201"
        )
        let after = try await store.counters(today: due.adding(days: 1))
        #expect(after.first { $0.organisation == "330106000201" } == nil)
        #expect(after.first { $0.organisation == "330106000101" }?.unread == 1)

        let statistics = try await store.statistics(from: today.adding(days: -1), to: today.adding(days: 1), today: today)
        #expect(statistics.volume.map(\.packages).reduce(0, +) == 2)
        #expect(Set(statistics.volume.map(\.organisation)) == ["330106000101", "330106000201"])
        #expect(statistics.handling.map(\.messageType) == ["arrestRequest"])
        #expect(statistics.handling.first?.answered == 1)
        #expect(statistics.flowsOpened == 1 && statistics.flowsClosedOnline == 0 && statistics.onlineFlowRate == 0)
        // The 7-day limit was met on time; duties due in a window around its last day count it.
        let window = try await store.statistics(from: due.adding(days: -1), to: due.adding(days: 1), today: due.adding(days: 5))
        #expect(window.dutiesDue == 1 && window.dutiesOverdue == 0 && window.overdueRate == 0)
    }

    @Test(arguments: StoreBackend.allCases)
    func remindersGoOnceAtEachPointToTheResponsibleAgency(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: Self.flows, clock: Fixtures.clock())
        let request = try Self.example("arrestApproval.arrestRequest")
        _ = try await store.accept(request, statusURL: "/s")
        let due = try #require(try await store.deadlines(of: request.package.envelope.packageId).first.flatMap { CalendarDate(iso: $0.dueOn) })
        #expect(try await store.sendReminders(today: due.adding(days: -5)).isEmpty)
        let soon = try await store.sendReminders(today: due.adding(days: -2))
        #expect(soon.map(\.point) == [.dueSoon] && soon.first?.daysLeft == 2 && soon.first?.responsible == "330106000201")
        #expect(try await store.sendReminders(today: due.adding(days: -1)).isEmpty)
        #expect(try await store.sendReminders(today: due).map(\.point) == [.dueToday])
        #expect(try await store.sendReminders(today: due.adding(days: 1)).map(\.point) == [.overdue])
        #expect(try await store.sendReminders(today: due.adding(days: 2)).isEmpty)
        let feed = try await store.feed(organisation: "330106000201", after: 0, limit: 100).compactMap(\.reminder)
        #expect(feed.map(\.point) == [.dueSoon, .dueToday, .overdue])

        // A node keeps each reminder once, with its feed position.
        let (nodeDatabase, _) = try await backend.open(Migrations.node, in: directory)
        defer { Task { await nodeDatabase.close() } }
        let node = NodeStore(database: nodeDatabase, organisation: "330106000201")
        #expect(try await node.store(feed[0], feedSeq: 7))
        #expect(try await !node.store(feed[0], feedSeq: 7))
        #expect(try await node.feedCursor() == 7)
        #expect(try await node.reminders().map(\.point) == [.dueSoon])
    }

    // MARK: A node's store

    @Test(arguments: StoreBackend.allCases)
    func theOutboxKeepsOnePackagePerKeyInLaneOrder(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.node, in: directory)
        defer { Task { await database.close() } }
        let store = NodeStore(database: database, organisation: "330106000101")
        let packages = try (0..<5).map { try Self.accepted(case: 20, message: $0) }
        let repeated = packages[0]
        let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
            for index in 0..<10 {
                group.addTask {
                    let receipt = Receipt(packageId: repeated.package.envelope.packageId, status: .accepted, statusURL: "/s/\(index)")
                    return try await store.enqueue(repeated.package, content: repeated.content, lane: 3, receipt: receipt).receipt
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.statusURL)).count == 1)
        for accepted in packages.dropFirst() {
            let receipt = Receipt(packageId: accepted.package.envelope.packageId, status: .accepted, statusURL: "/s")
            // The hop it wrote is returned exactly as stored, for the node to announce (issue 21, item 2).
            let recorded = try await store.enqueue(accepted.package, content: accepted.content, lane: 3, receipt: receipt).recorded
            #expect(recorded.events.map(\.hop) == [.acceptedByNode])
            #expect(try await store.events(of: accepted.package.envelope.packageId) == recorded.events)
        }
        // Queued again: the first receipt, and nothing written or announced.
        let again = try await store.enqueue(repeated.package, content: repeated.content, lane: 3, receipt: Receipt(packageId: "x", status: .accepted))
        #expect(again.recorded.isEmpty && again.receipt.statusURL == receipts[0].statusURL)
        let batch = try await store.pendingBatch(lane: 3, now: "9999-01-01T00:00:00Z", limit: 10)
        #expect(batch.map(\.packageId) == packages.map(\.package.envelope.packageId))
        // Lane order is the order of acceptance (a lost race may skip a number, never reorder).
        #expect(batch.map(\.nodeSeq) == batch.map(\.nodeSeq).sorted() && Set(batch.map(\.nodeSeq)).count == 5)
        try await store.settle([(batch[0].packageId, Receipt(packageId: batch[0].packageId, status: .accepted))])
        #expect(try await store.pendingBatch(lane: 3, now: "9999-01-01T00:00:00Z", limit: 10).count == 4)
        #expect(try await store.hubReceipt(of: batch[0].packageId)?.status == .accepted)
    }

    @Test(arguments: StoreBackend.allCases)
    func theInboxStoresOnceAndDeliversInFeedOrderPerCase(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.node, in: directory)
        defer { Task { await database.close() } }
        let store = NodeStore(database: database, organisation: "330106000201")
        let deliveries = try (0..<4).map { try Self.delivery(case: 30, message: $0) }
        for (index, (delivery, content)) in deliveries.enumerated() {
            try await store.store(delivery, feedSeq: index + 1, content: content, cursor: index + 1)
            try await store.store(delivery, feedSeq: index + 1, content: content, cursor: index + 1)
        }
        #expect(try await store.feedCursor() == 4)
        #expect(try await store.inbox(afterSeq: 0, limit: 100).count == 4)
        var pushed: [String] = []
        while let next = try await store.nextUndelivered() {
            pushed.append(next.item.packageId)
            #expect(try await !store.markDelivered(next.item.packageId).isEmpty)
            #expect(try await store.markDelivered(next.item.packageId).isEmpty)
        }
        #expect(pushed == deliveries.map(\.0.packageId))
        #expect(try await !store.receiverAction(pushed[0], hop: .signedFor, reason: nil).isEmpty)
        #expect(try await store.events(of: pushed[0]).map(\.hop) == [.storedByReceiver, .delivered, .signedFor])
        let owed = try await store.dueReports(limit: 100)
        #expect(owed.count == 9)
        try await store.reported(owed)
        #expect(try await store.dueReports(limit: 100).isEmpty)
    }

    /// A store change returns the hops it wrote, exactly as stored, for the node to announce (issue 21, item 2): a
    /// package stored or refused again writes and returns nothing.
    @Test(arguments: StoreBackend.allCases)
    func whatTheInboxWritesIsWhatItAnnounces(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.node, in: directory)
        defer { Task { await database.close() } }
        let store = NodeStore(database: database, organisation: "330106000201")
        let deliveries = try (0..<3).map { try Self.delivery(case: 31, message: $0) }
        let batch = deliveries.prefix(2).enumerated().map { (delivery: $1.delivery, seq: $0 + 1, content: $1.content) }
        let stored = try await store.store(batch, cursor: 2)
        #expect(stored.events.map(\.hop) == [.storedByReceiver, .storedByReceiver] && stored.reportsOwed)
        for event in stored.events { #expect(try await store.events(of: event.packageId) == [event], "announced as stored") }
        // The same run again (a feed read twice) writes nothing and announces nothing.
        #expect(try await store.store(batch, cursor: 2).isEmpty)
        // A refusal of the third is announced once, with its findings.
        let finding = Finding(.contentMismatch, at: "/", zh: "内容不符", en: "content mismatch")
        let refused = try await store.refuseIncoming(deliveries[2].delivery, findings: [finding], cursor: 3)
        #expect(refused.events.map(\.hop) == [.refused] && refused.events.first?.findings == [finding] && refused.reportsOwed)
        #expect(try await store.events(of: deliveries[2].delivery.packageId) == refused.events)
        #expect(try await store.refuseIncoming(deliveries[2].delivery, findings: [finding], cursor: 3).isEmpty)
    }

    /// The hub's delivery of an example package of `case` to the procuratorate's node, and its bytes.
    static func delivery(case number: Int, message: Int) throws -> (delivery: Delivery, content: [UInt8]) {
        let accepted = try Self.accepted(case: number, message: message)
        return (
            Delivery(
                packageId: accepted.package.envelope.packageId,
                sender: "330106000101",
                receiver: "330106000201",
                flow: accepted.package.envelope.flow,
                messageType: accepted.package.envelope.messageType,
                unifiedCaseCode: accepted.unifiedCaseCode,
                agencyCaseNumber: accepted.package.envelope.agencyCaseNumber,
                contentSHA256: accepted.contentSHA256,
                contentSize: accepted.content.count,
                attachments: [],
                acceptedAt: "2026-11-20T01:00:00Z"
            ),
            accepted.content
        )
    }
}
