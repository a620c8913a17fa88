import Foundation
public import XietongCore

// Witnesses' countersignatures of the hub's signed tree heads (issue 23, SZ-3).
extension HubStore {
    public enum CosignatureOutcome: Sendable, Equatable {
        case recorded
        /// The hub signed no head of that size, or not with that root: the witness saw another log.
        case unknownHead
    }

    /// Records a witness's countersignature of the head of `treeSize` whose root is `rootHash` (the witness's signature
    /// is checked by whoever relies on it, against the keys they accept). Recording it again changes nothing.
    public func addCosignature(_ cosignature: Evidence.Cosignature, treeSize: Int, rootHash: String) async throws(StoreError) -> CosignatureOutcome {
        let head = try await self.database.execute("SELECT root_hash FROM tree_heads WHERE tree_size = $1", [.integer(treeSize)]).first
        guard head?.string("root_hash") == rootHash else { return .unknownHead }
        try await self.database.execute(
            """
            INSERT INTO tree_head_cosignatures (tree_size, witness, cosignature) VALUES ($1, $2, $3)
            ON CONFLICT (tree_size, witness) DO NOTHING
            """,
            [.integer(treeSize), .text(cosignature.witness), .text(StoreRows.json(cosignature))]
        )
        return .recorded
    }

    /// The signed head of `size`, if the hub signed one.
    public func treeHead(size: Int) async throws(StoreError) -> Evidence.TreeHead? {
        try await self.database.execute("SELECT body FROM tree_heads WHERE tree_size = $1", [.integer(size)]).first.flatMap {
            StoreRows.decode(Evidence.TreeHead.self, $0.string("body"))
        }
    }

    /// The newest signed head that at least `witnesses` witnesses countersigned, with their countersignatures.
    public func latestCosignedTreeHead(witnesses: Int = 1) async throws(StoreError) -> Evidence.TreeHead? {
        let rows = try await self.database.execute(
            """
            SELECT h.body FROM tree_heads h WHERE h.tree_size = (
                SELECT tree_size FROM tree_head_cosignatures GROUP BY tree_size HAVING COUNT(*) >= $1 ORDER BY tree_size DESC LIMIT 1
            )
            """,
            [.integer(max(1, witnesses))]
        )
        guard var head = rows.first.flatMap({ StoreRows.decode(Evidence.TreeHead.self, $0.string("body")) }) else { return nil }
        head.cosignatures = try await self.cosignatures(treeSize: head.treeSize)
        return head
    }

    /// The countersignatures of the head of `treeSize`, by witness.
    public func cosignatures(treeSize: Int) async throws(StoreError) -> [Evidence.Cosignature] {
        try await self.database.execute(
            "SELECT cosignature FROM tree_head_cosignatures WHERE tree_size = $1 ORDER BY witness",
            [.integer(treeSize)]
        ).compactMap { StoreRows.decode(Evidence.Cosignature.self, $0.string("cosignature")) }
    }
}
