import Foundation
public import XietongCore

// Accepting a package: the receipt, the flow step, the rows and the feed entries, in one transaction (AcceptancePlan decides what; this writes it).
extension HubStore {
    // MARK: Accepting

    /// A package the hub's checks passed, ready to store and forward.
    public struct Accepted: Sendable {
        public var package: CasePackage
        public var content: [UInt8]
        public var contentSHA256: String
        public var unifiedCaseCode: String
        public var codeAssigned: Bool
        public var warnings: [Finding]
        /// The sender's verified signature, when the hub requires signatures.
        public var signature: PackageSignature?
        /// The hub's own signed receipt for this package, from before a restore that lost it (issue 19): the
        /// package is stored as first received, with the code and the time that receipt gives.
        public var replayOf: Receipt?
        /// The package's trace (issue 22): the hub's span that stores it, which the receiving node continues.
        public var traceparent: String?
        /// The step it answers as the peer hub that handed it over knows it (issue 23): the flow goes on from it when
        /// this hub never carried that step.
        public var answeringAtPeer: FlowStep?

        public init(
            package: CasePackage,
            content: [UInt8],
            contentSHA256: String,
            unifiedCaseCode: String,
            codeAssigned: Bool,
            warnings: [Finding],
            signature: PackageSignature? = nil,
            replayOf: Receipt? = nil
        ) {
            self.signature = signature
            self.replayOf = replayOf
            self.package = package
            self.content = content
            self.contentSHA256 = contentSHA256
            self.unifiedCaseCode = unifiedCaseCode
            self.codeAssigned = codeAssigned
            self.warnings = warnings
        }
    }

    /// Stores the package, its structured data and its first hops, and queues it for the receiver, atomically.
    /// A concurrent resend of the same package gets the first receipt.
    public func accept(_ accepted: Accepted, statusURL: String, hopsInReceipt: Bool = false) async throws -> Receipt {
        try await self.accept([(accepted, statusURL)], hopsInReceipt: hopsInReceipt)[0]
    }

    /// Stores a batch of packages in one transaction, in order: one commit for all of them. Every accepted receipt
    /// carries the hub's three hops; they also go to the sender's feed unless `hopsInReceipt` says that its node
    /// records them from the receipt (a node of an earlier release does not, and learns them from its feed).
    public func accept(_ batch: [(accepted: Accepted, statusURL: String)], hopsInReceipt: Bool = false) async throws -> [Receipt] {
        let hub = self.hubOrganisation
        let flows = self.flows
        let clock = self.clock
        let boot = self.boot
        return try await self.database.transaction { transaction in
            let feed = FeedWriter(clock: clock, boot: boot, federation: flows.federation)
            var receipts: [Receipt] = []
            for item in batch {
                receipts.append(
                    try await Self.acceptOne(
                        item.accepted,
                        statusURL: item.statusURL,
                        hub: hub,
                        flows: flows,
                        hopsInReceipt: hopsInReceipt,
                        feed: feed,
                        at: item.accepted.replayOf.flatMap { Timestamp.date($0.receivedAt) } ?? clock.now(),
                        in: transaction
                    )
                )
                if let replay = item.accepted.replayOf, receipts.last?.status == .accepted {
                    let envelope = item.accepted.package.envelope
                    try await transaction.write(
                        """
                        INSERT INTO replays (package_id, sender_org, receiver_org, received_at, replayed_at) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (package_id) DO NOTHING
                        """,
                        [
                            .text(envelope.packageId), .text(envelope.sender.organisationCode), .text(envelope.receiver.organisationCode),
                            .text(replay.receivedAt), .text(clock.timestamp()),
                        ]
                    )
                }
            }
            try await feed.flush(in: transaction)
            return receipts
        }
    }

