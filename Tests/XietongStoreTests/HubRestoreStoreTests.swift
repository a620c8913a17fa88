import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// What a hub restored from an older copy of its database answers the nodes that moved on (issue 19): each feed
/// entry names the hub run that wrote it, the hub tells whether it holds the entry at a node's cursor as that node read
/// it, lists the runs of the feed, and names the packages it no longer holds.
@Suite struct HubRestoreStoreTests {
    static let receiver = "330106000201"

    static func accept(_ made: PackageFactory.Made, with store: HubStore) async throws {
        _ = try await store.accept(try #require(HubStore.Accepted.checked(made.xml, unifiedCaseCode: made.caseCode)), statusURL: "/s")
    }

    @Test(arguments: StoreBackend.allCases)
    func theFeedNamesTheRunThatWroteEachEntry(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let flows = try FlowEngine.bundled()
        // Two runs of the hub on one database: as after a restart.
        let first = HubStore(database: database, hubOrganisation: "330100000001", flows: flows, clock: Fixtures.clock())
        let second = HubStore(database: database, hubOrganisation: "330100000001", flows: flows, clock: Fixtures.clock())
        #expect(first.boot != second.boot)
        let made = (0..<5).map { PackageFactory.arrestRequest(case: $0, message: 0, run: "runs") }
        for package in made.prefix(3) { try await Self.accept(package, with: first) }
        for package in made.suffix(2) { try await Self.accept(package, with: second) }

        let feed = try await first.feed(organisation: Self.receiver, after: 0, limit: 100)
        #expect(feed.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(feed.map(\.boot) == [first.boot, first.boot, first.boot, second.boot, second.boot])
        #expect(
            try await first.feedRuns(organisation: Self.receiver) == [
                FeedRun(boot: second.boot, first: 4, last: 5), FeedRun(boot: first.boot, first: 1, last: 3),
            ]
        )

        // Held: the entry at the position, written by a run the node names; and the start of every feed.
        #expect(try await first.feedHolds(organisation: Self.receiver, seq: 5, boots: [second.boot]))
        #expect(try await first.feedHolds(organisation: Self.receiver, seq: 3, boots: [second.boot, first.boot]))
        #expect(try await first.feedHolds(organisation: Self.receiver, seq: 0, boots: []))
        // Not held: the entry there was written by another run, or there is none.
        #expect(try await !first.feedHolds(organisation: Self.receiver, seq: 3, boots: [second.boot]))
        #expect(try await !first.feedHolds(organisation: Self.receiver, seq: 6, boots: [second.boot]))
        #expect(try await !first.feedHolds(organisation: Self.receiver, seq: 5, boots: ["a-run-of-a-lost-copy"]))
        // An entry written before hub migration 13 names no run: taken as held.
        try await database.execute("UPDATE feed SET boot = NULL WHERE organisation = $1 AND seq = 2", [.text(Self.receiver)])
        #expect(try await first.feedHolds(organisation: Self.receiver, seq: 2, boots: ["any"]))
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func theHubNamesThePackagesItDoesNotHold(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let made = (0..<3).map { PackageFactory.arrestRequest(case: $0, message: 0, run: "held") }
        for package in made { try await Self.accept(package, with: store) }
        let ids = made.map(\.packageId)
        // The sender and the receiver hold them; an id asked twice is answered once; a third organisation holds none.
        #expect(try await store.missingPackages(ids + ["lost-1", "lost-1", "lost-2"], organisation: "330106000101") == ["lost-1", "lost-2"])
        #expect(try await store.missingPackages(ids, organisation: Self.receiver) == [])
        #expect(try await store.missingPackages(ids, organisation: "330106000301") == ids)
        #expect(try await store.missingPackages([], organisation: Self.receiver) == [])
        await database.close()
    }
}
