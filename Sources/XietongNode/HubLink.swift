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

    private let down = Mutex(false)
    let notifier: ChangeNotifier

    public init(notifier: ChangeNotifier) {
        self.notifier = notifier
    }

    public var isDown: Bool { self.down.withLock { $0 } }

    func failed() async {
        let changed = self.down.withLock { down in
            defer { down = true }
            return !down
        }
        if changed { await self.notifier.notify(Self.lost) }
    }

    func answered() async {
        let changed = self.down.withLock { down in
            defer { down = false }
            return down
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
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let lost = await self.engine.version(of: HubLink.lost)
            guard link.isDown else {
                await self.engine.pause(HubLink.lost, seconds: 60, since: lost)
                continue
            }
            self.engine.logger.warning("the hub does not answer; probing it every second 中心平台无响应，每秒探测")
            while link.isDown && !Task.isCancelled && !Task.isShuttingDownGracefully {
                let returned = await self.engine.version(of: HubLink.returned)
                await self.engine.hub.probe()
                if link.isDown { await self.engine.pause(HubLink.returned, seconds: Self.probeInterval, since: returned) }
            }
            guard !link.isDown else { return }
            do {
                let due = try await self.engine.store.retryAllNow(at: Timestamp.now())
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
}