    /// Stores one package, its structured data and its first hops, and queues it for the receiver, within a
    /// transaction. A resend of a stored package gets the first receipt.
    static func acceptOne(
        _ accepted: Accepted,
        statusURL: String,
        hub: String,
        flows: FlowEngine,
        hopsInReceipt: Bool,
        feed: FeedWriter,
        at instant: Date,
        in transaction: any SQLTransaction
    ) async throws -> Receipt {
        let package = accepted.package
        let envelope = package.envelope
        let now = Timestamp.string(instant)
        // What to write is decided in Core, from the package and the moment alone; this function writes it.
        let plan = AcceptancePlan(
            package: package,
            unifiedCaseCode: accepted.unifiedCaseCode,
            codeAssigned: accepted.codeAssigned,
            contentSHA256: accepted.contentSHA256,
            contentSize: accepted.content.count,
            warnings: accepted.warnings,
            signature: accepted.signature,
            statusURL: statusURL,
            hub: hub,
            at: instant,
            traceparent: accepted.traceparent
        )
        let (hops, receipt, delivery) = (plan.hops, plan.receipt, plan.delivery)
        let existing = try await transaction.execute(
            "SELECT receipt FROM packages WHERE package_id = $1 OR (sender_org = $2 AND idempotency_key = $3)",
            [.text(envelope.packageId), .text(envelope.sender.organisationCode), .text(envelope.idempotencyKey)]
        )
        if let row = existing.first, let earlier = StoreRows.decode(Receipt.self, row.string("receipt")) {
            return earlier
        }
        // The flow engine: is this a valid next step of its flow instance (GS-2)?
        let flowRefusal = { (finding: Finding) async throws -> Receipt in
            let refusal = plan.refusal(finding)
            try await Self.refuseOne(
                packageId: envelope.packageId,
                sender: envelope.sender.organisationCode,
                receiver: envelope.receiver.organisationCode,
                idempotencyKey: envelope.idempotencyKey,
                receipt: refusal,
                hub: hub,
                feed: feed,
                in: transaction
            )
            return refusal
        }
        // The package's own key (`PackageKey`); an instance it opens is keyed by it too (hub migration 12).
        let key = PackageKey.next()
        let instanceId: String
        let instanceKey: String
        let caseCodes = plan.caseCodes
        var answering = try await Self.flowStep(envelope.inReplyTo, in: transaction)
        if answering == nil, let step = accepted.answeringAtPeer, step.packageId == envelope.inReplyTo, step.flow == envelope.flow {
            answering = try await Self.adopt(step, at: now, in: transaction)
        }
        switch flows.rules.decide(envelope, caseCodes: caseCodes, answering: answering?.step) {
        case .refused(let finding):
            return try await flowRefusal(finding)
        case .opens(let closes):
            instanceId = envelope.packageId
            instanceKey = key
            try await transaction.write(
                """
                INSERT INTO flow_instances (instance_id, case_code, flow, opened_at, last_step_at, closed_by, closed_at, instance_key)
                VALUES ($1, $2, $3, $4, $4, $5, $6, $7) ON CONFLICT (instance_id) DO NOTHING
                """,
                [
                    .text(instanceId), .text(accepted.unifiedCaseCode), .text(envelope.flow), .text(now),
                    closes ? .text(envelope.packageId) : .null, closes ? .text(now) : .null, .text(instanceKey),
                ]
            )
        case .continues(let instance, var closes):
            // A receipt per person of a batch custody exchange closes it only once everybody has had one (SZ-2).
            if flows.rules.catalog.message(flow: envelope.flow, type: envelope.messageType)?.perPerson == true {
                let batch = try await Self.custodyBatch(of: instance, in: transaction)
                switch batch.receive(package) {
                case .refused(let finding): return try await flowRefusal(finding)
                case .receipts(_, let completes): closes = closes && completes
                }
            }
            // The instance's row lock orders this step after any concurrent one; a close that committed first wins.
            let open = try await transaction.execute(
                closes
                    ? "UPDATE flow_instances SET last_step_at = $2, closed_by = $3, closed_at = $2 WHERE instance_id = $1 AND closed_at IS NULL RETURNING instance_id"
                    : "UPDATE flow_instances SET last_step_at = $2 WHERE instance_id = $1 AND closed_at IS NULL RETURNING instance_id",
                [.text(instance), .text(now), .text(envelope.packageId)]
            )
            guard !open.isEmpty else {
                // The closing message may be this very package, accepted concurrently through another instance.
                if let earlier = try? await Self.firstReceipt(of: envelope, in: transaction) { return earlier }
                let message = flows.rules.catalog.message(flow: envelope.flow, type: envelope.messageType)
                return try await flowRefusal(
                    FlowRules.closed(instance, message?.name ?? LocalizedText(zh: envelope.messageType, en: envelope.messageType))
                )
            }
            // A message the law allows only so many times in an instance (CPL 第175条第3款), counted under the
            // instance's row lock taken above, so concurrent steps through other hub instances are counted too.
            if let message = flows.rules.catalog.message(flow: envelope.flow, type: envelope.messageType), let most = message.maxPerInstance {
                let count =
                    try await transaction.execute(
                        "SELECT COUNT(*) AS n FROM flow_steps WHERE instance_id = $1 AND message_type = $2",
                        [.text(instance), .text(envelope.messageType)]
                    ).first?.int("n") ?? 0
                if count >= most { return try await flowRefusal(FlowRules.limitReached(instance, message)) }
            }
            instanceId = instance
            instanceKey = answering?.instanceKey ?? PackageKey.legacy(instance)
            // Answering a message meets the time limits it started for this sender.
            if let answered = envelope.inReplyTo {
                try await transaction.write(
                    """
                    UPDATE deadlines SET state = 'met', met_by = $1, met_at = $2
                    WHERE package_key = \(HubSchema.packageKey(of: "$3")) AND responsible_org = $4 AND state = 'open'
                        AND (met_by_types IS NULL OR met_by_types LIKE $5)
                    """,
                    [
                        .text(envelope.packageId), .text(now), .text(answered), .text(envelope.sender.organisationCode),
                        .text("%|\(envelope.messageType)|%"),
                    ]
                )
            }
        }
        // A concurrent resend through another hub instance may commit first: then this insert does nothing and the
        // first receipt, committed by now, is the answer.
        let inserted = try await transaction.execute(
            """
            INSERT INTO packages (package_id, sender_org, receiver_org, idempotency_key, flow, message_type, in_reply_to,
                unified_case_code, code_assigned, agency_case_number, standard_version, case_name, case_category, division,
                similarity_key, content_sha256, content_size, created_at, received_at, receipt, signature, package_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
            ON CONFLICT DO NOTHING RETURNING package_id
            """,
            [
                .text(envelope.packageId), .text(envelope.sender.organisationCode), .text(envelope.receiver.organisationCode),
                .text(envelope.idempotencyKey), .text(envelope.flow), .text(envelope.messageType), .optional(envelope.inReplyTo),
                .text(accepted.unifiedCaseCode), .integer(accepted.codeAssigned ? 1 : 0), .text(envelope.agencyCaseNumber),
                .text(package.standardVersion), .text(package.body.caseInfo.name), .text(package.body.caseInfo.category),
                .text(package.body.caseInfo.division), .text(DuplicateIndex.similarityKey(package)),
                .text(accepted.contentSHA256), .integer(accepted.content.count),
                .text(envelope.createdAt), .text(now), .text(StoreRows.json(receipt)),
                .optional(accepted.signature.map { StoreRows.json($0) }), .text(key),
            ]
        )
        guard !inserted.isEmpty else {
            // What this transaction did to the flow for the duplicate is idempotent (the instance exists, the met
            // deadlines are met); the first receipt is the answer.
            return try await Self.firstReceipt(of: envelope, in: transaction)
        }
        try await transaction.write(
            "INSERT INTO package_contents (package_key, content) VALUES ($1, $2)",
            [.text(key), .blob(accepted.content)]
        )
        try await transaction.write(
            """
            INSERT INTO flow_steps (package_key, package_id, instance_id, message_type, sender_org, receiver_org, at, instance_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .text(key), .text(envelope.packageId), .text(instanceId), .text(envelope.messageType),
                .text(envelope.sender.organisationCode), .text(envelope.receiver.organisationCode), .text(now), .text(instanceKey),
            ]
        )
        // Custody first: the package's limits are judged by its persons' custody as this package leaves it, and the
        // open limits of the persons whose custody it changed are judged again (issue 20).
        let custodyChanged = try await Self.recordCustody(of: package, instanceId: instanceId, at: now, flows: flows, in: transaction)
        try await Self.startDeadlines(
            of: accepted,
            key: key,
            instance: (id: instanceId, key: instanceKey),
            at: instant,
            flows: flows,
            in: transaction
        )
        try await Self.trackDetention(
            of: custodyChanged,
            package: package,
            key: key,
            instance: (id: instanceId, key: instanceKey),
            caseCode: accepted.unifiedCaseCode,
            at: now,
            today: CalendarDate(chinaDayOf: instant),
            flows: flows,
            in: transaction
        )
        try await Self.extendLimits(by: accepted, caseCodes: caseCodes, at: now, flows: flows, in: transaction)
        try await Self.rejudgeCustody(
            of: custodyChanged,
            except: key,
            by: envelope.packageId,
            at: now,
            today: CalendarDate(chinaDayOf: instant),
            counter: flows.deadlines,
            in: transaction
        )
        try await Self.insertStructuredData(of: package, key: key, caseCodes: caseCodes, in: transaction)
        try await Self.indexForSearch(package, key: key, in: transaction)
        try await Self.recordPrecedent(package, key: key, caseCode: accepted.unifiedCaseCode, catalog: flows.rules.catalog, in: transaction)
        // The package is new under a new key: every hop is new, and goes to the evidence log.
        try await StoreRows.insertNew(hops, into: .hub, key: key, in: transaction)
        for event in hops {
            feed.log(event, key: key)
            if !hopsInReceipt { feed.append(.event(event), packageId: envelope.packageId, to: envelope.sender.organisationCode) }
        }
        var queued = delivery
        // A receiver a peer hub serves: the peer's flow engine may not know the step this answers (issue 23).
        if !flows.federation.servesLocally(envelope.receiver.organisationCode) { queued.answering = answering?.step }
        feed.append(.delivery(queued), packageId: envelope.packageId, to: envelope.receiver.organisationCode)
        return receipt
    }

    /// The instance of a step this hub never carried, as the peer hub that handed over its answer knows it (issue 23):
    /// opened here under the same id (an instance is named by its opening package, the same at every hub), unless
    /// this hub has it already, and the step with that instance's key; nil when this hub's instance of that id is of
    /// another flow (the reply is then refused as answering nothing this hub knows).
    static func adopt(_ step: FlowStep, at now: String, in transaction: any SQLTransaction) async throws -> (step: FlowStep, instanceKey: String)? {
        // An instance this hub has already must be of the same flow: a peer names no instance of another. (Its case
        // code is the opening package's, which a later step of the same case need not carry.)
        if let known = try await transaction.execute("SELECT flow FROM flow_instances WHERE instance_id = $1", [.text(step.instanceId)]).first,
            known.string("flow") != step.flow
        {
            return nil
        }
        try await transaction.write(
            """
            INSERT INTO flow_instances (instance_id, case_code, flow, opened_at, last_step_at, closed_by, closed_at, instance_key)
            VALUES ($1, $2, $3, $4, $4, NULL, NULL, $5) ON CONFLICT (instance_id) DO NOTHING
            """,
            [.text(step.instanceId), .text(step.caseCode), .text(step.flow), .text(now), .text(PackageKey.next())]
        )
        let row = try await transaction.execute(
            "SELECT instance_key, closed_at FROM flow_instances WHERE instance_id = $1",
            [.text(step.instanceId)]
        ).first
        var adopted = step
        adopted.instanceClosed = step.instanceClosed || row?.string("closed_at") != nil
        return (adopted, row?.string("instance_key") ?? PackageKey.legacy(step.instanceId))
    }

    static func firstReceipt(of envelope: CasePackage.Envelope, in transaction: any SQLTransaction) async throws -> Receipt {
        let first = try await transaction.execute(
            "SELECT receipt FROM packages WHERE package_id = $1 OR (sender_org = $2 AND idempotency_key = $3)",
            [.text(envelope.packageId), .text(envelope.sender.organisationCode), .text(envelope.idempotencyKey)]
        )
        guard let earlier = first.first.flatMap({ StoreRows.decode(Receipt.self, $0.string("receipt")) }) else {
            throw StoreError(.conflict, zh: "数据包编号冲突", en: "the package id or idempotency key conflicts with another package")
        }
        return earlier
    }

    /// The stored step a reply names, with its instance's state, and its instance's key.
    static func flowStep(_ packageId: String?, in transaction: any SQLTransaction) async throws -> (step: FlowStep, instanceKey: String)? {
        guard let packageId else { return nil }
        let rows = try await transaction.execute(
            """
            SELECT s.package_id, s.instance_id, s.instance_key, p.unified_case_code, i.flow, s.message_type, s.sender_org, s.receiver_org,
                   i.closed_at
            FROM packages p JOIN flow_steps s ON s.package_key = p.package_key JOIN flow_instances i ON i.instance_id = s.instance_id
            WHERE p.package_id = $1
            """,
            [.text(packageId)]
        )
        guard let row = rows.first else { return nil }
        let instanceId = row.string("instance_id") ?? packageId
        let instanceKey = row.string("instance_key") ?? PackageKey.legacy(instanceId)
        let parties = try await transaction.execute("SELECT sender_org, receiver_org FROM flow_steps WHERE instance_key = $1", [.text(instanceKey)])
        let step = FlowStep(
            packageId: packageId,
            instanceId: instanceId,
            caseCode: row.string("unified_case_code") ?? "",
            flow: row.string("flow") ?? "",
            messageType: row.string("message_type") ?? "",
            sender: row.string("sender_org") ?? "",
            receiver: row.string("receiver_org") ?? "",
            instanceClosed: row.string("closed_at") != nil,
            instanceParties: Set(parties.flatMap { [$0.string("sender_org"), $0.string("receiver_org")].compactMap { $0 } })
        )
        return (step, instanceKey)
    }
}
