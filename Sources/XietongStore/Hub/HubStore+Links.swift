import Foundation
public import XietongCore

// The links to peer hubs (issue 23): how far this hub has read each peer's link feed, the peer's last good tree head,
// its evidence alarm, and what waits in this hub's link feed for each peer.
extension HubStore {
    /// What this hub keeps of its link to a peer.
    public struct PeerLinkState: Sendable, Hashable {
        /// The last position of the peer's link feed this hub has applied, and the peer's run that wrote it.
        public var cursor: Int
        public var boot: String?
        /// The peer's last signed tree head that passed its checks.
        public var treeHead: Evidence.TreeHead?
        /// When the peer last answered a read of its feed.
        public var answeredAt: String?
        /// The evidence alarm a head that failed its checks raised, and when.
        public var alarm: LocalizedText?
        public var alarmAt: String?
    }

    public func peerLink(_ peer: String) async throws(StoreError) -> PeerLinkState {
        let row = try await self.database.execute(
            "SELECT cursor, boot, tree_head, answered_at, alarm, alarm_at FROM peer_links WHERE peer = $1",
            [.text(peer)]
        ).first
        return PeerLinkState(
            cursor: row?.int("cursor") ?? 0,
            boot: row?.string("boot"),
            treeHead: row.flatMap { StoreRows.decode(Evidence.TreeHead.self, $0.string("tree_head")) },
            answeredAt: row?.string("answered_at"),
            alarm: row.flatMap { StoreRows.decode(LocalizedText.self, $0.string("alarm")) },
            alarmAt: row?.string("alarm_at")
        )
    }

    /// Moves the cursor of a peer's link feed, with the peer's run that wrote the entry there.
    public func movePeerCursor(_ peer: String, to cursor: Int, boot: String?, answeredAt: String) async throws(StoreError) {
        try await self.database.execute(
            """
            INSERT INTO peer_links (peer, cursor, boot, answered_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (peer) DO UPDATE SET cursor = $2, boot = COALESCE($3, peer_links.boot), answered_at = $4
            """,
            [.text(peer), .integer(cursor), .optional(boot), .text(answeredAt)]
        )
    }

    /// Keeps a peer's tree head that passed its checks.
    public func keepPeerHead(_ peer: String, _ head: Evidence.TreeHead) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO peer_links (peer, tree_head) VALUES ($1, $2) ON CONFLICT (peer) DO UPDATE SET tree_head = $2",
            [.text(peer), .text(StoreRows.json(head.withoutConsistency))]
        )
    }

    /// Raises the evidence alarm of a peer whose head failed its checks; the last good head stays.
    public func raisePeerAlarm(_ peer: String, _ problem: LocalizedText, at now: String) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO peer_links (peer, alarm, alarm_at) VALUES ($1, $2, $3) ON CONFLICT (peer) DO UPDATE SET alarm = $2, alarm_at = $3",
            [.text(peer), .text(StoreRows.json(problem)), .text(now)]
        )
    }

    /// What waits in this hub's link feed for a peer: entries the peer has not read (past its last read position),
    /// and when the oldest of them was queued.
    public struct LinkQueue: Sendable, Hashable {
        public var waiting: Int
        public var oldest: String?
    }

    /// The link feed's queue for `peer`, from the position it last acknowledged reading.
    public func linkQueue(_ peer: String, readUpTo: Int) async throws(StoreError) -> LinkQueue {
        let row = try await self.database.execute(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM feed WHERE organisation = $1 AND seq > $2 AND kind = 'delivery'",
            [.text(Federation.linkFeed(peer)), .integer(readUpTo)]
        ).first
        return LinkQueue(waiting: row?.int("n") ?? 0, oldest: row?.string("oldest"))
    }
}
