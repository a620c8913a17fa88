import Foundation
import Logging
import ServiceLifecycle
import Synchronization
public import XietongCore
import XietongHTTP
import XietongStore

/// Whether the hub answers this node (issue 19, item 6). Every request to the hub reports here: a transport failure
/// marks the hub down, any HTTP answer marks it up. While it is down, `HubWatch` probes it every second, so that the
/// node notices its return within a second or two instead of when the longest backoff runs out (21 s of nothing
/// after a 3-minute outage was seen before this).
public final class HubLink: Sendable {
    /// The signal the node's loops wait on while backing off: notified when the hub answers again.
    static let returned = "hub-returned"
    /// Notified when the hub stops answering, to wake the watch.
    static let lost = "hub-lost"

    /// Transport failures in a row, and whether the hub counts as down. One failure alone (a long upload cut, a
    /// connection reset) does not stop the node's other work: two in a row, with no answer between, do.
    private let state = Mutex((failures: 0, down: false))
    static let failuresForDown = 2
    let notifier: ChangeNotifier

    public init(notifier: ChangeNotifier) {
        self.notifier = notifier
    }

    public var isDown: Bool { self.state.withLock { $0.down } }

    /// When the feed last moved (a long poll began or answered): `/readyz` counts the feed stalled when that is longer
    /// ago than `feedStalledAfter`, three long polls (issue 22, item 5).
    private let feedMovement = Mutex<Date?>(nil)
    static let feedStalledAfter: TimeInterval = 60
    var lastFeedMovement: Date? { self.feedMovement.withLock { $0 } }
    func feedMoved(at now: Date) { self.feedMovement.withLock { $0 = now } }

    func failed() async {
        let changed = self.state.withLock { state in
            state.failures += 1
            guard !state.down, state.failures >= Self.failuresForDown else { return false }
            state.down = true
            return true
        }
        if changed { await self.notifier.notify(Self.lost) }
    }

    func answered() async {
        let changed = self.state.withLock { state in
            defer { state = (0, false) }
            return state.down
        }
        if changed { await self.notifier.notify(Self.returned) }
    }
}

/// Probes the hub while it is down, and when it answers again makes every package waiting in the outbox due at once
/// and wakes the outbox lanes, the feed puller and the reporter, so that the backlog drains at full speed.
struct HubWatch: NamedService {
    let engine: NodeEngine
    static let probeInterval: Double = 1

    func run() async throws {
        let link = self.engine.hub.link
        var outage = false
        var probes = 0
        await self.engine.loop.run { now in
            let lost = await self.engine.version(of: HubLink.lost)
            guard link.isDown else {
                guard outage else { return .wait(for: HubLink.lost, upTo: .seconds(60), since: lost) }
                outage = false
                await self.drain(at: now)
                return .again
            }
            if !outage {
                outage = true
                probes = 0
                self.engine.logger.warning("the hub does not answer; probing it every second 中心平台无响应，每秒探测")
            }
            let returned = await self.engine.version(of: HubLink.returned)
            // Why it does not answer, once a minute: a refused certificate looks like an outage otherwise.
            if let failure = await self.engine.hub.probe(), probes % 60 == 0 {
                self.engine.logger.warning("the hub still does not answer 中心平台仍无响应", metadata: ["xietong.error": "\(failure)"])
            }
            probes += 1
            return link.isDown ? .wait(for: HubLink.returned, upTo: .seconds(Self.probeInterval), since: returned) : .again
        }
    }

    /// The hub answers again: every package waiting in the outbox is due now, and the lanes are woken.
    func drain(at now: Date) async {
        do {
            let due = try await self.engine.store.retryAllNow(at: Timestamp.string(now))
            // A warning, as the outage's start is: the two go together in an operator's log.
            self.engine.logger.warning(
                "the hub answers again; the outbox drains now 中心平台已恢复，发件箱立即续发",
                metadata: ["xietong.waiting": "\(due)"]
            )
        } catch {
            self.engine.logger.warning("cannot make the outbox due after the hub's return", metadata: ["xietong.error": "\(error)"])
        }
        for lane in 0..<self.engine.configuration.lanes { await self.engine.notifier.notify(NodeEngine.Signal.outbox(lane)) }
    }
}
