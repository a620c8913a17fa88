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
