public import Foundation
public import Logging
public import XietongCore
public import XietongHTTP
public import XietongStore
public import XietongTrust

/// What the hub does with a package a node sends (ZJ-7.2.3, GZ-1): check it again, apply the routing rules, assign
/// the unified code, store the structured data, and queue the original bytes for the receiving node.
public struct PackageIntake: Sendable {
    public let checker: QualityChecker
    public let store: HubStore
    public let blobs: BlobStore
    public let codes: CaseCodeAssigner
    public let notifier: ChangeNotifier
    public let maxPackageAge: TimeInterval
    /// With mutual TLS, every package must carry its sender's signature, checked against the platform CA.
    public let trust: TrustStore?
    public let logger: Logger
    /// Packages accepted and refused, by the refusal's code (issue 22).
    let metrics: ServiceMetrics
    /// Each package's trace (issue 22); off unless an OTLP endpoint is configured.
    let tracing: PackageTracing

    public init(
        checker: QualityChecker,
        store: HubStore,
        blobs: BlobStore,
        codes: CaseCodeAssigner,
        notifier: ChangeNotifier,
        maxPackageAge: TimeInterval,
        trust: TrustStore? = nil,
        metrics: ServiceMetrics,
        tracing: PackageTracing = .off,
        logger: Logger
    ) {
        self.trust = trust
        self.metrics = metrics
        self.tracing = tracing
        self.checker = checker
        self.store = store
        self.blobs = blobs
        self.codes = codes
        self.notifier = notifier
        self.maxPackageAge = maxPackageAge
        self.logger = logger
    }

    public enum Outcome: Sendable {
        /// The receipt, accepted or refused; `repeated` when it answers a resend.
        case receipt(Receipt, repeated: Bool)
        /// The bytes could not be read as a package at all.
        case unreadable([Finding])
        /// The node sent a package of another organisation.
        case wrongSender(String)
    }

    /// A package checked and coded, ready to store; or the final answer already.
    enum Prepared {
        case done(Outcome)
        case ready(HubStore.Accepted)
    }

    public func receive(
        _ bytes: [UInt8],
        signature: PackageSignature? = nil,
        from node: String,
        statusURL: (String) -> String
    ) async throws -> Outcome {
        try await self.receive(batch: [bytes], signatures: [signature], from: node, statusURL: statusURL)[0]
    }

    /// Receives a lane's packages in order: each is checked and coded, then all accepted ones are stored in one
    /// transaction (one commit for the batch). `hopsInReceipt`: the node records the hub's hops from the receipts.
    /// `replays`: per package, the hub's own signed receipt for it from before a restore that lost it, already
    /// verified (issue 19); such a package is stored as first received. `answering`: per package handed over by a
    /// peer hub, the step it answers as that hub knows it, and `linkCodes` the unified code that hub gave it (issue 23).
    public func receive(
        batch: [[UInt8]],
        signatures: [PackageSignature?]? = nil,
        replays: [Receipt?]? = nil,
        traceparents: [String?]? = nil,
        answering: [FlowStep?]? = nil,
        linkCodes: [String?]? = nil,
        from node: String,
        hopsInReceipt: Bool = false,
        statusURL: (String) -> String
    ) async throws -> [Outcome] {
        var prepared: [Prepared] = []
        // Each package's trace goes on here (issue 22): its check and coding, then its storing, which the receiving
        // node continues from the feed entry.
        var storing: [PackageSpan] = []
        for (index, bytes) in batch.enumerated() {
            let signature = signatures.flatMap { index < $0.count ? $0[index] : nil }
            let replay = replays.flatMap { index < $0.count ? $0[index] : nil }
            let traceparent = traceparents.flatMap { index < $0.count ? $0[index] : nil }
            let linkCode = linkCodes.flatMap { index < $0.count ? $0[index] : nil }
            let intake = self.tracing.start("xietong.hub.intake", packageId: nil, continuing: traceparent, kind: .consumer)
            var item: Prepared
            do {
                item = try await self.prepare(bytes, signature: signature, replaying: replay, linkCode: linkCode, from: node)
            } catch {
                intake.end(error: error)
                for span in storing { span.end(error: error) }
                throw error
            }
            // Over a link (issue 23): the step it answers as the peer hub knows it.
            if case .ready(var accepted) = item, let step = answering.flatMap({ index < $0.count ? $0[index] : nil }) {
                accepted.answeringAtPeer = step
                item = .ready(accepted)
            }
            if let intake {
                intake.set("xietong.node", node)
                if case .ready(var accepted) = item {
                    let packageId = accepted.package.envelope.packageId
                    intake.set(PackageTracing.packageAttribute, packageId)
                    if let store = self.tracing.start("xietong.hub.store", packageId: packageId, under: intake) {
                        accepted.traceparent = store.traceparent
                        storing.append(store)
                    }
                    item = .ready(accepted)
                }
                intake.end()
            }
            prepared.append(item)
        }
        let ready = prepared.compactMap { item -> HubStore.Accepted? in
            if case .ready(let accepted) = item { return accepted }
            return nil
        }
        let receipts: [Receipt]
        do {
            receipts = try await self.store.accept(ready.map { ($0, statusURL($0.package.envelope.packageId)) }, hopsInReceipt: hopsInReceipt)
            for span in storing { span.end() }
        } catch {
            for span in storing { span.end(error: error) }
            throw error
        }
        var stored = receipts.makeIterator()
        var outcomes: [Outcome] = []
        for item in prepared {
            switch item {
            case .done(let outcome): outcomes.append(outcome)
            case .ready: outcomes.append(.receipt(stored.next()!, repeated: false))
            }
        }
        for outcome in outcomes { self.count(outcome) }
        // Long polls are woken by the store's commit notification of the feed entries it wrote (FeedRelay), and
        // only by it (issue 21, item 2).
        return outcomes
    }

