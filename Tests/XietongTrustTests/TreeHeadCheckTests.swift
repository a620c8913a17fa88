import Foundation
import Testing
import XietongCore
import XietongTesting
import XietongTrust

/// A node checks each signed tree head against the head it kept (issue 6, SZ-3). The proof a head carries from that
/// head is used without asking the hub (issue 25); a carried proof that does not hold raises the alarm as a fetched
/// one would; a head that carries a proof from another size is checked with the hub's.
@Suite struct TreeHeadCheckTests {
    struct Log {
        let signer: HubSigner
        var leaves: [MerkleTree.Hash] = []

        mutating func head(growingBy count: Int, carriedFrom previous: Int? = nil, wrongProof: Bool = false) async throws -> Evidence.TreeHead {
            self.leaves += (0..<count).map { MerkleTree.leafHash(Array("leaf \(self.leaves.count + $0)".utf8)) }
            let tree = MerkleTree.inMemory(leafHashes: self.leaves)
            var head = try self.signer.sign(
                Evidence.TreeHead(treeSize: self.leaves.count, rootHash: Hex.string(try await tree.root()), timestamp: "2026-11-20T01:00:00Z")
            )
            if let previous {
                var proof = try await tree.consistencyProof(previous, self.leaves.count).map(Hex.string)
                if wrongProof { proof[0] = String(repeating: "0", count: 64) }
                head.consistency = Evidence.Consistency(from: previous, proof: proof)
            }
            return head
        }

        func proof(_ first: Int, _ second: Int) async throws -> [[UInt8]] {
            try await MerkleTree.inMemory(leafHashes: Array(self.leaves.prefix(second))).consistencyProof(first, second)
        }
    }

    actor Asked {
        var sizes: [[Int]] = []
        func add(_ first: Int, _ second: Int) { self.sizes.append([first, second]) }
    }

    static func log() throws -> Log {
        let directory = try TemporaryDirectory()
        return Log(signer: try HubSigner(keyFile: directory.url.appendingPathComponent("evidence.key")))
    }

    @Test func aCarriedProofFromTheKeptHeadIsUsedWithoutAskingTheHub() async throws {
        var log = try Self.log()
        let kept = try await log.head(growingBy: 5)
        let next = try await log.head(growingBy: 6, carriedFrom: 5)
        let asked = Asked()
        let snapshot = log
        let problem = try await TreeHeadCheck.problem(next, after: kept, trust: nil, hub: "330100000001") { first, second in
            await asked.add(first, second)
            return try await snapshot.proof(first, second)
        }
        #expect(problem == nil)
        #expect(await asked.sizes.isEmpty)
        #expect(next.withoutConsistency.consistency == nil && next.withoutConsistency.signedBytes == next.signedBytes)
    }

    @Test func aCarriedProofThatDoesNotHoldRaisesTheAlarm() async throws {
        var log = try Self.log()
        let kept = try await log.head(growingBy: 5)
        let next = try await log.head(growingBy: 6, carriedFrom: 5, wrongProof: true)
        let snapshot = log
        let problem = try await TreeHeadCheck.problem(next, after: kept, trust: nil, hub: "330100000001") { first, second in
            try await snapshot.proof(first, second)
        }
        #expect(problem?.en.contains("not consistent") == true)
    }

    @Test func aHeadCarryingAProofFromAnotherSizeIsCheckedWithTheHubsProof() async throws {
        var log = try Self.log()
        let kept = try await log.head(growingBy: 5)
        _ = try await log.head(growingBy: 2)
        // The node missed the head of size 7: the new head's proof is from 7, not from the 5 it kept.
        let next = try await log.head(growingBy: 4, carriedFrom: 7)
        let asked = Asked()
        let snapshot = log
        let problem = try await TreeHeadCheck.problem(next, after: kept, trust: nil, hub: "330100000001") { first, second in
            await asked.add(first, second)
            return try await snapshot.proof(first, second)
        }
        #expect(problem == nil)
        #expect(await asked.sizes == [[5, 11]])
    }
}
