import Foundation
import XietongCore
import XietongStore

/// Each link to a peer hub as administrators and the metrics see it (issue 23): whether the peer reads this hub's
/// link feed and answers this hub's reads of its own, what waits for it here and since when, and the state of the
/// peer's evidence log as this hub checked it.
struct LinkOverview: Sendable {
    struct LinkView: Codable, Sendable {
        var name: String
        /// The peer hub's organisation code.
        var hub: String
        var url: String
        /// The peer read this hub's link feed within the last 90 s.
        var peerReading: Bool
        var peerLastSeenAt: String?
        /// This hub read the peer's link feed within the last 90 s.
        var peerAnswering: Bool
        var peerLastAnsweredAt: String?
        /// Packages waiting in this hub's link feed for the peer, and when the oldest was queued.
        var waiting: Int
        var oldestWaitingSince: String?
        /// The oldest waiting package's age in seconds, 0 when none waits.
        var oldestWaitingSeconds: Double
        /// The oldest has waited longer than `linkAlertAfterSeconds`: the link alert is up.
        var stuck: Bool
        /// What this hub has applied of the peer's link feed.
        var cursor: Int
        /// The peer's last tree head that passed this hub's checks, and the alarm of one that did not.
        var peerTreeSize: Int?
        var evidenceAlarm: LocalizedText?
        var evidenceAlarmAt: String?
    }

    let store: HubStore
    let peers: [(name: String, hub: String, url: String)]
    let activity: NodeActivity
    /// `linkAlertAfterSeconds`.
    let alertAfter: Double

    static let connectedWithin: TimeInterval = 90

    func views() async throws -> [LinkView] {
        let now = self.store.clock.now()
        func recent(_ time: String?) -> Bool { time.flatMap(Timestamp.date).map { now.timeIntervalSince($0) < Self.connectedWithin } ?? false }
        var views: [LinkView] = []
        for peer in self.peers {
            let reading = await self.activity.entry(Federation.linkFeed(peer.name))
            let queue = try await self.store.linkQueue(peer.name, readUpTo: reading?.acknowledged ?? 0)
            let state = try await self.store.peerLink(peer.name)
            let age = queue.oldest.flatMap(Timestamp.date).map { max(now.timeIntervalSince($0), 0) } ?? 0
            views.append(
                LinkView(
                    name: peer.name,
                    hub: peer.hub,
                    url: peer.url,
                    peerReading: recent(reading?.lastSeenAt),
                    peerLastSeenAt: reading?.lastSeenAt,
                    peerAnswering: recent(state.answeredAt),
                    peerLastAnsweredAt: state.answeredAt,
                    waiting: queue.waiting,
                    oldestWaitingSince: queue.oldest,
                    oldestWaitingSeconds: age,
                    stuck: age > self.alertAfter,
                    cursor: state.cursor,
                    peerTreeSize: state.treeHead?.treeSize,
                    evidenceAlarm: state.alarm,
                    evidenceAlarmAt: state.alarmAt
                )
            )
        }
        return views
    }
}
