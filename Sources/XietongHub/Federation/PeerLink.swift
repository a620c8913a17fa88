import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// This hub's side of a link to a peer hub (issue 23): reads the peer's link feed for this hub, as a node reads its
/// own, and applies each entry.
///
/// - A package is fetched with its attachments, checked against the hash the peer recorded, then taken in as a
///   node's package is (quality, flow, the sender's signature), with the step it answers as the peer knows it. Its
///   hops here (received, coded, forwarded) go back to the peer through this hub's link feed for it; a refusal goes
///   back the same way, with its findings, and the peer passes it to the sender.
/// - A hop the peer recorded is recorded here too (`HubStore.record`, reported by the link) and passed to the sender.
/// - A signed tree head of the peer's evidence log is checked against the last one kept (`TreeHeadCheck`); one that
///   fails raises the link's evidence alarm and the last good head stays.
///
/// The cursor moves after a page is applied. After a crash the page is read again: taking a package in and recording
/// a hop are idempotent by package id, so nothing is lost and nothing is taken twice (GZ-1, GZ-7). While the peer does
/// not answer, what waits for it stays in its link feed here, and what waits for this hub in the peer's.
struct PeerLink: NamedService {
    let peer: Federation.Peer
    let client: HubClient
    let intake: PackageIntake
    let store: HubStore
    let blobs: BlobStore
    /// The platform's trust store, with the peer's CA (the peer's tree heads are signed by its certificate).
    let trust: TrustStore?
    /// The witnesses of the peer's log whose countersignatures a head needs before this hub keeps it (issue 23).
    let witnesses: WitnessPolicy?
    let loop: WorkerLoop
    let metrics: ServiceMetrics
    let logger: Logger

    var description: String { "PeerLink(\(self.peer.name))" }

    var feed: String { Federation.linkFeed(self.peer.name) }

    func run() async throws {
        let kept = try? await self.store.peerLink(self.peer.name)
        var cursor = kept?.cursor ?? 0
        // The peer's run that wrote the entry at the cursor: a peer restored from an older copy no longer holds it, and
        // says so (issue 19's feed lineage, as for nodes).
        var boot = kept?.boot
        var failures = 0
        await self.loop.run { now in
            do {
                let (after, known) = (cursor, boot.map { [$0] } ?? [])
                let page = try await cancelWhenGracefulShutdown { try await self.client.feed(after: after, boots: known, wait: 20) }
                let entries: [FeedEntry]
                switch page {
                case .entries(let read): entries = read
                case .diverged(let runs):
                    cursor = self.resume(after: cursor, boot: boot, runs: runs)
                    try await self.store.movePeerCursor(self.peer.name, to: cursor, boot: nil, answeredAt: Timestamp.string(now))
                    return .again
                }
                var index = 0
                while index < entries.count {
                    // A run of hops is recorded in one transaction.
                    let events = entries[index...].prefix { $0.kind == .event }
                    if !events.isEmpty {
                        _ = try await self.store.record(events.compactMap(\.event), reportedBy: self.feed)
                        index += events.count
                        continue
                    }
                    // A run of packages of one sender is taken in together: one transaction, as a node's lane sends.
                    let deliveries = entries[index...].prefix { $0.delivery?.sender == entries[index].delivery?.sender }.prefix(64)
                    if let first = deliveries.first?.delivery {
                        try await self.take(deliveries.compactMap(\.delivery), from: first.sender)
                        index += deliveries.count
                        continue
                    }
                    let entry = entries[index]
                    if let head = entry.treeHead {
                        try await self.check(head)
                    }
                    // A reminder is never queued for a peer: each hub reminds its own agencies.
                    index += 1
                }
                if let last = entries.last {
                    cursor = last.seq
                    boot = last.boot ?? boot
                }
                try await self.checkWitnessed()
                try await self.store.movePeerCursor(self.peer.name, to: cursor, boot: boot, answeredAt: Timestamp.string(self.loop.clock.now()))
                if failures > 0 {
                    self.logger.notice("the link to the peer hub works again 与对端中心平台的链路已恢复", metadata: ["xietong.peer": "\(self.peer.name)"])
                }
                failures = 0
                return .again
            } catch {
                // A shutdown cancels the long poll (the client reports it as its own failure): no retry, no warning.
                if Task.isCancelled || Task.isShuttingDownGracefully { return .stop }
                failures += 1
                if failures % 10 == 1 {
                    self.logger.warning(
                        "cannot read the peer hub's link feed; retrying 无法读取对端中心平台的链路队列，稍后重试",
                        metadata: ["xietong.peer": "\(self.peer.name)", "xietong.error": "\(error)"]
                    )
                }
                self.metrics.count(.retries, [("queue", "link"), ("reason", "peer")])
                return .sleep(.milliseconds(min(100 << min(failures, 6), 5000)))
            }
        }
    }

