import Foundation
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
}
