import Foundation
import Logging
import Synchronization
import XietongCore
import XietongHTTP
import XietongStore

/// The hub's gauges (issue 22, item 1), read at each scrape: the delivery queue, each node's feed lag (as the
/// administration page shows it: entries written for the node beyond the last it read), the evidence log, and the
/// time limits not yet met per agency.
enum HubMetrics {
    static func install(
        _ metrics: ServiceMetrics,
        store: HubStore,
        overview: NodeOverview,
        links: LinkOverview,
        dueSoonDays: Int,
        logger: Logger
    ) {
        let agencies = Agencies()
        metrics.onScrape {
            let gauges: HubStore.Gauges
            let nodes: [NodeOverview.NodeView]
            let linkViews: [LinkOverview.LinkView]
            do {
                gauges = try await store.gauges(dueSoonDays: dueSoonDays)
                nodes = try await overview.views()
                linkViews = try await links.views()
            } catch {
                // The gauges keep their last values; the scrape still answers with the counters.
                logger.warning("cannot read the hub's gauges for /metrics", metadata: ["xietong.error": "\(error)"])
                return
            }
            let now = store.clock.now()
            metrics.queue("delivery", depth: gauges.undelivered, oldest: gauges.oldestUndelivered, now: now)
            for node in nodes { metrics.set(.feedLag, [("node", node.organisation)], to: Double(node.queued)) }
            // The links to peer hubs (issue 23).
            for link in linkViews {
                let peer = [("peer", link.name)]
                metrics.set(.linkQueueDepth, peer, to: Double(link.waiting))
                metrics.set(.linkOldestAge, peer, to: link.oldestWaitingSeconds)
                metrics.set(.linkAlertAfter, peer, to: links.alertAfter)
                metrics.set(.linkUp, peer, to: link.peerReading && link.peerAnswering ? 1 : 0)
                metrics.set(.linkEvidenceAlarm, peer, to: link.evidenceAlarm == nil ? 0 : 1)
            }
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