    /// Where to read on after the peer answered that it no longer holds the entry at `cursor`: it was restored from an
    /// older copy. After the last position of the run that wrote that entry, if the peer still holds part of it;
    /// otherwise from the start, which is safe, as taking a package in and recording a hop are idempotent.
    func resume(after cursor: Int, boot: String?, runs: [FeedRun]) -> Int {
        let resume = runs.first { $0.boot == boot }.map { min($0.last, cursor) } ?? 0
        self.logger.error(
            "the peer hub no longer holds what this hub read of its link feed: was it restored from an older copy? Reading it again 对端中心平台可能已从较早的备份恢复，重新读取链路队列",
            metadata: ["xietong.peer": "\(self.peer.name)", "xietong.cursor": "\(cursor)", "xietong.resumed_after": "\(resume)"]
        )
        return resume
    }

    /// A package the peer handed over, fetched and checked against the hash the peer recorded.
    enum Fetched {
        case ready(Delivery, [UInt8])
        case refused(Delivery, Finding)
        /// Not the peer's to hand over: nothing is recorded under the ids it names (they may be anyone's).
        case misrouted(Delivery, LocalizedText)
    }

    /// A delivery the peer should not have handed over (its sender is not one the peer serves, or the receiver is the
    /// peer's own): logged as an error naming the link, counted, and passed over; nothing is recorded under the
    /// package id or the organisations it names, which the peer chose.
    func misrouted(_ delivery: Delivery, _ problem: LocalizedText) {
        self.logger.error(
            "the peer hub handed over a package that is not its to hand over; passed over 对端中心平台转来不应由其转交的数据包，已忽略",
            metadata: ["xietong.peer": "\(self.peer.name)", "xietong.package": "\(delivery.packageId)", "xietong.problem": "\(problem.en)"]
        )
        self.metrics.count(.packages, [("hop", "link"), ("outcome", "refused"), ("code", FindingCode.wrongLink.rawValue)])
    }

    /// Takes in packages of one sender the peer handed over, in order: each fetched and checked, then those that
    /// passed taken in together (checked again, stored and forwarded here in one transaction); a refusal goes back to
    /// the peer with its findings.
    func take(_ deliveries: [Delivery], from sender: String) async throws {
        var ready: [(Delivery, [UInt8])] = []
        // Taken in before (a page read again after a crash, or after the peer was restored): done, whatever a check
        // would say of it now (a signer's certificate expired since, say). One question for the run.
        let missing = Set(try await self.store.missingPackages(deliveries.map(\.packageId), organisation: sender))
        for delivery in deliveries where missing.contains(delivery.packageId) {
            switch try await self.fetch(delivery) {
            case .ready(let delivery, let content): ready.append((delivery, content))
            case .refused(let delivery, let finding): try await self.refuse(delivery, finding)
            case .misrouted(let delivery, let problem): self.misrouted(delivery, problem)
            }
        }
        guard !ready.isEmpty else { return }
        let outcomes = try await self.intake.receive(
            batch: ready.map(\.1),
            signatures: ready.map(\.0.signature),
            traceparents: ready.map(\.0.traceparent),
            answering: ready.map(\.0.answering),
            linkCodes: ready.map(\.0.unifiedCaseCode),
            from: sender
        ) { "/v1/packages/\($0)" }
        for ((delivery, _), outcome) in zip(ready, outcomes) {
            switch outcome {
            case .receipt(let receipt, _) where receipt.status == .accepted && receipt.packageId == delivery.packageId:
                self.metrics.count(.packages, [("hop", "link"), ("outcome", "received"), ("code", "none")])
            case .receipt(let receipt, _) where receipt.status == .accepted:
                // The first send of the same idempotency key won here: this package is not the one accepted.
                try await self.refuse(
                    delivery,
                    Finding(
                        .duplicatePackage,
                        at: "/CasePackage/Envelope/IdempotencyKey",
                        zh: "幂等键已用于数据包 \(receipt.packageId)",
                        en: "the idempotency key was already used for the package \(receipt.packageId)"
                    )
                )
            case .receipt(let receipt, _):
                // Refused for its quality or its flow (recorded, and the refusal already queued back), or for its
                // signature (recorded now): the peer learns it either way, with the findings.
                try await self.refuse(delivery, findings: receipt.findings, at: receipt.receivedAt)
            case .unreadable(let findings):
                try await self.refuse(delivery, findings: findings, at: Timestamp.string(self.loop.clock.now()))
            case .wrongSender(let claimed):
                // The envelope names another sender than the peer's delivery does.
                self.misrouted(
                    delivery,
                    LocalizedText(
                        zh: "数据包的发送方 \(claimed) 与对端中心平台所记录的 \(delivery.sender) 不符",
                        en: "the package's sender \(claimed) is not the one the peer hub recorded (\(delivery.sender))"
                    )
                )
            }
        }
    }

