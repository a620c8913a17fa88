import Foundation
import Logging
import XietongCore
import XietongHTTP
import XietongStore

/// A node's gauges (issue 22, item 1), read from its store at each scrape: the outbox and the inbox, and the newest
/// signed tree head it holds.
enum NodeMetrics {
    static func install(_ engine: NodeEngine) {
        let metrics = engine.metrics
        metrics.onScrape {
            let gauges: NodeStore.Gauges
            do {
                gauges = try await engine.store.gauges()
            } catch {
                // The gauges keep their last values; the scrape still answers with the counters.
                engine.logger.warning("cannot read the node's gauges for /metrics", metadata: ["xietong.error": "\(error)"])
                return
            }
            let now = engine.clock.now()
            metrics.queue("outbox", depth: gauges.outbox, oldest: gauges.oldestOutbox, now: now)
            metrics.queue("inbox", depth: gauges.inbox, oldest: gauges.oldestInbox, now: now)
            metrics.evidence(leaves: gauges.evidenceLeaves, lastHead: gauges.lastHeadAt, now: now)
            let exchange = engine.exchange.snapshot
            if exchange.state != .off {
                metrics.set(.exchangeUp, to: exchange.state == .running ? 1 : 0)
                metrics.set(.exchangeLag, to: Double(exchange.lag))
            }
        }
    }

    /// What `/readyz` checks on a node: its database and disks, that the hub answers, and that its feed is read.
    static func readiness(_ engine: NodeEngine, database: any SQLDatabase) -> [ReadinessCheck] {
        [
            .database(database), .disk(engine.reserve),
            ReadinessCheck("hub") {
                engine.hub.link.isDown ? (false, "does not answer \(engine.configuration.hub.url)") : (true, "answers")
            },
            ReadinessCheck("feed") {
                // A long poll begins or answers at least every 20 s while the hub is up.
                guard let last = engine.hub.link.lastFeedMovement else { return (true, "not read yet") }
                let age = engine.clock.now().timeIntervalSince(last)
                return age > HubLink.feedStalledAfter ? (false, "no answer for \(Int(age)) s") : (true, "answered \(Int(age)) s ago")
            },
        ]
    }
}
