import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

extension FeedPuller {
    /// Checks a signed tree head from the hub against the last one this node kept (issue 6, SZ-3; `TreeHeadCheck`).
    /// A head that passes is kept; one that fails raises an alarm — the hub rewrote or forked its history — and the
    /// last good head stays. With witnesses required (issue 23) the head checked is instead the newest one enough of
    /// them countersigned, and the arriving head only moves the cursor.
    func check(_ head: Evidence.TreeHead, feedSeq: Int) async throws {
        guard self.engine.witnesses == nil else { return try await self.engine.checkWitnessedHead(feedSeq: feedSeq) }
        try await self.engine.check(head, feedSeq: feedSeq)
    }
}

extension NodeEngine {
    /// Checks `head` against the last head kept, and keeps it or raises the alarm.
    func check(_ head: Evidence.TreeHead, feedSeq: Int?) async throws {
        let last = try await self.store.latestTreeHead()
        let client = self.hub
        let problem = try await TreeHeadCheck.problem(head, after: last, trust: self.identity?.trust, hub: self.configuration.hub.organisation) {
            (first, second) throws(HubClient.Failure) in try await client.consistencyProof(from: first, to: second)
        }
        if let problem {
            self.logger.error(
                "evidence log alarm 证据日志告警",
                metadata: ["xietong.tree_size": "\(head.treeSize)", "xietong.problem": "\(problem.en)"]
            )
            try await self.store.raise(
                EvidenceAlarm(at: Timestamp.string(self.clock.now()), treeSize: head.treeSize, detail: problem, treeHead: head),
                feedSeq: feedSeq
            )
            return
        }
        try await self.store.keep(head, feedSeq: feedSeq)
    }

    /// With witnesses required (issue 23): checks and keeps the hub's newest head that enough accepted witnesses
    /// countersigned, when it is newer than the one kept; otherwise only moves the cursor (`feedSeq`).
    func checkWitnessedHead(feedSeq: Int?) async throws {
        guard let witnesses = self.witnesses else { return }
        let client = self.hub
        let last = try await self.store.latestTreeHead()
        let cosigned = try await witnesses.headToCheck(after: last) { () throws(HubClient.Failure) in
            try await client.cosignedTreeHead(witnesses: witnesses.required)
        }
        guard let cosigned, witnesses.problem(cosigned) == nil else {
            if let feedSeq { try await self.store.setFeedCursor(feedSeq) }
            return
        }
        try await self.check(cosigned, feedSeq: feedSeq)
    }

    /// Whether the hub's log at `newer` extends the log at `older` (`TreeHeadCheck.extends`, with the hub's proof).
    func extends(_ older: Evidence.TreeHead, to newer: Evidence.TreeHead) async throws(HubClient.Failure) -> Bool {
        let client = self.hub
        return try await TreeHeadCheck.extends(older, to: newer) { (first, second) throws(HubClient.Failure) in
            try await client.consistencyProof(from: first, to: second)
        }
    }
}

/// With witnesses required (issue 23): looks for a newer countersigned head every few seconds, since witnesses
/// countersign a head after it reached the node's feed, and the last head of a quiet log reaches it only once.
struct WitnessedHeadWatch: NamedService {
    let engine: NodeEngine
    static let interval: Duration = .seconds(2)

    func run() async throws {
        await self.engine.loop.every(Self.interval, logger: self.engine.logger, failure: "cannot read the hub's countersigned tree head") { _ in
            if self.engine.whileTheHubIsDown != nil { return }
            try await self.engine.checkWitnessedHead(feedSeq: nil)
        }
    }
}