    /// Counts an outcome in `xietong_packages_total` at the hop `intake`.
    func count(_ outcome: Outcome) {
        let (result, code): (String, String) =
            switch outcome {
            case .receipt(_, repeated: true): ("repeated", "none")
            case .receipt(let receipt, _) where receipt.status == .accepted: ("accepted", "none")
            case .receipt(let receipt, _): ("refused", receipt.findings.first { $0.severity == .error }?.code.rawValue ?? "none")
            case .unreadable(let findings): ("refused", findings.first { $0.severity == .error }?.code.rawValue ?? "unreadable")
            case .wrongSender: ("refused", "sender.mismatch")
            }
        self.metrics.count(.packages, [("hop", "intake"), ("outcome", result), ("code", code)])
    }

    /// The receipt refusing a package, at the hub's time.
    func refusal(_ envelope: CasePackage.Envelope, _ findings: [Finding]) -> Receipt {
        Receipt(packageId: envelope.packageId, status: .refused, receivedAt: self.store.clock.timestamp(), findings: findings)
    }

    /// `linkCode`: for a package a peer hub handed over (issue 23), the unified code the sender's hub gave it; it is
    /// kept (never assigned again here, from this hub's own sequence), and the package's age is the first hub's to judge.
    func prepare(
        _ bytes: [UInt8],
        signature: PackageSignature?,
        replaying original: Receipt? = nil,
        linkCode: String? = nil,
        from node: String
    ) async throws -> Prepared {
        let digest = ContentHash.sha256(bytes)
        let report = self.checker.check(XMLBytes(bytes), attachments: BlobAttachmentResolver(store: self.blobs), now: self.store.clock.now())
        guard let package = report.package else { return .done(.unreadable(report.findings)) }
        let envelope = package.envelope
        guard envelope.sender.organisationCode == node else { return .done(.wrongSender(envelope.sender.organisationCode)) }

        // The sender's signature first: a package altered on its way is refused without being recorded under its
        // id, so that it cannot stand in for the genuine one, which may still arrive (issue 6).
        if let trust = self.trust {
            let problems = await Self.signatureFindings(signature, of: package, content: digest, trust: trust)
            if !problems.isEmpty {
                self.logger.warning(
                    "refused a package whose signature does not verify",
                    metadata: ["xietong.package": "\(envelope.packageId)", "xietong.node": "\(node)", "xietong.finding": "\(problems[0].message.en)"]
                )
                return .done(
                    .receipt(
                        self.refusal(envelope, problems),
                        repeated: false
                    )
                )
            }
        }
        let sent = try await self.store.earlierSends(
            sender: node,
            idempotencyKey: envelope.idempotencyKey,
            packageId: envelope.packageId,
            similarityKey: DuplicateIndex.similarityKey(package)
        )
        if let earlier = sent.existing {
            if earlier.receipt.packageId == envelope.packageId && (earlier.contentSHA256 == nil || earlier.contentSHA256 == digest) {
                return .done(.receipt(earlier.receipt, repeated: true))
            }
            if earlier.receipt.packageId != envelope.packageId {
                // The same idempotency key for another package: the first send wins (GZ-7).
                return .done(.receipt(earlier.receipt, repeated: true))
            }
            let finding = Finding(
                .duplicatePackage,
                at: "/CasePackage/Envelope/PackageId",
                zh: "数据包编号 \(envelope.packageId) 已被另一内容不同的数据包使用",
                en: "the package id \(envelope.packageId) was already used by a package with different content"
            )
            return .done(
                .receipt(
                    self.refusal(envelope, [finding]),
                    repeated: false
                )
            )
        }

        // A package the hub received before a restore, with its receipt: not a new package, so not too old to accept.
        let replay = original.flatMap { $0.packageId == envelope.packageId && $0.status == .accepted ? $0 : nil }
        var findings = report.findings
        if replay == nil, linkCode == nil, let created = envelope.createdInstant,
            self.store.clock.now().timeIntervalSince(created) > self.maxPackageAge
        {
            findings.append(
                Finding(
                    .expired,
                    at: "/CasePackage/Envelope/CreatedAt",
                    zh: "数据包创建于 \(envelope.createdAt)，已超过 \(Int(self.maxPackageAge / 86400)) 天的有效期",
                    en: "the package was created at \(envelope.createdAt), more than \(Int(self.maxPackageAge / 86400)) days ago"
                )
            )
        }
        if findings.contains(where: { $0.severity == .error }) {
            let receipt = self.refusal(envelope, findings)
            try await self.store.refuse(
                packageId: envelope.packageId,
                sender: node,
                receiver: envelope.receiver.organisationCode,
                idempotencyKey: envelope.idempotencyKey,
                receipt: receipt
            )
            self.logger.info(
                "package refused",
                metadata: [
                    "xietong.package": "\(envelope.packageId)",
                    "xietong.findings": "\(findings.filter { $0.severity == .error }.map(\.code.rawValue))",
                ]
            )
            return .done(.receipt(receipt, repeated: false))
        }
        if let similar = sent.similar {
            findings.append(
                Finding(
                    .duplicateSimilar,
                    .warning,
                    at: "/CasePackage/Envelope",
                    zh: "疑似重复：同一案件的同一消息已由数据包 \(similar) 发送给同一接收方",
                    en: "similar duplicate: the same message about the same case was already sent to the same receiver as package \(similar)"
                )
            )
        }
        let code: (code: UnifiedCaseCode, assigned: Bool)
        if let replay, let kept = try await self.codes.code(replaying: replay) {
            code = kept
        } else if let linkCode, let kept = try? UnifiedCaseCode(linkCode) {
            code = (kept, envelope.unifiedCaseCode == nil)
        } else {
            code = try await self.codes.code(for: package)
        }
        return .ready(
            HubStore.Accepted(
                package: package,
                content: bytes,
                contentSHA256: digest,
                unifiedCaseCode: code.code.rawValue,
                codeAssigned: code.assigned,
                warnings: findings.filter { $0.severity == .warning },
                signature: signature,
                replayOf: replay
            )
        )
    }

    /// Why the sender's signature is missing or does not verify (no findings when it does).
    static func signatureFindings(
        _ signature: PackageSignature?,
        of package: CasePackage,
        content digest: String,
        trust: TrustStore
    ) async -> [Finding] {
        guard let signature else {
            return [
                PackageSignature.finding(
                    .signatureMissing,
                    LocalizedText(zh: "中心平台要求发送方节点签名，本数据包未签名", en: "the hub requires the sending node's signature; this package has none")
                )
            ]
        }
        do throws(TrustError) {
            try await signature.verify(
                packageId: package.envelope.packageId,
                contentSHA256: digest,
                attachmentSHA256s: package.attachments.map(\.sha256),
                sender: package.envelope.sender.organisationCode,
                trust: trust
            )
            return []
        } catch {
            return [PackageSignature.finding(error)]
        }
    }
}
