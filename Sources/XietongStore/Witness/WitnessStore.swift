import Foundation
public import XietongCore

/// A witness's own copy of a hub's evidence log (issue 23, SZ-3): every leaf, the complete subtrees they form (as the
/// hub keeps them, so that any root is O(log n) rows), each head it checked and countersigned, and its alarms. Leaves
/// are only ever appended: a hub that rewrites its history cannot make the witness's copy follow.
public struct WitnessStore: Sendable {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public static let migrations = [
        Migration(
            version: 1,
            name: "the witness's mirror",
            statements: [
                "CREATE TABLE mirror_leaves (leaf_index BIGINT PRIMARY KEY, leaf TEXT NOT NULL, leaf_hash TEXT NOT NULL)",
                "CREATE TABLE mirror_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (level, idx))",
                "CREATE TABLE checked_heads (tree_size BIGINT PRIMARY KEY, head TEXT NOT NULL, cosignature TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0)",
                "CREATE TABLE alarms (id INTEGER PRIMARY KEY, at TEXT NOT NULL, detail TEXT NOT NULL, head TEXT NOT NULL)",
            ]
        )
    ]

    /// How many leaves the mirror holds.
    public func size() async throws(StoreError) -> Int {
        try await self.database.execute("SELECT COUNT(*) AS n FROM mirror_leaves", []).first?.int("n") ?? 0
    }

    /// The mirror as a Merkle tree of its first `size` leaves.
    public func tree(size: Int) -> MerkleTree {
        let database = self.database
        return MerkleTree(size: size) { level, index in
            let row =
                level == 0
                ? try await database.execute("SELECT leaf_hash AS hash FROM mirror_leaves WHERE leaf_index = $1", [.integer(index)]).first
                : try await database.execute("SELECT hash FROM mirror_nodes WHERE level = $1 AND idx = $2", [.integer(level), .integer(index)]).first
            guard let hash = row?.string("hash").flatMap(Hex.bytes) else {
                throw StoreError(.query, zh: "镜像缺少哈希节点", en: "the mirror lacks the node (\(level), \(index))")
            }
            return hash
        }
    }

    /// Appends leaves that follow the mirror's last one, with the subtrees they complete, in one transaction. Each
    /// leaf's hash is computed here from its bytes, never taken from the hub.
    public func append(_ leaves: [(index: Int, leaf: String)]) async throws {
        try await self.database.transaction { transaction in
            var size = try await transaction.execute("SELECT COUNT(*) AS n FROM mirror_leaves", []).first?.int("n") ?? 0
            for (index, leaf) in leaves {
                guard index == size else {
                    throw StoreError(.conflict, zh: "镜像的叶子须连续追加", en: "leaf \(index) does not follow the mirror's \(size) leaves")
                }
                var hash = MerkleTree.leafHash(Array(leaf.utf8))
                try await transaction.write(
                    "INSERT INTO mirror_leaves (leaf_index, leaf, leaf_hash) VALUES ($1, $2, $3)",
                    [.integer(index), .text(leaf), .text(Hex.string(hash))]
                )
                // Each complete subtree this leaf ends: while the node is a right child, hash it with its left sibling.
                var (level, position) = (0, index)
                while position % 2 == 1 {
                    let left =
                        try await transaction.execute(
                            level == 0
                                ? "SELECT leaf_hash AS hash FROM mirror_leaves WHERE leaf_index = $1"
                                : "SELECT hash FROM mirror_nodes WHERE level = \(level) AND idx = $1",
                            [.integer(position - 1)]
                        ).first?.string("hash").flatMap(Hex.bytes) ?? []
                    hash = MerkleTree.nodeHash(left, hash)
                    (level, position) = (level + 1, position / 2)
                    try await transaction.write(
                        "INSERT INTO mirror_nodes (level, idx, hash) VALUES ($1, $2, $3)",
                        [.integer(level), .integer(position), .text(Hex.string(hash))]
                    )
                }
                size += 1
            }
        }
    }

    /// The last head checked and countersigned, and whether its countersignature reached the hub.
    public func lastChecked() async throws(StoreError) -> (head: Evidence.TreeHead, cosignature: Evidence.Cosignature, delivered: Bool)? {
        guard
            let row = try await self.database.execute(
                "SELECT head, cosignature, delivered FROM checked_heads ORDER BY tree_size DESC LIMIT 1",
                []
            ).first,
            let head = StoreRows.decode(Evidence.TreeHead.self, row.string("head")),
            let cosignature = StoreRows.decode(Evidence.Cosignature.self, row.string("cosignature"))
        else { return nil }
        return (head, cosignature, row.int("delivered") == 1)
    }

    /// Keeps a head the witness checked, with its countersignature.
    public func keep(_ head: Evidence.TreeHead, cosignature: Evidence.Cosignature) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO checked_heads (tree_size, head, cosignature) VALUES ($1, $2, $3) ON CONFLICT (tree_size) DO NOTHING",
            [.integer(head.treeSize), .text(StoreRows.json(head)), .text(StoreRows.json(cosignature))]
        )
    }

    /// The hub has the countersignature of the head of `size`.
    public func delivered(size: Int) async throws(StoreError) {
        try await self.database.execute("UPDATE checked_heads SET delivered = 1 WHERE tree_size = $1", [.integer(size)])
    }

    /// An alarm: a head that does not match the mirror, or does not extend a head checked before.
    public struct Alarm: Sendable, Codable, Hashable {
        public var at: String
        public var detail: LocalizedText
        public var treeHead: Evidence.TreeHead
    }

    public func raise(_ detail: LocalizedText, head: Evidence.TreeHead, at now: String) async throws(StoreError) {
        // One alarm per head: the witness looks at the same bad head again every round.
        let known = try await self.database.execute("SELECT 1 AS n FROM alarms WHERE head = $1", [.text(StoreRows.json(head))])
        guard known.isEmpty else { return }
        try await self.database.execute(
            "INSERT INTO alarms (at, detail, head) VALUES ($1, $2, $3)",
            [.text(now), .text(StoreRows.json(detail)), .text(StoreRows.json(head))]
        )
    }

    public func alarms() async throws(StoreError) -> [Alarm] {
        try await self.database.execute("SELECT at, detail, head FROM alarms ORDER BY id", []).compactMap { row in
            guard let detail = StoreRows.decode(LocalizedText.self, row.string("detail")),
                let head = StoreRows.decode(Evidence.TreeHead.self, row.string("head"))
            else { return nil }
            return Alarm(at: row.string("at") ?? "", detail: detail, treeHead: head)
        }
    }
}
