import Foundation
public import XietongCore

// The evidence log (issue 6, SZ-3, GS-7): an append-only Merkle tree of every hand-over event, kept beside the
// events themselves so that `xietong audit verify` can recompute one from the other.
extension HubStore {
    /// Appends a transaction's events as the next leaves, and stores the complete subtrees they finish: one size
    /// update, one insert of leaves and one of nodes, and a read for each older left sibling a new subtree needs (at
    /// most one per level). The size row's lock orders concurrent transactions (also across hub instances), so
    /// leaves get gapless indexes in commit order.
    /// Returns each event's leaf, its JSON: the feed carries the same JSON for the event, so it is not encoded twice.
    @discardableResult
    static func appendEvidence(
        _ events: [(event: PackageEvent, key: String)],
        in transaction: any SQLTransaction
    ) async throws -> [PackageEvent: String] {
        guard !events.isEmpty else { return [:] }
        var leaves: [PackageEvent: String] = [:]
        let sized = try await transaction.execute(
            "UPDATE evidence_size SET size = size + $1 WHERE id = 1 RETURNING size",
            [.integer(events.count)]
        )
        guard let size = sized.first?.int("size") else {
            throw StoreError(.query, zh: "证据日志缺少计数行", en: "the evidence log's size row is missing")
        }
        let first = size - events.count
        // The left siblings the new nodes need are the complete subtrees on the tree's right edge before them: read
        // together, in one statement.
        let edge = try await Self.evidenceEdge(atSize: first, in: transaction)
        var known: [[Int: [UInt8]]] = [[:]]
        var leafRows: [[SQLValue]] = []
        for (offset, (event, key)) in events.enumerated() {
            let leaf = Evidence.leaf(event)
            let hash = MerkleTree.leafHash(leaf)
            known[0][first + offset] = hash
            let json = String(decoding: leaf, as: UTF8.self)
            leaves[event] = json
            leafRows.append([
                .integer(first + offset), .text(event.packageId), .text(event.hop.rawValue), .text(json), .text(Hex.string(hash)), .text(key),
            ])
        }
        try await StoreRows.insertRows("evidence_leaves (leaf_index, package_id, hop, leaf, leaf_hash, package_key)", leafRows, in: transaction)
        var nodeRows: [[SQLValue]] = []
        var level = 0
        while !known[level].isEmpty {
            var parents: [Int: [UInt8]] = [:]
            for index in known[level].keys.sorted() where index % 2 == 1 {
                let left: [UInt8]
                if let sibling = known[level][index - 1] ?? edge[level]?[index - 1] {
                    left = sibling
                } else {
                    left = try await Self.evidenceNode(level, index - 1, in: transaction)
                }
                let parent = MerkleTree.nodeHash(left, known[level][index]!)
                parents[index / 2] = parent
                nodeRows.append([.integer(level + 1), .integer(index / 2), .text(Hex.string(parent))])
            }
            known.append(parents)
            level += 1
        }
        try await StoreRows.insertRows("evidence_nodes (level, idx, hash)", nodeRows, in: transaction)
        return leaves
    }

    /// The hashes of the tree's edge at `size` (`MerkleTree.edge`), by level and index, in one statement: what
    /// appending to it needs, and what its root is folded from.
    static func evidenceEdge(atSize size: Int, in statements: any SQLStatements) async throws(StoreError) -> [Int: [Int: [UInt8]]] {
        let edge = MerkleTree.edge(size: size)
        guard !edge.isEmpty else { return [:] }
        var parts: [String] = []
        var binds: [SQLValue] = []
        if let leaf = edge.first(where: { $0.level == 0 }) {
            parts.append("SELECT 0 AS level, leaf_index AS idx, leaf_hash AS hash FROM evidence_leaves WHERE leaf_index = $1")
            binds.append(.integer(leaf.index))
        }
        let nodes = edge.filter { $0.level > 0 }
        if !nodes.isEmpty {
            let terms = nodes.map { node -> String in
                binds += [.integer(node.level), .integer(node.index)]
                return "(level = $\(binds.count - 1) AND idx = $\(binds.count))"
            }
            parts.append("SELECT level, idx, hash FROM evidence_nodes WHERE " + terms.joined(separator: " OR "))
        }
        var hashes: [Int: [Int: [UInt8]]] = [:]
        for row in try await statements.execute(parts.joined(separator: " UNION ALL "), binds) {
            guard let level = row.int("level"), let index = row.int("idx"), let hash = row.string("hash").flatMap(Hex.bytes), hash.count == 32
            else { continue }
            hashes[level, default: [:]][index] = hash
        }
        return hashes
    }