    /// Fetches a package the peer handed over, with its attachments, and checks it against what the peer recorded.
    func fetch(_ delivery: Delivery) async throws -> Fetched {
        guard self.peer.organisations.contains(delivery.sender), self.store.flows.federation.peer(serving: delivery.receiver) != self.peer
        else {
            return .misrouted(
                delivery,
                LocalizedText(
                    zh: "对端中心平台 \(self.peer.name) 不服务发送方 \(delivery.sender)，或接收方 \(delivery.receiver) 由其自身服务",
                    en:
                        "the peer hub \(self.peer.name) does not serve the sender \(delivery.sender), or serves the receiver \(delivery.receiver) itself"
                )
            )
        }
        let fetched: HubClient.DeliveredContent
        do {
            fetched = try await self.client.content(of: delivery, hub: HubClient.peerHub)
        } catch {
            // A definitive answer (the peer refuses or lacks it) refuses the package; anything else is tried again.
            guard error.isPermanent else { throw error }
            return .refused(
                delivery,
                Finding(
                    .attachmentUnavailable,
                    at: "/",
                    zh: "无法从对端中心平台取得数据包内容：\(error.message)",
                    en: "the package's bytes could not be fetched from the peer hub: \(error.message)"
                )
            )
        }
        switch fetched {
        case .mismatch(let finding):
            return .refused(delivery, finding)
        case .content(let content):
            if let finding = try await self.client.attachments(of: delivery, into: self.blobs, hub: HubClient.peerHub) {
                return .refused(delivery, finding)
            }
            return .ready(delivery, content)
        }
    }

    func refuse(_ delivery: Delivery, _ finding: Finding) async throws {
        try await self.refuse(delivery, findings: [finding], at: Timestamp.string(self.loop.clock.now()))
    }

    /// Records the refusal of a package the peer handed over; the `refused` hop goes back to the peer, which records
    /// it and passes it to the sender (ZJ-7.2.6). Recording it again changes nothing.
    func refuse(_ delivery: Delivery, findings: [Finding], at instant: String) async throws {
        let code = findings.first { $0.severity == .error }?.code.rawValue ?? "none"
        self.logger.warning(
            "refused a package the peer hub handed over 拒收对端中心平台转来的数据包",
            metadata: ["xietong.peer": "\(self.peer.name)", "xietong.package": "\(delivery.packageId)", "xietong.finding": "\(code)"]
        )
        self.metrics.count(.packages, [("hop", "link"), ("outcome", "refused"), ("code", code)])
        try await self.store.refuse(
            packageId: delivery.packageId,
            sender: delivery.sender,
            receiver: delivery.receiver,
            idempotencyKey: nil,
            receipt: Receipt(packageId: delivery.packageId, status: .refused, receivedAt: instant, findings: findings)
        )
    }

    /// Checks the peer's signed tree head against the last one kept of it: kept when it extends it, an alarm when not.
    /// With witnesses of the peer's log required, the head checked is the newest one enough of them countersigned
    /// (`checkWitnessed`, after every page), and the arriving head is passed over.
    func check(_ head: Evidence.TreeHead) async throws {
        guard self.witnesses == nil else { return }
        // A head signed before the one kept is an old entry read again (after the peer was restored): not a shrink.
        if let kept = try await self.store.peerLink(self.peer.name).treeHead, head.timestamp <= kept.timestamp { return }
        try await self.keepIfConsistent(head)
    }

    /// With witnesses required (issue 23): the peer's newest countersigned head, checked and kept when newer.
    func checkWitnessed() async throws {
        guard let witnesses = self.witnesses else { return }
        let client = self.client
        let last = try await self.store.peerLink(self.peer.name).treeHead
        let cosigned = try await witnesses.headToCheck(after: last) { () throws(HubClient.Failure) in
            try await client.cosignedTreeHead(witnesses: witnesses.required)
        }
        guard let cosigned, witnesses.problem(cosigned) == nil else { return }
        try await self.keepIfConsistent(cosigned)
    }

    func keepIfConsistent(_ head: Evidence.TreeHead) async throws {
        let last = try await self.store.peerLink(self.peer.name).treeHead
        let client = self.client
        let problem = try await TreeHeadCheck.problem(head, after: last, trust: self.trust, hub: self.peer.hub) {
            (first, second) throws(HubClient.Failure) in try await client.consistencyProof(from: first, to: second)
        }
        guard let problem else { return try await self.store.keepPeerHead(self.peer.name, head) }
        self.logger.error(
            "evidence log alarm: the peer hub's log does not extend the head kept of it 对端中心平台证据日志告警",
            metadata: ["xietong.peer": "\(self.peer.name)", "xietong.tree_size": "\(head.treeSize)", "xietong.problem": "\(problem.en)"]
        )
        try await self.store.raisePeerAlarm(self.peer.name, problem, at: Timestamp.string(self.loop.clock.now()))
    }
}
