import Foundation
import Logging
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

extension FeedPuller {
    /// Checks a signed tree head from the hub against the last one this node kept (issue 6, SZ-3; `TreeHeadCheck`).
    /// A head that passes is kept; one that fails raises an alarm — the hub rewrote or forked its history — and the
    /// last good head stays.
    func check(_ arrived: Evidence.TreeHead, feedSeq: Int) async throws {
        let last = try await self.engine.store.latestTreeHead()
        let hub = self.engine.configuration.hub.organisation
        let client = self.engine.hub
        var head = arrived
        // With witnesses required (issue 23): the newest head they countersigned, once enough of them did.
        if let witnesses = self.engine.witnesses {
            let cosigned = try await witnesses.headToCheck(after: last) { () throws(HubClient.Failure) in try await client.cosignedTreeHead() }
            guard let cosigned, witnesses.problem(cosigned) == nil else {
                return try await self.engine.store.setFeedCursor(feedSeq)
            }
            head = cosigned
        }
        let problem = try await TreeHeadCheck.problem(head, after: last, trust: self.engine.identity?.trust, hub: hub) {
            (first, second) throws(HubClient.Failure) in try await client.consistencyProof(from: first, to: second)
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
    /// Whether the hub's log at `newer` extends the log at `older` (`TreeHeadCheck.extends`, with the hub's proof).
    func extends(_ older: Evidence.TreeHead, to newer: Evidence.TreeHead) async throws(HubClient.Failure) -> Bool {
        let client = self.hub
        return try await TreeHeadCheck.extends(older, to: newer) { (first, second) throws(HubClient.Failure) in
            try await client.consistencyProof(from: first, to: second)
        }
    }
}
