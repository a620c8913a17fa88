import Crypto

/// The Merkle tree of Certificate Transparency (RFC 9162 §2.1) over the hub's evidence log: leaf and node hashes,
/// the tree hash of any range, inclusion and consistency proofs, and their verification. Hashes are SHA-256.
///
/// The tree is read through `node(level, index)`: the hash of the complete, aligned subtree of 2^level leaves that
/// starts at leaf `index × 2^level` (level 0: the leaf hashes). Only such subtrees are stored, so any range's hash,
/// and any proof, takes O(log n) of them.
public struct MerkleTree: Sendable {
    public typealias Hash = [UInt8]

    public let size: Int
    let node: @Sendable (_ level: Int, _ index: Int) async throws -> Hash

    public init(size: Int, node: @escaping @Sendable (_ level: Int, _ index: Int) async throws -> Hash) {
        self.size = size
        self.node = node
    }

    /// The hash of an entry: SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: [UInt8]) -> Hash {
        Array(SHA256.hash(data: [0] + data))
    }

    /// The hash of two children: SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        Array(SHA256.hash(data: [1] + left + right))
    }

    /// The hash of an empty tree: SHA-256 of nothing.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// The complete, aligned subtrees a tree of `size` leaves is made of, one per bit of `size`, smallest first: each
    /// as `node(level, index)` reads it. Appending to the tree needs their hashes (the left siblings of its new nodes),
    /// and folding them (`root(edge:)`) gives its root.
    public static func edge(size: Int) -> [(level: Int, index: Int)] {
        (0..<max(0, Int.bitWidth - size.leadingZeroBitCount)).filter { (size >> $0) & 1 == 1 }.map { ($0, (size >> $0) - 1) }
    }

    /// The root of a tree from the hashes of its `edge`, smallest first (RFC 9162 §2.1: each larger subtree is the
    /// left child of what follows it).
    public static func root(edge hashes: [Hash]) -> Hash {
        guard var root = hashes.first else { return Self.emptyRoot }
        for hash in hashes.dropFirst() { root = Self.nodeHash(hash, root) }
        return root
    }

    /// The largest power of two below `n` (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[start:end]).
    public func hash(_ start: Int, _ end: Int) async throws -> Hash {
        let n = end - start
        guard n > 0 else { return Self.emptyRoot }
        if n & (n - 1) == 0, start % n == 0 { return try await self.node(n.trailingZeroBitCount, start / n) }
        let k = Self.split(n)
        let left = try await self.hash(start, start + k)
        return Self.nodeHash(left, try await self.hash(start + k, end))
    }

    /// The root of the first `size` leaves.
    public func root(size: Int? = nil) async throws -> Hash { try await self.hash(0, size ?? self.size) }

    /// PATH(m, D[0:size]): the audit path of leaf `m` in the tree of the first `size` leaves.
    public func inclusionProof(_ m: Int, size: Int? = nil) async throws -> [Hash] {
        try await self.path(m, 0, size ?? self.size)
    }

    func path(_ m: Int, _ start: Int, _ end: Int) async throws -> [Hash] {
        let n = end - start
        guard n > 1 else { return [] }
        let k = Self.split(n)
        if m < k { return try await self.path(m, start, start + k) + [try await self.hash(start + k, end)] }
        return try await self.path(m - k, start + k, end) + [try await self.hash(start, start + k)]
    }

    /// PROOF(first, D[0:second]): that the tree of `first` leaves is a prefix of the tree of `second`.
    public func consistencyProof(_ first: Int, _ second: Int) async throws -> [Hash] {
        guard first > 0, first < second else { return [] }
        return try await self.subproof(first, 0, second, true)
    }

    func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) async throws -> [Hash] {
        let n = end - start
        if m == n { return complete ? [] : [try await self.hash(start, end)] }
        let k = Self.split(n)
        if m <= k { return try await self.subproof(m, start, start + k, complete) + [try await self.hash(start + k, end)] }
        return try await self.subproof(m - k, start + k, end, false) + [try await self.hash(start, start + k)]
    }

    /// RFC 9162 §2.1.3.2: whether `proof` shows leaf `index` (hash `leaf`) in the tree of `size` with `root`.
    public static func verifyInclusion(leaf: Hash, index: Int, size: Int, proof: [Hash], root: Hash) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = Self.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = Self.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows the tree of `first` leaves (root `firstRoot`) to be a prefix of the
    /// tree of `second` leaves (root `secondRoot`).
    public static func verifyConsistency(first: Int, second: Int, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        guard first > 0, first < second, !proof.isEmpty || first & (first - 1) == 0 else { return first == 0 && proof.isEmpty }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        guard !path.isEmpty else { return false }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = Self.nodeHash(c, fr)
                sr = Self.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = Self.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == firstRoot && sr == secondRoot
    }

    /// A tree held in memory (for verification tools and tests): builds every complete subtree from the leaf hashes.
    public static func inMemory(leafHashes: [Hash]) -> MerkleTree {
        var levels: [[Hash]] = [leafHashes]
        while let last = levels.last, last.count > 1 {
            levels.append(stride(from: 0, to: last.count - 1, by: 2).map { Self.nodeHash(last[$0], last[$0 + 1]) })
        }
        let built = levels
        return MerkleTree(size: leafHashes.count) { level, index in built[level][index] }
    }
}
