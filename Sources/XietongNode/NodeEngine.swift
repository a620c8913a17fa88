public import AsyncHTTPClient
import Foundation
public import Logging
import ServiceLifecycle
public import XietongCore
public import XietongHTTP
public import XietongStore
public import XietongTrust

/// What the node's HTTP interface and its background services share.
public struct NodeEngine: Sendable {
    public let configuration: NodeConfiguration
    public let store: NodeStore
    public let blobs: BlobStore
    public let hub: HubClient
    public let checker: QualityChecker
    public let notifier: ChangeNotifier
    public let broadcaster: EventBroadcaster
    public let retry: RetryPolicy
    public let httpClient: HTTPClient
    /// With mutual TLS (issue 6): the node's certificate and key, which sign what it sends, and the trust store that
    /// checks what it receives.
    public let identity: Identity?
    public let logger: Logger
    /// The node's clock: the time its background services work by (the machine's, unless a test sets it).
    public let clock: WallClock
    /// The node's metrics, shown at /metrics (issue 22).
    public let metrics: ServiceMetrics
    /// Each package's trace (issue 22); off unless an OTLP endpoint is configured.
    public let tracing: PackageTracing
    /// The free-space reserve, made once from the configuration (checked on every package and upload).
    let reserve: DiskReserve
    /// The witnesses whose countersignatures a head needs before the node keeps it (issue 23); nil: none required.
    let witnesses: WitnessPolicy?
    /// Resumable uploads being appended to by a request right now.
    let uploads = UploadsInProgress()
    /// The exchange database connector's state (issue 24); `.off` without one.
    let exchange = ExchangeConnection()
    /// Checks the seals of documents (issue 26).
    let seals = SealChecks()

    /// Names of the things background services wait for.
    enum Signal {
        static func outbox(_ lane: Int) -> String { "outbox-\(lane)" }
        /// The delivery worker of a package's case: `NodeSchema.bucket(of:)` modulo the delivery lanes, as
        /// `NodeStore.nextUndelivered` picks.
        static func inbox(_ worker: Int) -> String { "inbox-\(worker)" }
        static let reports = "reports"
        /// The feed found the hub restored from an older copy: HubRestoreCheck checks this node's packages (issue 19).
        static let restore = "restore"
    }

    /// The lane of a case: the same case always goes through the same lane, so its messages stay in order.
    public static func lane(for package: CasePackage, lanes: Int) -> Int {
        let key = package.envelope.unifiedCaseCode ?? package.envelope.agencyCaseNumber
        return Int(ContentHash.fnv1a(key) % UInt64(max(lanes, 1)))
    }

    public enum SendOutcome: Sendable {
        case accepted(Receipt, repeated: Bool)
        case refused(Receipt)
    }

    /// Accepts a package from the business system (ZJ-7.2.1, ZJ-7.2.3 a): checks it against the rules, refuses it
    /// with the findings, or queues it durably and answers with a receipt at once. A resend is answered with the
    /// original receipt (GZ-7).
    public func send(_ bytes: [UInt8], trace: PackageSpan? = nil) async throws -> SendOutcome {
        let check = self.tracing.start("xietong.node.check", packageId: nil, under: trace)
        let report = OutboundCheck(checker: self.checker, organisation: self.configuration.organisation)
            .check(bytes, attachments: BlobAttachmentResolver(store: self.blobs))
        if let packageId = report.package?.envelope.packageId {
            check?.set(PackageTracing.packageAttribute, packageId)
            trace?.set(PackageTracing.packageAttribute, packageId)
        }
        check?.set("xietong.findings", String(report.findings.count))
        check.end()
        guard let package = report.package else {
            self.countSubmit(refusedBy: report.findings)
            return .refused(Receipt(packageId: "", status: .refused, findings: report.findings))
        }
        let envelope = package.envelope
        if let earlier = try await self.store.existingReceipt(idempotencyKey: envelope.idempotencyKey, packageId: envelope.packageId) {
            if earlier.receipt.packageId == envelope.packageId && earlier.sameContent != bytes {
                let finding = Finding(
                    .duplicatePackage,
                    at: "/CasePackage/Envelope/PackageId",
                    zh: "数据包编号 \(envelope.packageId) 已被另一内容不同的数据包使用",
                    en: "the package id \(envelope.packageId) was already used by a package with different content"
                )
                self.countSubmit(refusedBy: [finding])
                return .refused(Receipt(packageId: envelope.packageId, status: .refused, findings: [finding]))
            }
            return .accepted(earlier.receipt, repeated: true)
        }
        let findings = report.findings
        guard !findings.contains(where: { $0.severity == .error }) else {
            self.logger.info("package refused at the sender", metadata: ["xietong.package": "\(envelope.packageId)"])
            self.countSubmit(refusedBy: findings)
            return .refused(Receipt(packageId: envelope.packageId, status: .refused, findings: findings))
        }
        let receipt = Receipt(
            packageId: envelope.packageId,
            status: .accepted,
            unifiedCaseCode: envelope.unifiedCaseCode,
            findings: findings,
            statusURL: "/api/v1/packages/\(envelope.packageId)"
        )
        // Below the free-space reserve a new package is refused (507) while what was accepted drains (issue 19).
        try self.reserve.check()
        let lane = Self.lane(for: package, lanes: self.configuration.lanes)
        // The outbox's span: its context is stored with the package, and the forward to the hub continues it.
        let outbox = self.tracing.start("xietong.node.outbox", packageId: envelope.packageId, under: trace)
        let stored: Receipt
        let recorded: NodeStore.Recorded
        do {
            (stored, recorded) = try await self.store.enqueue(package, content: bytes, lane: lane, receipt: receipt, traceparent: outbox.traceparent)
            outbox.end()
        } catch {
            outbox.end(error: error)
            throw error
        }
        if !recorded.isEmpty { await self.notifier.notify(Signal.outbox(lane)) }
        await self.announce(recorded)
        let repeated = stored.receivedAt != receipt.receivedAt
        if !repeated { self.metrics.count(.packages, [("hop", "submit"), ("outcome", "accepted"), ("code", "none")]) }
        return .accepted(stored, repeated: repeated)
    }

