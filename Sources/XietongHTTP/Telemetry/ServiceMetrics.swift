public import CoreMetrics
public import Foundation
import Metrics
public import Prometheus
import Synchronization
import XietongCore
public import XietongStore

/// The metrics a hub or a node shows at `GET /metrics`, in Prometheus's text format (issue 22, item 1).
///
/// Components record through swift-metrics (`Counter`, `Timer`, `Gauge`), backed by swift-prometheus. Each service
/// has a registry of its own instead of the process-wide `MetricsSystem`: the demo and the tests run a hub and several
/// nodes in one process, and each must show only its own figures. What is a state rather than an event (queue depths,
/// open time limits, free space) is read from the store when scraped, by the collectors added with `onScrape`.
///
/// Names follow OpenTelemetry's conventions as Prometheus writes them (dots as underscores, the unit as a suffix);
/// labels take few values each: never a package id or a case code. `MetricName` lists them all, and
/// docs/monitoring/ documents them, with the dashboard and the alert rules that use them.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let collectors = Mutex<[@Sendable () async -> Void]>([])
    /// The counters and timers made so far, by name and labels: a hot path (every request, every package) records
    /// into a handle it finds here instead of making one each time.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])

    /// Buckets for hop and request durations: from a millisecond to ten minutes (a package waiting out a hub outage
    /// is still one observation, in the last buckets).
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(300), .seconds(600),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.registry = registry
        self.factory = factory
    }

    public func counter(_ name: MetricName, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
        Counter(label: name.rawValue, dimensions: labels, factory: self.factory)
    }

    /// A histogram of durations, in seconds.
    public func timer(_ name: MetricName, _ labels: [(String, String)] = []) -> CoreMetrics.Timer {
        Timer(label: name.rawValue, dimensions: labels, preferredDisplayUnit: .seconds, factory: self.factory)
    }

    public func gauge(_ name: MetricName, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        Gauge(label: name.rawValue, dimensions: labels, factory: self.factory)
    }

    /// Adds to a counter.
    public func count(_ name: MetricName, _ labels: [(String, String)] = [], by amount: Int64 = 1) {
        Self.handle(in: self.counters, Self.key(name, labels)) { self.counter(name, labels) }.increment(by: amount)
    }

    /// The handle kept under `key`, made by `make` the first time.
    static func handle<Handle>(in handles: borrowing Mutex<[String: Handle]>, _ key: String, _ make: () -> Handle) -> Handle {
        handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }

    static func key(_ name: MetricName, _ labels: [(String, String)]) -> String {
        labels.reduce(into: name.rawValue) { key, label in key += "\u{1}\(label.0)\u{2}\(label.1)" }
    }

    /// Sets a gauge.
    public func set(_ name: MetricName, _ labels: [(String, String)] = [], to value: Double) {
        self.gauge(name, labels).record(value)
    }

    /// Records a duration in a histogram.
    public func observe(_ name: MetricName, _ labels: [(String, String)] = [], _ duration: Duration) {
        Self.handle(in: self.timers, Self.key(name, labels)) { self.timer(name, labels) }.record(duration: duration)
    }

    /// Adds work done before each scrape: setting the gauges that describe the store's state.
    public func onScrape(_ collect: @escaping @Sendable () async -> Void) {
        self.collectors.withLock { $0.append(collect) }
    }

    /// The text `GET /metrics` answers: the collectors run first, so that every gauge is current; when they take
    /// longer than 5 s (a database that does not answer) the gauges keep their last values and the scrape answers.
    public func exposition() async -> [UInt8] {
        let collectors = self.collectors.withLock { $0 }
        _ = await Bounded.value(within: .seconds(5), otherwise: false) {
            for collect in collectors { await collect() }
            return true
        }
        return self.registry.emitToBuffer()
    }
}