    /// The root of the log's first `size` leaves, folded from its edge read in one statement, rather than a read per
    /// node.
    public func evidenceRoot(size: Int) async throws(StoreError) -> [UInt8] {
        try await Self.evidenceRoot(size: size, in: self.database)
    }

    static func evidenceRoot(size: Int, in statements: any SQLStatements) async throws(StoreError) -> [UInt8] {
        let hashes = try await Self.evidenceEdge(atSize: size, in: statements)
        return MerkleTree.root(
            edge: try MerkleTree.edge(size: size).map { (level, index) throws(StoreError) in
                guard let hash = hashes[level]?[index] else { throw Self.missingNode(level, index) }
                return hash
            }
        )
    }

    /// The error for a node of the tree the log lacks.
    static func missingNode(_ level: Int, _ index: Int) -> StoreError {
        StoreError(.notFound, zh: "证据日志缺少节点（层 \(level)，序号 \(index)）", en: "the evidence log has no node at level \(level), index \(index)")
    }

    /// The hash of a stored node of the tree (level 0: a leaf), in a transaction or on its own.
    static func evidenceNode(_ level: Int, _ index: Int, in statements: any SQLStatements) async throws -> [UInt8] {
        let rows =
            level == 0
            ? try await statements.execute("SELECT leaf_hash AS hash FROM evidence_leaves WHERE leaf_index = $1", [.integer(index)])
            : try await statements.execute("SELECT hash FROM evidence_nodes WHERE level = $1 AND idx = $2", [.integer(level), .integer(index)])
        guard let text = rows.first?.string("hash"), let hash = Hex.bytes(text), hash.count == 32 else {
            throw Self.missingNode(level, index)
        }
        return hash
    }

    /// The log's size now.
    public func evidenceSize() async throws(StoreError) -> Int {
        try await Self.evidenceSize(in: self.database)
    }

    static func evidenceSize(in statements: any SQLStatements) async throws(StoreError) -> Int {
        try await statements.execute("SELECT size FROM evidence_size WHERE id = 1", []).first?.int("size") ?? 0
    }

    /// The tree as stored (reads its nodes on demand).
    public func evidenceTree(size: Int) -> MerkleTree {
        let database = self.database
        return MerkleTree(size: size) { level, index in try await Self.evidenceNode(level, index, in: database) }
    }

    /// The latest signed tree head.
    public func latestTreeHead() async throws(StoreError) -> Evidence.TreeHead? {
        try await Self.latestTreeHead(in: self.database)
    }

    static func latestTreeHead(in statements: any SQLStatements) async throws(StoreError) -> Evidence.TreeHead? {
        let rows = try await statements.execute("SELECT body FROM tree_heads ORDER BY tree_size DESC LIMIT 1", [])
        return rows.first.flatMap { StoreRows.decode(Evidence.TreeHead.self, $0.string("body")) }
    }

    /// Every signed tree head, oldest first.
    public func treeHeads() async throws(StoreError) -> [Evidence.TreeHead] {
        try await self.database.execute("SELECT body FROM tree_heads ORDER BY tree_size", []).compactMap {
            StoreRows.decode(Evidence.TreeHead.self, $0.string("body"))
        }
    }

