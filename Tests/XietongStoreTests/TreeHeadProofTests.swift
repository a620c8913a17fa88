import Foundation
import Synchronization
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// A signed tree head reaches every feed with the proof that its log extends the previous head's (issue 25): with
/// 500 nodes, each asked the hub for that same proof every time a head was signed. The head kept at the hub has no
/// proof in it.
@Suite struct TreeHeadProofTests {
    @Test(arguments: StoreBackend.allCases)
    func eachHeadAfterTheFirstCarriesAProofFromThePreviousOneThatVerifies(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let nodes = ["330106000101", "330106000201"]
        var leaves: [MerkleTree.Hash] = []
        func append(_ count: Int, round: Int) async throws {
            let events = (0..<count).map { index in
                (
                    event: PackageEvent(packageId: "p-\(round)-\(index)", hop: .forwarded, at: "2026-11-20T01:00:00Z", organisation: "330100000001"),
                    key: "k-\(round)-\(index)"
                )
            }
            _ = try await database.transaction { transaction in try await HubStore.appendEvidence(events, in: transaction) }
            leaves += events.map { MerkleTree.leafHash(Evidence.leaf($0.event)) }
        }
        var roots: [Int: MerkleTree.Hash] = [:]
        for (round, count) in [3, 5, 1, 8].enumerated() {
            try await append(count, round: round)
            roots[leaves.count] = try await MerkleTree.inMemory(leafHashes: leaves).root()
            #expect(try await store.signTreeHead(for: nodes) { $0 } != nil)
        }
        for node in nodes {
            let heads = try await store.feed(organisation: node, after: 0, limit: 100).compactMap(\.treeHead)
            #expect(heads.map(\.treeSize) == [3, 8, 9, 17])
            #expect(heads[0].consistency == nil)
            for (previous, head) in zip(heads, heads.dropFirst()) {
                let proof = try #require(head.carriedProof(from: previous.treeSize))
                #expect(
                    MerkleTree.verifyConsistency(
                        first: previous.treeSize,
                        second: head.treeSize,
                        firstRoot: try #require(roots[previous.treeSize]),
                        secondRoot: try #require(roots[head.treeSize]),
                        proof: proof
                    )
                )
                // From any other size, the head carries nothing: the node asks the hub.
                #expect(head.carriedProof(from: previous.treeSize - 1) == nil)
            }
        }
        #expect(try await store.latestTreeHead()?.consistency == nil)
        #expect(try await store.treeHeads().allSatisfy { $0.consistency == nil })
    }

    /// A head for more organisations than one statement takes positions for (400): every feed gets it, at the next
    /// position of its own, and each organisation's listeners hear of it.
    @Test(arguments: StoreBackend.allCases)
    func aHeadReachesEveryFeedOfALargeFleetAtItsNextPosition(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let nodes = (0..<450).map { "3301061" + String(format: "%05d", $0) }
        let notified = Task {
            var heard: Set<String> = []
            // (An empty payload says "something may have changed": the stream (re)connected.)
            for await organisation in database.notifications(on: HubStore.feedChannel) where !organisation.isEmpty {
                heard.insert(organisation)
                if heard.count == nodes.count { break }
            }
            return heard
        }
        try await Task.sleep(for: .milliseconds(200))
        for round in 0..<2 {
            let event = PackageEvent(packageId: "p-\(round)", hop: .forwarded, at: "2026-11-20T01:00:00Z", organisation: "330100000001")
            _ = try await database.transaction { transaction in try await HubStore.appendEvidence([(event, "k-\(round)")], in: transaction) }
            #expect(try await store.signTreeHead(for: nodes) { $0 } != nil)
        }
        for node in [nodes[0], nodes[399], nodes[400], nodes[449]] {
            let entries = try await store.feed(organisation: node, after: 0, limit: 10)
            #expect(entries.map(\.seq) == [1, 2])
            #expect(entries.compactMap(\.treeHead).map(\.treeSize) == [1, 2])
        }
        let heard = await notified.value
        #expect(heard == Set(nodes), "\(heard.count) of \(nodes.count) heard")
    }

    /// Two hub instances on one PostgreSQL database sign heads while the log grows: every feed gets its heads in the
    /// order of their sizes (a node takes a smaller head after a larger one as a shrunk log, an evidence alarm).
    @Test func headsSignedByTwoInstancesReachTheFeedsInTheOrderOfTheirSizes() async throws {
        let directory = try TemporaryDirectory()
        let location = try await StoreBackend.postgres.newLocation(in: directory)
        let first = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let second = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        defer {
            Task {
                await first.close()
                await second.close()
            }
        }
        let stores = try [first, second].map {
            HubStore(database: $0, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        }
        let node = "330106000201"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<300 {
                    let event = PackageEvent(packageId: "p-\(round)", hop: .forwarded, at: "2026-11-20T01:00:00Z", organisation: "330100000001")
                    _ = try await first.transaction { transaction in try await HubStore.appendEvidence([(event, "k-\(round)")], in: transaction) }
                }
            }
            for store in stores {
                group.addTask {
                    for _ in 0..<150 { _ = try await store.signTreeHead(for: [node]) { $0 } }
                }
            }
            try await group.waitForAll()
        }
        let sizes = try await stores[0].feed(organisation: node, after: 0, limit: 1000).compactMap(\.treeHead).map(\.treeSize)
        #expect(sizes.count > 1)
        #expect(sizes == sizes.sorted() && Set(sizes).count == sizes.count, "\(sizes)")
    }

    /// An instance signs no head while the last one, whoever signed it, is younger than the spacing (two instances
    /// would otherwise send every node twice as many heads); the last head on a stop (no spacing) is always signed.
    @Test(arguments: StoreBackend.allCases)
    func noHeadIsSignedWithinTheSpacingOfTheLastOne(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let now = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
        let store = HubStore(
            database: database,
            hubOrganisation: "330100000001",
            flows: try FlowEngine.bundled(),
            clock: WallClock { now.withLock { $0 } }
        )
        func grow(_ round: Int) async throws {
            let event = PackageEvent(packageId: "p-\(round)", hop: .forwarded, at: "2026-11-20T01:00:00Z", organisation: "330100000001")
            _ = try await database.transaction { transaction in try await HubStore.appendEvidence([(event, "k-\(round)")], in: transaction) }
        }
        try await grow(0)
        #expect(try await store.signTreeHead(for: ["330106000201"], spacing: 2) { $0 }?.treeSize == 1)
        try await grow(1)
        #expect(try await store.signTreeHead(for: ["330106000201"], spacing: 2) { $0 } == nil)
        now.withLock { $0 += 1.5 }
        #expect(try await store.signTreeHead(for: ["330106000201"], spacing: 2) { $0 } == nil)
        now.withLock { $0 += 1 }
        #expect(try await store.signTreeHead(for: ["330106000201"], spacing: 2) { $0 }?.treeSize == 2)
        try await grow(2)
        #expect(try await store.signTreeHead(for: ["330106000201"]) { $0 }?.treeSize == 3)
    }
}
