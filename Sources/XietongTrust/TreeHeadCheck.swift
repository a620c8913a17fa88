public import XietongCore

/// The check of a hub's signed tree head against the last head kept of it (issue 6, SZ-3), the same for a node
/// checking its hub and for a hub checking a peer hub over a link (issue 23): the hub's signature, then its proof that
/// the new log extends the old one. A head that fails says why: the hub rewrote or forked its history.
public enum TreeHeadCheck {
    /// Why `head` must not be trusted after `last`, or nil when it extends it. `proof` fetches the hub's consistency
    /// proof between two sizes; its failure (the hub unreachable) is thrown, not judged.
    public static func problem<Failure: Error>(
        _ head: Evidence.TreeHead,
        after last: Evidence.TreeHead?,
        trust: TrustStore?,
        hub: String,
        proof: (_ first: Int, _ second: Int) async throws(Failure) -> [[UInt8]]
    ) async throws(Failure) -> LocalizedText? {
        do throws(TrustError) {
            _ = try await head.verifySignature(trust: trust, hub: hub, pinnedKey: last?.publicKey)
        } catch {
            return error.message
        }
        guard let last else { return nil }
        if head.treeSize < last.treeSize {
            return LocalizedText(
                zh: "树头变小了：\(head.treeSize) < 已保存的 \(last.treeSize)",
                en: "the log shrank: size \(head.treeSize) after \(last.treeSize)"
            )
        }
        return try await Self.extends(last, to: head, proof: proof) ? nil : Self.inconsistent(head, last)
    }

    /// Whether the log at `newer` extends the log at `older` (the hub's consistency proof between them, carried by
    /// `newer` or fetched with `proof`; equal roots for equal sizes). `older` must not be larger.
    public static func extends<Failure: Error>(
        _ older: Evidence.TreeHead,
        to newer: Evidence.TreeHead,
        proof: (_ first: Int, _ second: Int) async throws(Failure) -> [[UInt8]]
    ) async throws(Failure) -> Bool {
        guard let oldRoot = Hex.bytes(older.rootHash), let newRoot = Hex.bytes(newer.rootHash) else { return false }
        // The proof the head carries, when it is from this size (issue 25); else the hub's, asked for.
        var steps: [[UInt8]] = []
        if older.treeSize != newer.treeSize {
            if let carried = newer.carriedProof(from: older.treeSize) {
                steps = carried
            } else {
                steps = try await proof(older.treeSize, newer.treeSize)
            }
        }
        return MerkleTree.verifyConsistency(first: older.treeSize, second: newer.treeSize, firstRoot: oldRoot, secondRoot: newRoot, proof: steps)
    }

    static func inconsistent(_ head: Evidence.TreeHead, _ last: Evidence.TreeHead) -> LocalizedText {
        LocalizedText(
            zh: "中心平台的证据日志（\(head.treeSize) 条）与保存的树头（\(last.treeSize) 条）不一致：历史记录被改写或分叉",
            en:
                "the hub's evidence log (size \(head.treeSize)) is not consistent with the head kept of it (size \(last.treeSize)): its history was rewritten or forked"
        )
    }
}
