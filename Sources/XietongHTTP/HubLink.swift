public import Foundation
import Synchronization
public import XietongCore
import XietongStore

/// Whether a hub answers this node, or a peer hub this hub (issues 19 and 23). Every request to the hub reports here: a transport failure
/// marks the hub down, any HTTP answer marks it up. While it is down, `HubWatch` probes it every second, so that the
/// node notices its return within a second or two instead of when the longest backoff runs out (21 s of nothing
/// after a 3-minute outage was seen before this).
public final class HubLink: Sendable {
    /// The signal the node's loops wait on while backing off: notified when the hub answers again.
    public static let returned = "hub-returned"
    /// Notified when the hub stops answering, to wake the watch.
    public static let lost = "hub-lost"

    /// Transport failures in a row, and whether the hub counts as down. One failure alone (a long upload cut, a
    /// connection reset) does not stop the node's other work: two in a row, with no answer between, do.
    private let state = Mutex((failures: 0, down: false))
    public static let failuresForDown = 2
    public let notifier: ChangeNotifier

    public init(notifier: ChangeNotifier) {
        self.notifier = notifier
    }

    public var isDown: Bool { self.state.withLock { $0.down } }

    /// When the feed last moved (a long poll began or answered): `/readyz` counts the feed stalled when that is longer
    /// ago than `feedStalledAfter`, three long polls (issue 22, item 5).
    private let feedMovement = Mutex<Date?>(nil)
    public static let feedStalledAfter: TimeInterval = 60
    public var lastFeedMovement: Date? { self.feedMovement.withLock { $0 } }
    public func feedMoved(at now: Date) { self.feedMovement.withLock { $0 = now } }

    public func failed() async {
        let changed = self.state.withLock { state in
            state.failures += 1
            guard !state.down, state.failures >= Self.failuresForDown else { return false }
            state.down = true
            return true
        }
        if changed { await self.notifier.notify(Self.lost) }
    }

    public func answered() async {
        let changed = self.state.withLock { state in
            defer { state = (0, false) }
            return state.down
        }
        if changed { await self.notifier.notify(Self.returned) }
    }
}
