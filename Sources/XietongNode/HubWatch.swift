import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

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
