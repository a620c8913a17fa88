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
            // Every agency that has had limits keeps its series, at 0 once all are met, custody and other apart.
            var counts: [String: (open: Int, dueSoon: Int, overdue: Int)] = [:]
            for limit in gauges.limits { counts["\(limit.agency) \(limit.custody)"] = (limit.open, limit.dueSoon, limit.overdue) }
            for agency in agencies.adding(Set(gauges.limits.map(\.agency))) {
                for custody in [true, false] {
                    let count = counts["\(agency) \(custody)"] ?? (0, 0, 0)
                    for (state, value) in [("open", count.open), ("due_soon", count.dueSoon), ("overdue", count.overdue)] {
                        metrics.set(
                            .timeLimits,
                            [("agency", agency), ("custody", custody ? "yes" : "no"), ("state", state)],
                            to: Double(value)
                        )
                    }
                }
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
