import Foundation
import Testing
import XietongStore
import XietongTesting

/// ZJ-7.1.1: sequence numbers are unique per organisation per day and never reused, also after a restart.
@Suite struct CodeSequenceStoreTests {
    @Test func numbersCountUpPerOrganisationAndDay() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("x.sqlite").path, migrations: Migrations.hub)
        let store = SQLCodeSequenceStore(database: database)
        #expect(try await store.nextSequence(organisationCode: "330106000101", day: "20261121") == 1)
        #expect(try await store.nextSequence(organisationCode: "330106000101", day: "20261121") == 2)
        #expect(try await store.nextSequence(organisationCode: "330106000201", day: "20261121") == 1)
        #expect(try await store.nextSequence(organisationCode: "330106000101", day: "20261122") == 1)
        await database.close()
    }

    @Test func concurrentCallersNeverShareANumber() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("x.sqlite").path, migrations: Migrations.hub)
        let store = SQLCodeSequenceStore(database: database)
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<300 {
                group.addTask { try await store.nextSequence(organisationCode: "330106000101", day: "20261121") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(numbers.sorted() == Array(1...300))
        await database.close()
    }

    @Test func numbersAreNotReusedAfterReopening() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("x.sqlite").path
        for expected in [1, 2, 3] {
            let database = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
            #expect(try await SQLCodeSequenceStore(database: database).nextSequence(organisationCode: "330106000101", day: "20261121") == expected)
            await database.close()
        }
    }

    @Test func migrationsAreRecordedOnce() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("x.sqlite").path
        try await SQLiteDatabase.open(path: path, migrations: Migrations.hub).close()
        let database = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
        #expect(try await database.appliedMigrations() == Migrations.hub.map(\.version))
        await database.close()
    }

    @Test func anUnopenableDatabaseIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        try Data("not a database".utf8).write(to: directory.file("bad.sqlite"))
        await #expect(throws: StoreError.self) { try await SQLiteDatabase.open(path: directory.file("bad.sqlite").path, migrations: Migrations.hub) }
    }
}

/// Group commit: concurrent transactions share one commit, and one that fails is undone alone.
@Suite struct GroupCommitTests {
    struct Boom: Error {}

    @Test func aFailingTransactionInAGroupIsUndoneAloneAndTheOthersAreDurable() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("g.sqlite").path
        let database = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try? await database.transaction { transaction in
                        try await transaction.execute(
                            "INSERT INTO code_sequences (organisation_code, day, last_value) VALUES ($1, 'd', $2)",
                            [.text("org\(index)"), .integer(index)]
                        )
                        if index % 10 == 3 { throw Boom() }
                    }
                }
            }
        }
        await database.close()
        // Reopen: what was answered as committed is on disk; the failed ones left nothing.
        let reopened = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
        let rows = try await reopened.execute("SELECT organisation_code FROM code_sequences ORDER BY last_value", [])
        let stored = Set(rows.compactMap { $0.string("organisation_code") })
        #expect(stored.count == 180)
        #expect(stored.allSatisfy { code in Int(code.dropFirst(3)).map { $0 % 10 != 3 } ?? false })
        await reopened.close()
    }
}