    /// Counts a package the node refused from its business system, by the first error's code.
    func countSubmit(refusedBy findings: [Finding]) {
        let code = findings.first { $0.severity == .error }?.code.rawValue ?? "none"
        self.metrics.count(.packages, [("hop", "submit"), ("outcome", "refused"), ("code", code)])
    }

    /// Counts a package delivered to (or taken by) the business system, and how long it waited in the inbox and since
    /// the hub accepted it.
    func countDelivered(_ item: NodeStore.InboxItem) {
        let now = self.clock.now()
        self.metrics.count(.packages, [("hop", "deliver"), ("outcome", "delivered"), ("code", "none")])
        if let stored = Timestamp.date(item.storedAt) {
            self.metrics.observe(.hopDuration, [("hop", "deliver")], .seconds(max(now.timeIntervalSince(stored), 0)))
        }
        // End to end: from the sending business system's CreatedAt (the hub's acceptance from hubs that do not pass it).
        if let created = Timestamp.date(item.delivery.createdAt ?? item.delivery.acceptedAt) {
            self.metrics.observe(.endToEndDuration, [], .seconds(max(now.timeIntervalSince(created), 0)))
        }
    }

    /// The signal's version now: read it before looking at the store, and give it to the loop's `.wait`, so that work
    /// stored in between wakes the wait at once instead of being found only when it times out.
    func version(of signal: String) async -> Int {
        await self.notifier.version(of: signal)
    }

    /// The loop of the node's background services, on the node's clock, waiting on its signals.
    var loop: WorkerLoop { WorkerLoop(clock: self.clock, notifier: self.notifier) }

    /// What a worker that talks to the hub does while the hub does not answer: waits (up to a probe's interval, or
    /// its return) instead of sending; only HubWatch's probe tries it then. Requests sent meanwhile would each wait for
    /// a connection until they time out, and hold their loop when the hub returns (issue 19). Nil while it answers.
    var whileTheHubIsDown: WorkerLoop.Next? {
        self.hub.link.isDown ? .wait(for: HubLink.returned, upTo: .seconds(HubWatch.probeInterval)) : nil
    }

    /// Publishes to the WebSocket subscribers exactly the hops a store change wrote, and wakes the reporter when it
    /// owes the hub reports of them: the one place a recorded hop is announced (issue 21, item 2).
    func announce(_ recorded: NodeStore.Recorded) async {
        for event in recorded.events { await self.broadcaster.publish(event) }
        if recorded.reportsOwed { await self.notifier.notify(Signal.reports) }
    }

    func later(_ seconds: TimeInterval) -> String { Timestamp.string(self.clock.now().addingTimeInterval(seconds)) }

    /// Wakes the delivery workers of these cases only (each case has one; waking all of them for every package made
    /// each look at the store for nothing).
    func notifyDelivery(ofCases caseCodes: [String]) async {
        let workers = max(self.configuration.deliveryLanes, 1)
        for worker in Set(caseCodes.map { NodeSchema.bucket(of: $0) % workers }) {
            await self.notifier.notify(Signal.inbox(worker))
        }
    }
}
