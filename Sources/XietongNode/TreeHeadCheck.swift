import Foundation
import Logging
import XietongCore
import XietongStore
import XietongTrust

extension FeedPuller {
    /// Checks a signed tree head from the hub against the last one this node kept (issue 6, SZ-3): the hub's
    /// signature, and the hub's proof that the new log extends the old one. A head that passes is kept; one that
    /// fails raises an alarm — the hub rewrote or forked its history — and the last good head stays.
    func check(_ head: Evidence.TreeHead, feedSeq: Int) async throws {
        let last = try await self.engine.store.latestTreeHead()
        let hub = self.engine.configuration.hub.organisation
        var problem: LocalizedText?
        do throws(TrustError) {
            _ = try await head.verifySignature(trust: self.engine.identity?.trust, hub: hub, pinnedKey: last?.publicKey)
        } catch {
            problem = error.message
        }
        if problem == nil, let last {
            if head.treeSize < last.treeSize {
                problem = LocalizedText(
                    zh: "树头变小了：\(head.treeSize) < 已保存的 \(last.treeSize)",
                    en: "the log shrank: size \(head.treeSize) after \(last.treeSize)"
                )
            } else {
                if try await !self.engine.extends(last, to: head) {
                    problem = LocalizedText(
                        zh: "中心平台的证据日志（\(head.treeSize) 条）与本节点保存的树头（\(last.treeSize) 条）不一致：历史记录被改写或分叉",
                        en:
                            "the hub's evidence log (size \(head.treeSize)) is not consistent with the head this node kept (size \(last.treeSize)): its history was rewritten or forked"
                    )
                }
            }
        }
        if let problem {
            self.engine.logger.error(
                "evidence log alarm 证据日志告警",
                metadata: ["xietong.tree_size": "\(head.treeSize)", "xietong.problem": "\(problem.en)"]
            )
            try await self.engine.store.raise(
                EvidenceAlarm(at: Timestamp.string(self.engine.clock.now()), treeSize: head.treeSize, detail: problem, treeHead: head),
                feedSeq: feedSeq
            )
            return
        }
        try await self.engine.store.keep(head, feedSeq: feedSeq)
    }
}

extension NodeEngine {
    /// Whether the hub's log at `newer` extends the log at `older` (the hub's consistency proof between them; equal
    /// roots for equal sizes). `older` must not be larger.
    func extends(_ older: Evidence.TreeHead, to newer: Evidence.TreeHead) async throws(HubClient.Failure) -> Bool {
        guard let oldRoot = Hex.bytes(older.rootHash), let newRoot = Hex.bytes(newer.rootHash) else { return false }
        let proof = older.treeSize == newer.treeSize ? [] : try await self.hub.consistencyProof(from: older.treeSize, to: newer.treeSize)
        return MerkleTree.verifyConsistency(first: older.treeSize, second: newer.treeSize, firstRoot: oldRoot, secondRoot: newRoot, proof: proof)
    }
}
