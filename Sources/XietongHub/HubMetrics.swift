import Foundation
import Synchronization
import XietongCore
import XietongHTTP
import XietongStore

/// The hub's gauges (issue 22, item 1), read from its store at each scrape: the delivery queue, each node's feed lag,
/// the evidence log, and the time limits not yet met per agency.
enum HubMetrics {
    static func install(_ metrics: ServiceMetrics, store: HubStore, dueSoonDays: Int, nodes: [String]) {
        let agencies = Agencies()
        metrics.onScrape {
            guard let gauges = try? await store.gauges(dueSoonDays: dueSoonDays) else { return }
            let now = store.clock.now()
            metrics.queue("delivery", depth: gauges.undelivered, oldest: gauges.oldestUndelivered, now: now)
            // Every configured node has a series from the start (0 before it first reads its feed).
            var lag = Dictionary(uniqueKeysWithValues: nodes.map { ($0, 0) })
            for entry in gauges.feedLag { lag[entry.node] = entry.entries }
            for (node, entries) in lag { metrics.set(.feedLag, [("node", node)], to: Double(entries)) }
            metrics.evidence(leaves: gauges.evidenceLeaves, lastHead: gauges.lastHeadSignedAt, now: now)
            // An agency whose limits were all met keeps its series, at 0, once it has had one.
            for limit in gauges.limits {
                metrics.set(.timeLimits, [("agency", limit.agency), ("state", "open")], to: Double(limit.open))
                metrics.set(.timeLimits, [("agency", limit.agency), ("state", "due_soon")], to: Double(limit.dueSoon))
                metrics.set(.timeLimits, [("agency", limit.agency), ("state", "overdue")], to: Double(limit.overdue))
            }
            let seen = Set(gauges.limits.map(\.agency))
            for agency in agencies.adding(seen) where !seen.contains(agency) {
                for state in ["open", "due_soon", "overdue"] { metrics.set(.timeLimits, [("agency", agency), ("state", state)], to: 0) }
            }
        }
    }
}

/// The agencies that have had open time limits since the hub started.
private final class Agencies: Sendable {
    private let known = Mutex<Set<String>>([])

    /// Adds `agencies` and returns all known.
    func adding(_ agencies: Set<String>) -> Set<String> {
        self.known.withLock { known in
            known.formUnion(agencies)
            return known
        }
    }
}
