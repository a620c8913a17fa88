import Crypto
import Testing
import XietongCore

/// The evidence log's Merkle tree against RFC 9162's definitions, computed the plain recursive way: every root,
/// every inclusion proof and every consistency proof of trees up to 40 leaves verifies, and any altered leaf, proof
/// or root does not.
@Suite struct MerkleTreeTests {
    static func reference(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return Array(SHA256.hash(data: [UInt8]())) }
        if leaves.count == 1 { return MerkleTree.leafHash(leaves.first!) }
        var k = 1
        while k << 1 < leaves.count { k <<= 1 }
        let start = leaves.startIndex
        return MerkleTree.nodeHash(Self.reference(leaves[start..<start + k]), Self.reference(leaves[(start + k)...]))
    }

    let leaves: [[UInt8]] = (0..<40).map { Array("event \($0)".utf8) }

    @Test func rootsMatchTheDefinition() async throws {
        let tree = MerkleTree.inMemory(leafHashes: self.leaves.map(MerkleTree.leafHash))
        for size in 0...self.leaves.count {
            #expect(try await tree.root(size: size) == Self.reference(self.leaves[0..<size]), "size \(size)")
        }
    }

    @Test func everyInclusionProofVerifiesAndNoAlteredOneDoes() async throws {
        let tree = MerkleTree.inMemory(leafHashes: self.leaves.map(MerkleTree.leafHash))
        for size in 1...self.leaves.count {
            let root = try await tree.root(size: size)
            for index in 0..<size {
                let proof = try await tree.inclusionProof(index, size: size)
                let leaf = MerkleTree.leafHash(self.leaves[index])
                #expect(MerkleTree.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root), "\(index) of \(size)")
                #expect(!MerkleTree.verifyInclusion(leaf: MerkleTree.leafHash([1]), index: index, size: size, proof: proof, root: root))
                if !proof.isEmpty {
                    var bent = proof
                    bent[0][0] ^= 1
                    #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: index, size: size, proof: bent, root: root))
                }
            }
        }
    }

    @Test func everyConsistencyProofVerifiesAndAForkDoesNot() async throws {
        let tree = MerkleTree.inMemory(leafHashes: self.leaves.map(MerkleTree.leafHash))
        var forkedLeaves = self.leaves
        forkedLeaves[3] = Array("rewritten".utf8)
        let forked = MerkleTree.inMemory(leafHashes: forkedLeaves.map(MerkleTree.leafHash))
        for second in 1...self.leaves.count {
            for first in 1...second {
                let proof = try await tree.consistencyProof(first, second)
                let oldRoot = try await tree.root(size: first)
                let newRoot = try await tree.root(size: second)
                #expect(
                    MerkleTree.verifyConsistency(first: first, second: second, firstRoot: oldRoot, secondRoot: newRoot, proof: proof),
                    "\(first) → \(second)"
                )
                // A hub that rewrote leaf 3 after showing a tree that included it cannot prove consistency.
                if first > 3 {
                    let forkedProof = try await forked.consistencyProof(first, second)
                    let forkedRoot = try await forked.root(size: second)
                    #expect(
                        !MerkleTree.verifyConsistency(
                            first: first,
                            second: second,
                            firstRoot: oldRoot,
                            secondRoot: forkedRoot,
                            proof: forkedProof
                        ),
                        "fork \(first) → \(second)"
                    )
                }
            }
        }
    }
}

/// A tree's edge (its complete subtrees, one per bit of its size) is what appending needs, and folds to its root
/// (issue 25: the hub reads it in one statement).
@Suite struct MerkleTreeEdgeTests {
    @Test func theEdgeFoldsToTheRootForEverySize() async throws {
        let leaves = (0..<70).map { MerkleTree.leafHash([UInt8($0)]) }
        #expect(MerkleTree.edge(size: 0).isEmpty && MerkleTree.root(edge: []) == MerkleTree.emptyRoot)
        #expect(MerkleTree.edge(size: 6).map { [$0.level, $0.index] } == [[1, 2], [2, 0]])
        for size in 1...leaves.count {
            let tree = MerkleTree.inMemory(leafHashes: Array(leaves.prefix(size)))
            var edge: [MerkleTree.Hash] = []
            for (level, index) in MerkleTree.edge(size: size) { edge.append(try await tree.hash(index << level, (index + 1) << level)) }
            #expect(MerkleTree.root(edge: edge) == (try await tree.root()), "size \(size)")
        }
    }
}
