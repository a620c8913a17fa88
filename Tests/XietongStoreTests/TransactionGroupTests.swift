import Foundation
import Testing
import XietongTesting

@testable import XietongStore

/// Group commit (issue 25): concurrent callers' writes share a transaction, each caller gets its own outputs in its
/// own order, a caller whose item fails fails alone, and no group is larger than its limit.
@Suite struct TransactionGroupTests {
    static let poison = -1

    /// A scratch table, and a group whose work writes each item (a caller and a number) as a row, and fails on
    /// `poison`. Its first transaction waits a little, so that the callers started meanwhile queue behind it.
    static func group(
        _ backend: StoreBackend,
        in directory: TemporaryDirectory,
        maximumItems: Int = 64
    ) async throws -> (
        any SQLDatabase, TransactionGroup<[Int], String>, Sizes
    ) {
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        try await database.execute("CREATE TABLE group_items (caller INTEGER NOT NULL, item INTEGER NOT NULL)", [])
        let sizes = Sizes()
        let group = TransactionGroup<[Int], String>(database: database, maximumItems: maximumItems) { items, transaction in
            await sizes.add(items.count)
            if await sizes.count == 1 { try await Task.sleep(for: .milliseconds(300)) }
            for item in items {
                guard item[1] != Self.poison else { throw StoreError(.query, zh: "坏条目", en: "a bad item") }
                try await transaction.write("INSERT INTO group_items (caller, item) VALUES ($1, $2)", [.integer(item[0]), .integer(item[1])])
            }
            return items.map { "\($0[0])-\($0[1])" }
        }
        return (database, group, sizes)
    }

    actor Sizes {
        var all: [Int] = []
        var count: Int { self.all.count }
        func add(_ size: Int) { self.all.append(size) }
    }

    static func run(
        _ group: TransactionGroup<[Int], String>,
        callers: Int,
        items: Int,
        poisoned: Int? = nil
    ) async -> [Int: Result<[String], any Error>] {
        await withTaskGroup(of: (Int, Result<[String], any Error>).self) { tasks in
            for caller in 0..<callers {
                tasks.addTask {
                    let batch = (0..<items).map { [caller, caller == poisoned && $0 == 1 ? Self.poison : $0] }
                    do {
                        return (caller, .success(try await group.run(batch)))
                    } catch {
                        return (caller, .failure(error))
                    }
                }
            }
            var results: [Int: Result<[String], any Error>] = [:]
            for await (caller, result) in tasks { results[caller] = result }
            return results
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentCallersShareTransactionsAndEachGetsItsOwnOutputs(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, group, _) = try await Self.group(backend, in: directory)
        defer { Task { await database.close() } }
        let results = await Self.run(group, callers: 20, items: 3)
        for caller in 0..<20 {
            #expect(try results[caller]?.get() == ["\(caller)-0", "\(caller)-1", "\(caller)-2"])
        }
        #expect(try await database.execute("SELECT COUNT(*) AS n FROM group_items", []).first?.int("n") == 60)
        #expect(await group.callers == 20)
        #expect(await group.transactions < 20)
    }

    @Test(arguments: StoreBackend.allCases)
    func aCallerWhoseItemFailsFailsAloneAndWritesNothing(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, group, _) = try await Self.group(backend, in: directory)
        defer { Task { await database.close() } }
        let results = await Self.run(group, callers: 10, items: 3, poisoned: 4)
        for caller in 0..<10 where caller != 4 {
            #expect(try results[caller]?.get() == ["\(caller)-0", "\(caller)-1", "\(caller)-2"])
        }
        #expect(throws: StoreError.self) { try results[4]?.get() }
        #expect(try await database.execute("SELECT COUNT(*) AS n FROM group_items WHERE caller = 4", []).first?.int("n") == 0)
        #expect(try await database.execute("SELECT COUNT(*) AS n FROM group_items", []).first?.int("n") == 27)
    }

    @Test(arguments: StoreBackend.allCases)
    func noGroupIsLargerThanItsLimit(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, group, sizes) = try await Self.group(backend, in: directory, maximumItems: 4)
        defer { Task { await database.close() } }
        let results = await Self.run(group, callers: 12, items: 2)
        #expect(results.values.allSatisfy { (try? $0.get())?.count == 2 })
        #expect(await sizes.all.allSatisfy { $0 <= 4 })
        #expect(await sizes.all.reduce(0, +) == 24)
    }
}