    /// Signs a head for the log as it is now, if it grew since the last one, and queues it for every node's feed.
    /// `sign` turns an unsigned head into a signed one.
    ///
    /// One transaction, holding the tree-head lock (`SerialWork.treeHead`) from before it reads the log's size: two
    /// hub instances on one database sign one after the other, each over the log as the other left it, so heads reach
    /// the feeds in the order of their sizes. (Read outside it, an instance signed size 125 while the other signed
    /// 129 and committed first: every node then saw the log shrink, an evidence alarm, found by `FleetTests`.)
    /// `spacing`: no head when the last one is younger than this many seconds, whichever instance signed it, so that
    /// two instances do not send every node twice as many heads (issue 25).
    public func signTreeHead(
        for organisations: [String],
        spacing: Double = 0,
        sign: @escaping @Sendable (Evidence.TreeHead) throws -> Evidence.TreeHead
    ) async throws -> Evidence.TreeHead? {
        let (clock, boot, federation) = (self.clock, self.boot, self.flows.federation)
        let lock = self.database.lockStatement(.treeHead)
        return try await self.database.transaction { transaction in
            if let lock { try await transaction.execute(lock, []) }
            let size = try await Self.evidenceSize(in: transaction)
            let last = try await Self.latestTreeHead(in: transaction)
            guard size > (last?.treeSize ?? 0) else { return nil }
            if spacing > 0, let signed = last.flatMap({ Timestamp.date($0.timestamp) }), clock.now().timeIntervalSince(signed) < spacing {
                return nil
            }
            let root: [UInt8]
            do {
                root = try await Self.evidenceRoot(size: size, in: transaction)
            } catch {
                throw StoreError(.query, zh: "无法计算证据日志的根哈希", en: "cannot compute the evidence log's root: \(error)")
            }
            let head = try sign(Evidence.TreeHead(treeSize: size, rootHash: Hex.string(root), timestamp: clock.timestamp()))
            try await transaction.execute(
                "INSERT INTO tree_heads (tree_size, root_hash, signed_at, body) VALUES ($1, $2, $3, $4)",
                [.integer(head.treeSize), .text(head.rootHash), .text(head.timestamp), .text(StoreRows.json(head))]
            )
            // The head travels with the proof from the previous head (issue 25): each node kept that one, so none
            // needs to ask the hub for it.
            var carried = head
            if let last {
                let tree = MerkleTree(size: size) { level, index in try await Self.evidenceNode(level, index, in: transaction) }
                carried.consistency = Evidence.Consistency(
                    from: last.treeSize,
                    proof: try await tree.consistencyProof(last.treeSize, size).map(Hex.string)
                )
            }
            let feed = FeedWriter(clock: clock, boot: boot, federation: federation)
            for organisation in organisations { feed.append(.treeHead(carried), packageId: "", to: organisation) }
            try await feed.flush(in: transaction)
            return head
        }
    }

    /// The proof that the tree of `first` leaves is a prefix of the tree of `second` leaves.
    public func consistencyProof(from first: Int, to second: Int) async throws -> [[UInt8]] {
        try await self.evidenceTree(size: second).consistencyProof(first, second)
    }

    /// A package's hand-overs with their inclusion proofs against `head`.
    public func evidence(of packageId: String, against head: Evidence.TreeHead) async throws -> Evidence.Receipt {
        let rows = try await self.database.execute(
            """
            SELECT leaf_index, leaf FROM evidence_leaves
            WHERE package_key = \(HubSchema.packageKey) AND leaf_index < $2 ORDER BY leaf_index
            """,
            [.text(packageId), .integer(head.treeSize)]
        )
        let tree = self.evidenceTree(size: head.treeSize)
        var entries: [Evidence.Inclusion] = []
        for row in rows {
            guard let index = row.int("leaf_index"), let event = StoreRows.decode(PackageEvent.self, row.string("leaf")) else { continue }
            let proof = try await tree.inclusionProof(index)
            entries.append(Evidence.Inclusion(leafIndex: index, event: event, proof: proof.map(Hex.string)))
        }
        return Evidence.Receipt(packageId: packageId, treeHead: head, entries: entries)
    }

    /// Leaves in order from `start`, for a remote audit.
    public func evidenceLeaves(from start: Int, count: Int) async throws(StoreError) -> [(index: Int, leaf: String, hash: String)] {
        try await self.database.execute(
            "SELECT leaf_index, leaf, leaf_hash FROM evidence_leaves WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2",
            [.integer(start), .integer(count)]
        ).map { ($0.int("leaf_index") ?? -1, $0.string("leaf") ?? "", $0.string("leaf_hash") ?? "") }
    }
}

extension HubStore {
    /// Every hand-over event row, as stored (for the audit).
    public func allEvents() async throws(StoreError) -> [PackageEvent] {
        try await self.database.execute("SELECT package_id, hop, at, organisation, detail, findings FROM package_events", []).compactMap(
            StoreRows.event
        )
    }
}
