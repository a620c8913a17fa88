import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// The evidence log grows by appends of any size, one transaction each (issue 6; issue 25 reads the right edge the
/// new nodes need in one statement): after every append, the stored tree is the tree of all leaves so far.
@Suite struct EvidenceAppendTests {
    @Test(arguments: StoreBackend.allCases)
    func appendsOfEverySizeKeepTheStoredTreeTheTreeOfItsLeaves(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        var leafHashes: [MerkleTree.Hash] = []
        // Sizes 1 to 9 in a pattern that crosses every kind of boundary (odd and even starts, powers of two).
        let sizes = [1, 1, 2, 3, 1, 8, 5, 2, 9, 1, 4, 7, 6, 1, 3, 16, 2]
        for (round, size) in sizes.enumerated() {
            let events = (0..<size).map { index in
                (
                    event: PackageEvent(packageId: "p-\(round)-\(index)", hop: .forwarded, at: "2026-11-20T01:00:00Z", organisation: "330100000001"),
                    key: "k-\(round)-\(index)"
                )
            }
            _ = try await database.transaction { transaction in try await HubStore.appendEvidence(events, in: transaction) }
            leafHashes += events.map { MerkleTree.leafHash(Evidence.leaf($0.event)) }
            let stored = try await store.evidenceSize()
            #expect(stored == leafHashes.count)
            let expected = try await MerkleTree.inMemory(leafHashes: leafHashes).root()
            #expect(try await store.evidenceTree(size: stored).root() == expected, "after append \(round) of \(size)")
            // The root a signed head carries, from the tree's complete subtrees in one read, is the same.
            #expect(try await store.evidenceRoot(size: stored) == expected, "after append \(round) of \(size)")
        }
        #expect(try await store.evidenceRoot(size: 0) == MerkleTree.emptyRoot)
        // Every older size still proves consistent with the newest (the nodes written along the way are right).
        let tree = store.evidenceTree(size: leafHashes.count)
        let newest = try await tree.root()
        for size in [1, 2, 5, 13, 32, 40] {
            let old = try await MerkleTree.inMemory(leafHashes: Array(leafHashes.prefix(size))).root()
            let proof = try await tree.consistencyProof(size, leafHashes.count)
            #expect(MerkleTree.verifyConsistency(first: size, second: leafHashes.count, firstRoot: old, secondRoot: newest, proof: proof))
        }
    }
}