/// Every metric's name, in one place (docs/monitoring/README.md describes each; the dashboard and the alert rules
/// use them). A name always comes with the same label names: the Prometheus registry refuses a second set.
public enum MetricName: String, Sendable, CaseIterable {
    /// Counter. Packages at each hop by outcome: labels `hop` (submit, forward, intake, receive, deliver, alert),
    /// `outcome` (accepted, refused, repeated, forwarded, received, delivered, alerted) and `code` (the refusal's
    /// finding code; for `alert` the hop awaited; else `none`).
    case packages = "xietong_packages_total"
    /// Histogram (s). Time a package spent at a hop: label `hop` (forward: outbox to the hub's receipt; deliver: inbox to
    /// the business system).
    case hopDuration = "xietong_package_hop_duration_seconds"
    /// Histogram (s). From the package's creation by the sending business system (its CreatedAt) to its delivery to
    /// (or its taking by) the receiving business system, on the receiving node's clock.
    case endToEndDuration = "xietong_package_end_to_end_duration_seconds"
    /// Gauge. Entries waiting in a queue: label `queue` (node: outbox, inbox; hub: delivery).
    case queueDepth = "xietong_queue_depth"
    /// Gauge (s). Age of a queue's oldest entry; 0 when empty: label `queue`.
    case queueOldestAge = "xietong_queue_oldest_age_seconds"
    /// Gauge. Hub: feed entries written for a node that it has not acknowledged yet: label `node` (organisation code).
    case feedLag = "xietong_feed_lag_entries"
    /// Counter. Attempts that failed and will be tried again: labels `queue` (outbox, delivery) and `reason`.
    case retries = "xietong_retries_total"
    /// Counter (bytes). Dossier files (attachments) moved: label `direction` (in, out).
    case dossierBytes = "xietong_dossier_bytes_total"
    /// Gauge (bytes). Free space on the disks of the data and the blob folders: label `folder` (data, blobs).
    case diskFree = "xietong_disk_free_bytes"
    /// Gauge (bytes). The free-space reserve below which new work is refused.
    case diskReserve = "xietong_disk_reserve_bytes"
    /// Gauge. Leaves in the evidence log (hub), or in the newest signed head the node holds.
    case evidenceLeaves = "xietong_evidence_log_leaves"
    /// Gauge (s). Age of the newest signed tree head; -1 before the first.
    case evidenceHeadAge = "xietong_evidence_head_age_seconds"
    /// Gauge. Hub: statutory time limits not yet met: labels `agency` (organisation code), `custody` (yes: a limit on
    /// holding a person, no: any other) and `state` (open, due_soon, overdue); `open` counts them all.
    case timeLimits = "xietong_time_limits"
    /// Counter. TLS handshakes refused: label `reason` (revoked, expired, unknown_ca, unknown_node,
    /// wrong_organisation, unreadable, other).
    case tlsRefusals = "xietong_tls_handshake_refusals_total"
    /// Histogram (s). Time of each database commit.
    case commitDuration = "xietong_db_commit_duration_seconds"
    /// Histogram (s). HTTP requests served: labels `http_request_method`, `http_route` (the route's pattern, never
    /// the path's values) and `http_response_status_code` (OpenTelemetry's `http.server.request.duration`).
    case httpRequestDuration = "http_server_request_duration_seconds"
    /// Gauge. Hub: packages waiting in this hub's link feed for a peer hub (issue 23): label `peer` (the link's name).
    case linkQueueDepth = "xietong_link_queue_depth"
    /// Gauge (s). Hub: age of the oldest package waiting for a peer hub; 0 when none: label `peer`.
    case linkOldestAge = "xietong_link_oldest_age_seconds"
    /// Gauge (s). Hub: the link's alert threshold (`linkAlertAfterSeconds`), beside its oldest package's age for the
    /// alert rule `XietongLinkStuck`: label `peer`.
    case linkAlertAfter = "xietong_link_alert_after_seconds"
    /// Gauge. Hub: 1 while the link works both ways (the peer reads this hub's link feed and answers this hub's reads
    /// of its own, each within 90 s), else 0: label `peer`.
    case linkUp = "xietong_link_up"
    /// Gauge. Hub: 1 while the peer hub's evidence log failed this hub's check (a rewrite or a fork), else 0.
    case linkEvidenceAlarm = "xietong_link_evidence_alarm"
    /// Gauge. Node: the exchange database connector's state (issue 24): 1 while connected with its tables matching
    /// the layout, 0 while it cannot connect or a schema change stopped it; absent without a connector.
    case exchangeUp = "xietong_exchange_db_up"
    /// Gauge. Node: rows in the exchange database's outbound table not read yet.
    case exchangeLag = "xietong_exchange_db_lag_rows"
    /// Counter. Node: outbound rows taken from the exchange database: label `outcome` (accepted, refused, repeat).
    case exchangeRows = "xietong_exchange_db_rows_total"
    /// Counter. Node: the exchange database connector's alarms: label `kind` (brokenIncrement, schemaChanged).
    case exchangeAlarms = "xietong_exchange_db_alarms_total"
    /// Gauge, always 1: labels `version` and `role` (hub, node).
    case buildInfo = "xietong_build_info"
}

extension ServiceMetrics {
    /// What every service shows: its version, each commit's duration, and its disks' free space against the reserve.
    public func standard(role: String, database: any SQLDatabase, reserve: DiskReserve) {
        self.gauge(.buildInfo, [("version", XietongVersion.version), ("role", role)]).record(1)
        let commits = self.timer(.commitDuration)
        database.commits.onCommit { commits.record(duration: $0) }
        self.onScrape {
            // The data folder first, then the blob store's (`ServiceSettings.diskReserve`).
            for (index, status) in reserve.status().enumerated() {
                self.gauge(.diskFree, [("folder", index == 0 ? "data" : "blobs")]).record(status.freeBytes ?? 0)
            }
            self.gauge(.diskReserve).record(reserve.reserveBytes)
        }
    }

    /// Sets a queue's depth and its oldest entry's age in seconds at `now` (0 when empty).
    public func queue(_ name: String, depth: Int, oldest: Date?, now: Date) {
        self.gauge(.queueDepth, [("queue", name)]).record(depth)
        self.gauge(.queueOldestAge, [("queue", name)]).record(oldest.map { max(now.timeIntervalSince($0), 0) } ?? 0)
    }

    /// Sets the evidence gauges: the log's size and the age of its newest signed head (-1 before the first).
    public func evidence(leaves: Int, lastHead: Date?, now: Date) {
        self.gauge(.evidenceLeaves).record(leaves)
        self.gauge(.evidenceHeadAge).record(lastHead.map { max(now.timeIntervalSince($0), 0) } ?? -1)
    }
}
