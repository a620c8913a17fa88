import Foundation
public import XietongCore
import XietongStore

/// A hub that rewrites its history consistently, as a dishonest operator would (issue 6, issue 23): leaf 0's time
/// is changed, its hash and every stored subtree recomputed, and the signed heads dropped, so that the hub's own
/// database looks clean and its next head is signed over the rewritten log. Only someone who kept an older head, or
/// mirrored the log, can tell. Run on a stopped hub's SQLite file; returns the rewritten tree.
public enum EvidenceRewrite {
    public static func rewrite(hubDatabase path: String) async throws -> MerkleTree {
        let opened = try await SQLiteDatabase.open(path: path, migrations: Migrations.hub)
        let leaves = try await opened.execute("SELECT leaf_index, leaf FROM evidence_leaves ORDER BY leaf_index", [])
        var texts = leaves.map { $0.string("leaf") ?? "" }
        texts[0] = texts[0].replacingOccurrences(of: "\"at\":\"20", with: "\"at\":\"19")
        let hashes = texts.map { MerkleTree.leafHash(Array($0.utf8)) }
        try await opened.execute(
            "UPDATE evidence_leaves SET leaf = $1, leaf_hash = $2 WHERE leaf_index = 0",
            [.text(texts[0]), .text(Hex.string(hashes[0]))]
        )
        try await opened.execute("DELETE FROM evidence_nodes", [])
        let tree = MerkleTree.inMemory(leafHashes: hashes)
        var level = 1
        while 1 << level <= hashes.count {
            for index in 0..<(hashes.count >> level) {
                let hash = try await tree.hash(index << level, (index + 1) << level)
                try await opened.execute(
                    "INSERT INTO evidence_nodes (level, idx, hash) VALUES ($1, $2, $3)",
                    [.integer(level), .integer(index), .text(Hex.string(hash))]
                )
            }
            level += 1
        }
        try await opened.execute("DELETE FROM tree_heads", [])
        try await opened.execute("DELETE FROM tree_head_cosignatures", [])
        await opened.close()
        return tree
    }
}
