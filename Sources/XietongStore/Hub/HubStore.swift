import Foundation
public import XietongCore

/// The hub's state: accepted packages and their structured data, each organisation's feed, the status history,
/// refusals and alerts. Every change that spans tables is one transaction.
public struct HubStore: Sendable {
    public let database: any SQLDatabase
    /// The organisation code the hub records its own events under (the committee's).
    public let hubOrganisation: String
    /// The catalog's flow rules and the deadline counting (issue 5).
    public let flows: FlowEngine
    /// The time the hub stamps events, receipts and feed entries with, and the day it judges time limits on. Tests
    /// set it (no test may depend on the day it runs); services use `.system`.
    public let clock: WallClock
    /// This run of the hub: a random id, made when the store is opened, on every feed entry it writes (issue 19).
    public let boot: String

    public init(database: any SQLDatabase, hubOrganisation: String, flows: FlowEngine, clock: WallClock) {
        self.database = database
        self.hubOrganisation = hubOrganisation
        self.flows = flows
        self.clock = clock
        self.boot = UUID().uuidString.lowercased()
    }

    // MARK: Receipts and idempotency

    /// The receipt already given for this sender's idempotency key or for this package id, if any (GZ-7).
    public func existingReceipt(
        sender: String,
        idempotencyKey: String,
        packageId: String
    ) async throws(StoreError) -> (receipt: Receipt, contentSHA256: String?)? {
        // Accepted and refused together, in one statement: every package the hub receives is looked up.
        let rows = try await self.database.execute(
            """
            SELECT receipt, content_sha256, 0 AS refused FROM packages WHERE (sender_org = $1 AND idempotency_key = $2) OR package_id = $3
            UNION ALL
            SELECT receipt, NULL, 1 FROM refusals WHERE stage = 'hub' AND ((sender_org = $1 AND idempotency_key = $2) OR package_id = $3)
            """,
            [.text(sender), .text(idempotencyKey), .text(packageId)]
        )
        // An acceptance answers before a refusal.
        guard let row = rows.first(where: { $0.int("refused") == 0 }) ?? rows.first,
            let receipt = StoreRows.decode(Receipt.self, row.string("receipt"))
        else { return nil }
        return (receipt, row.int("refused") == 0 ? row.string("content_sha256") : nil)
    }

    /// An earlier package with the same sender, receiver, flow, message type and case (a similar duplicate).
    public func similarPackage(_ key: String) async throws(StoreError) -> String? {
        try await self.database.execute("SELECT package_id FROM packages WHERE similarity_key = $1 LIMIT 1", [.text(key)]).first?.string("package_id")
    }

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
            let feed = FeedWriter(clock: clock, boot: boot)
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
                    try await transaction.execute(
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
            at: instant
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
        let answering = try await Self.flowStep(envelope.inReplyTo, in: transaction)
        switch flows.rules.decide(envelope, caseCodes: caseCodes, answering: answering?.step) {
        case .refused(let finding):
            return try await flowRefusal(finding)
        case .opens(let closes):
            instanceId = envelope.packageId
            instanceKey = key
            try await transaction.execute(
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
                try await transaction.execute(
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
        try await transaction.execute(
            "INSERT INTO package_contents (package_key, content) VALUES ($1, $2)",
            [.text(key), .blob(accepted.content)]
        )
        try await transaction.execute(
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
        for code in caseCodes {
            try await transaction.execute(
                "INSERT INTO case_links (case_code, package_key, package_id) VALUES ($1, $2, $3) ON CONFLICT (case_code, package_key) DO NOTHING",
                [.text(code), .text(key), .text(envelope.packageId)]
            )
        }
        for person in package.body.persons {
            try await transaction.execute(
                """
                INSERT INTO package_persons (package_id, person_id, role, name, id_card_number, gender, birth_date, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [
                    .text(envelope.packageId), .text(person.id), .text(person.role), .text(person.name), .optional(person.idCardNumber),
                    .text(person.gender), .optional(person.birthDate), .text(key),
                ]
            )
        }
        for document in package.body.documents {
            try await transaction.execute(
                """
                INSERT INTO package_documents (package_key, package_id, document_id, title, document_number, issued_on)
                VALUES ($1, $2, $3, $4, $5, $6)
                """,
                [
                    .text(key), .text(envelope.packageId), .text(document.id), .text(document.title),
                    .optional(document.documentNumber), .text(document.issuedOn),
                ]
            )
        }
        for attachment in package.attachments {
            try await transaction.execute(
                """
                INSERT INTO package_attachments (package_id, attachment_id, name, media_type, size, sha256, volume, file_number,
                    first_page, page_count, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """,
                [
                    .text(envelope.packageId), .text(attachment.id), .text(attachment.name), .text(attachment.mediaType),
                    .integer(attachment.size), .text(attachment.sha256.lowercased()), .optional(attachment.volume),
                    .optional(attachment.fileNumber), .optional(attachment.firstPage), .optional(attachment.pageCount), .text(key),
                ]
            )
        }
        for event in hops {
            if try await StoreRows.insert(event, into: .hub, key: key, in: transaction) { feed.log(event, key: key) }
            if !hopsInReceipt { feed.append(.event(event), packageId: envelope.packageId, to: envelope.sender.organisationCode) }
        }
        feed.append(.delivery(delivery), packageId: envelope.packageId, to: envelope.receiver.organisationCode)
        return receipt
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

    /// The receiver's statutory time limits this message starts (issue 5), counted from the hub's receipt, and the
    /// sender limits it meets or states the start of (issue 20).
    static func startDeadlines(
        of accepted: Accepted,
        key: String,
        instance: (id: String, key: String),
        at receipt: Date,
        flows: FlowEngine,
        in transaction: any SQLTransaction
    ) async throws {
        let envelope = accepted.package.envelope
        guard let message = flows.rules.catalog.message(flow: envelope.flow, type: envelope.messageType) else { return }
        let ahead = Self.senderLimitsAhead(of: accepted.package, flows: flows)
        guard !message.limits.isEmpty || !ahead.isEmpty else { return }
        // In custody or not as the hub knows the persons (their chains include this package's records).
        let persons = Self.detainees(of: accepted.package)
        for person in persons {
            try await transaction.execute(
                "INSERT INTO deadline_persons (package_key, person_key, name) VALUES ($1, $2, $3) ON CONFLICT (package_key, person_key) DO NOTHING",
                [.text(key), .text(person.key), .text(person.name)]
            )
        }
        let judgement = CustodyJudgement.judge(
            persons: persons,
            chains: try await Self.custodyChains(of: persons.map(\.key), today: CalendarDate(chinaDayOf: receipt), in: transaction)
        )
        let custody = judgement.custody
        // Only the limits that bind this receiver, for what this package carries and its persons' custody (issue 20).
        let receiverKinds = flows.rules.kindsByOrganisation[envelope.receiver.organisationCode] ?? []
        let measures = accepted.package.body.coerciveMeasures.map(\.kind)
        let limits = message.receiverLimits.enumerated().filter {
            $0.element.applies(
                receiverKinds: receiverKinds,
                measures: measures,
                custody: custody,
                procedure: accepted.package.body.caseInfo.procedure
            )
        }
        for (seq, limit) in limits {
            try await Self.insertLimit(
                flows.deadlines.count(limit, from: receipt, custody: custody),
                seq: seq,
                message: envelope.messageType,
                responsible: envelope.receiver.organisationCode,
                metByTypes: limit.metBy,
                of: accepted,
                key: key,
                instance: instance,
                judgement: judgement,
                in: transaction
            )
        }
        try await Self.countSenderLimits(
            of: accepted,
            message: message,
            ahead: ahead,
            key: key,
            instance: instance,
            at: receipt,
            judgement: judgement,
            flows: flows,
            in: transaction
        )
    }

    enum FeedBody {
        case delivery(Delivery)
        case event(PackageEvent)
        case reminder(DeadlineReminder)
        case treeHead(Evidence.TreeHead)

        var json: String {
            switch self {
            case .delivery(let delivery): StoreRows.json(delivery)
            case .event(let event): StoreRows.json(event)
            case .reminder(let reminder): StoreRows.json(reminder)
            case .treeHead(let head): StoreRows.json(head)
            }
        }

        var kind: FeedEntry.Kind {
            switch self {
            case .delivery: .delivery
            case .event: .event
            case .reminder: .reminder
            case .treeHead: .treeHead
            }
        }
    }

    /// The feed entries a transaction adds, written together at its end: per organisation, one statement takes the
    /// next positions (holding that organisation's feed-head row lock until commit, which orders concurrent
    /// transactions, also across hub instances), one inserts the entries, and one notification wakes its long polls.
    /// Taking the positions last keeps the lock short.
    final class FeedWriter: @unchecked Sendable {
        // @unchecked: used by one transaction's task only.
        private var entries: [(organisation: String, body: FeedBody, packageId: String)] = []
        /// Hand-over events recorded by the transaction, with their packages' keys: leaves of the evidence log (issue 6).
        private var evidence: [(event: PackageEvent, key: String)] = []
        private let clock: WallClock
        private let boot: String

        init(clock: WallClock, boot: String) {
            self.clock = clock
            self.boot = boot
        }

        func append(_ body: FeedBody, packageId: String, to organisation: String) {
            self.entries.append((organisation, body, packageId))
        }

        func log(_ event: PackageEvent, key: String) { self.evidence.append((event, key)) }

        func flush(in transaction: any SQLTransaction) async throws {
            // The evidence log first: every event the transaction recorded, appended together.
            let leaves = try await HubStore.appendEvidence(self.evidence, in: transaction)
            self.evidence = []
            let now = self.clock.timestamp()
            var order: [String] = []
            var byOrganisation: [String: [(body: FeedBody, packageId: String)]] = [:]
            for entry in self.entries {
                if byOrganisation[entry.organisation] == nil { order.append(entry.organisation) }
                byOrganisation[entry.organisation, default: []].append((entry.body, entry.packageId))
            }
            self.entries = []
            // Organisations in a fixed order, so that two transactions never wait for each other's heads in a cycle.
            for organisation in order.sorted() {
                let entries = byOrganisation[organisation] ?? []
                let rows = try await transaction.execute(
                    """
                    INSERT INTO feed_heads (organisation, last_seq, acked_seq) VALUES ($1, $2, 0)
                    ON CONFLICT (organisation) DO UPDATE SET last_seq = feed_heads.last_seq + $2
                    RETURNING last_seq
                    """,
                    [.text(organisation), .integer(entries.count)]
                )
                guard let last = rows.first?.int("last_seq") else {
                    throw StoreError(.query, zh: "无法分配队列序号", en: "cannot allocate a feed position")
                }
                let first = last - entries.count + 1
                for chunk in stride(from: 0, to: entries.count, by: 100) {
                    let part = entries[chunk..<min(chunk + 100, entries.count)]
                    var binds: [SQLValue] = [.text(organisation), .text(now), .text(self.boot)]
                    var values: [String] = []
                    for (offset, entry) in part.enumerated() {
                        let base = binds.count
                        // An event's JSON is its evidence leaf (the same encoder settings), already written above.
                        let json: String
                        if case .event(let event) = entry.body, let leaf = leaves[event] { json = leaf } else { json = entry.body.json }
                        binds += [.integer(first + chunk + offset), .text(entry.body.kind.rawValue), .text(entry.packageId), .text(json)]
                        values.append("($1, $\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $2, $3)")
                    }
                    try await transaction.execute(
                        "INSERT INTO feed (organisation, seq, kind, package_id, body, created_at, boot) VALUES " + values.joined(separator: ", "),
                        binds
                    )
                }
                // Wakes the organisation's long poll on whichever hub instance it is connected to.
                try await transaction.notify(HubStore.feedChannel, organisation)
            }
        }
    }

    /// The notification channel on which feed appends are announced, with the organisation as payload.
    public static let feedChannel = "xietong_feed"

    // MARK: Refusals

    /// Records a package the hub refused (ZJ-7.2.6) and tells its sender through the feed.
    public func refuse(packageId: String, sender: String, receiver: String?, idempotencyKey: String?, receipt: Receipt) async throws {
        let hub = self.hubOrganisation
        try await self.database.transaction { transaction in
            let feed = FeedWriter(clock: self.clock, boot: self.boot)
            try await Self.refuseOne(
                packageId: packageId,
                sender: sender,
                receiver: receiver,
                idempotencyKey: idempotencyKey,
                receipt: receipt,
                hub: hub,
                feed: feed,
                in: transaction
            )
            try await feed.flush(in: transaction)
        }
    }

    static func refuseOne(
        packageId: String,
        sender: String,
        receiver: String?,
        idempotencyKey: String?,
        receipt: Receipt,
        hub: String,
        feed: FeedWriter,
        in transaction: any SQLTransaction
    ) async throws {
        let inserted = try await transaction.execute(
            """
            INSERT INTO refusals (package_id, sender_org, receiver_org, idempotency_key, stage, refused_at, receipt)
            VALUES ($1, $2, $3, $4, 'hub', $5, $6)
            ON CONFLICT (package_id, stage) DO NOTHING RETURNING package_id
            """,
            [
                .text(packageId), .text(sender), .optional(receiver), .optional(idempotencyKey), .text(receipt.receivedAt),
                .text(StoreRows.json(receipt)),
            ]
        )
        guard !inserted.isEmpty else { return }
        let event = PackageEvent(
            packageId: packageId,
            hop: .refused,
            at: receipt.receivedAt,
            organisation: hub,
            detail: "hub",
            findings: receipt.findings
        )
        feed.append(.event(event), packageId: packageId, to: sender)
    }

    /// Refusals, newest first, for the administrator.
    public func refusals(limit: Int = 100) async throws(StoreError) -> [(stage: String, sender: String, receiver: String?, receipt: Receipt)] {
        try await self.database.execute(
            "SELECT stage, sender_org, receiver_org, receipt FROM refusals ORDER BY refused_at DESC LIMIT $1",
            [.integer(limit)]
        ).compactMap { row in
            guard let receipt = StoreRows.decode(Receipt.self, row.string("receipt")) else { return nil }
            return (row.string("stage") ?? "", row.string("sender_org") ?? "", row.string("receiver_org"), receipt)
        }
    }

    // MARK: Events from nodes

    public enum EventOutcome: Sendable {
        case recorded
        case unknownPackage
        case notAParty
    }

    /// Records a hop reported by the receiving node (stored, delivered, signed for, returned, refused) and passes it
    /// on to the sender, atomically. Recording the same hop twice changes nothing.
    public func record(_ event: PackageEvent, reportedBy organisation: String) async throws -> EventOutcome {
        try await self.record([event], reportedBy: organisation)[0].outcome
    }

    /// Records a batch of reported hops in one transaction; returns each one's outcome and the sender to notify.
    public func record(_ events: [PackageEvent], reportedBy organisation: String) async throws -> [(outcome: EventOutcome, sender: String?)] {
        try await self.database.transaction { transaction in
            let feed = FeedWriter(clock: self.clock, boot: self.boot)
            var outcomes: [(outcome: EventOutcome, sender: String?)] = []
            for event in events {
                outcomes.append(try await Self.recordOne(event, reportedBy: organisation, feed: feed, in: transaction))
            }
            try await feed.flush(in: transaction)
            return outcomes
        }
    }

    static func recordOne(
        _ event: PackageEvent,
        reportedBy organisation: String,
        feed: FeedWriter,
        in transaction: any SQLTransaction
    ) async throws -> (
        outcome: EventOutcome, sender: String?
    ) {
        let rows = try await transaction.execute(
            "SELECT sender_org, receiver_org, package_key FROM packages WHERE package_id = $1",
            [.text(event.packageId)]
        )
        guard let row = rows.first, let sender = row.string("sender_org"), let receiver = row.string("receiver_org"),
            let key = row.string("package_key")
        else {
            return (.unknownPackage, nil)
        }
        guard organisation == receiver else { return (.notAParty, nil) }
        var stored = event
        stored.organisation = organisation
        guard try await StoreRows.insert(stored, into: .hub, key: key, in: transaction) else { return (.recorded, nil) }
        feed.log(stored, key: key)
        if event.hop == .delivered || event.hop == .refused {
            try await transaction.execute("UPDATE packages SET delivered_at = $1 WHERE package_id = $2", [.text(event.at), .text(event.packageId)])
        }
        if event.hop == .refused {
            let receipt = Receipt(packageId: event.packageId, status: .refused, receivedAt: event.at, findings: event.findings ?? [])
            try await transaction.execute(
                """
                INSERT INTO refusals (package_id, sender_org, receiver_org, idempotency_key, stage, refused_at, receipt)
                VALUES ($1, $2, $3, NULL, 'receiver', $4, $5) ON CONFLICT (package_id, stage) DO NOTHING
                """,
                [.text(event.packageId), .text(sender), .text(receiver), .text(event.at), .text(StoreRows.json(receipt))]
            )
        }
        feed.append(.event(stored), packageId: event.packageId, to: sender)
        return (.recorded, sender)
    }

    // MARK: Deadlines (issue 5)

    /// A statutory time limit a message started: who must act, by when, and whether they did.
    public struct DeadlineRecord: Sendable, Codable, Hashable {
        public var packageId: String
        public var instanceId: String
        public var caseCode: String
        public var flow: String
        public var messageType: String
        public var responsible: String
        public var startsOn: String
        public var dueOn: String
        public var dueAt: String?
        public var movedFrom: String?
        public var custody: Bool
        public var limit: String
        public var basis: String
        /// A window for an optional act: it lapses rather than falls overdue.
        public var optional: Bool
        /// `open` or `met`.
        public var state: String
        /// `receiver`, or `sender` for the sender's own limit, met by the message `messageType` (issue 20).
        public var party: String
        public var metBy: String?
        public var metAt: String?
        /// Why the limit is or is not counted as one of a person in custody (issue 20).
        public var custodyReason: LocalizedText?
        /// The years its count needed and the holiday calendar does not list: the last day is provisional until it
        /// lists them.
        public var uncoveredYears: [Int]
        public var provisional: Bool
        /// The due date before its last change, and what changed it.
        public var changedFrom: String?
        public var changeReason: LocalizedText?
    }

    /// The time limits a package started.
    public func deadlines(of packageId: String) async throws(StoreError) -> [DeadlineRecord] {
        try await self.database.execute("SELECT * FROM deadlines WHERE package_key = \(HubSchema.packageKey) ORDER BY seq", [.text(packageId)])
            .map(Self.deadline)
    }

    static func deadline(_ row: SQLRow) -> DeadlineRecord {
        let years = Self.uncoveredYears(row.string("uncovered_years"))
        return DeadlineRecord(
            packageId: row.string("package_id") ?? "",
            instanceId: row.string("instance_id") ?? "",
            caseCode: row.string("case_code") ?? "",
            flow: row.string("flow") ?? "",
            messageType: row.string("message_type") ?? "",
            responsible: row.string("responsible_org") ?? "",
            startsOn: row.string("starts_on") ?? "",
            dueOn: row.string("due_on") ?? "",
            dueAt: row.string("due_at"),
            movedFrom: row.string("moved_from"),
            custody: row.int("custody") == 1,
            limit: "\(row.int("limit_value") ?? 0) \(row.string("limit_unit") ?? "")",
            basis: row.string("basis") ?? "",
            optional: row.int("optional") == 1,
            state: row.string("state") ?? "",
            party: row.string("party") ?? "receiver",
            metBy: row.string("met_by"),
            metAt: row.string("met_at"),
            custodyReason: row.string("custody_reason").map { LocalizedText(zh: $0, en: row.string("custody_reason_en") ?? $0) },
            uncoveredYears: years,
            provisional: !years.isEmpty,
            changedFrom: row.string("changed_from"),
            changeReason: row.string("change_reason").map { LocalizedText(zh: $0, en: row.string("change_reason_en") ?? $0) }
        )
    }

    /// The years of an `uncovered_years` column (`2027,2028`; '?' for a limit not yet checked lists none).
    static func uncoveredYears(_ text: String?) -> [Int] {
        (text ?? "").split(separator: ",").compactMap { Int($0) }
    }

    // MARK: A case's timeline (GUI-3, SZ-4)

    /// Every flow instance of the case known by `caseCode`, with each step's hops and time limits. `today` (China
    /// time) turns open limits past their last day into `overdue`.
    public func timeline(ofCase caseCode: String, today: CalendarDate? = nil) async throws(StoreError) -> CaseTimeline {
        let today = today ?? self.clock.today
        let instances = "SELECT s2.instance_key FROM flow_steps s2 JOIN case_links l ON l.package_key = s2.package_key WHERE l.case_code = $1"
        let steps = try await self.database.execute(
            """
            SELECT s.instance_id, i.flow, i.opened_at, i.closed_at, s.package_id, s.message_type, s.sender_org, s.receiver_org, s.at,
                   p.unified_case_code
            FROM flow_steps s JOIN flow_instances i ON i.instance_id = s.instance_id JOIN packages p ON p.package_key = s.package_key
            WHERE s.instance_key IN (\(instances))
            ORDER BY i.opened_at, i.instance_id, s.at, s.package_id
            """,
            [.text(caseCode)]
        )
        let events = try await self.database.execute(
            """
            SELECT package_id, hop, at, organisation, detail, findings FROM package_events
            WHERE package_key IN (SELECT package_key FROM flow_steps WHERE instance_key IN (\(instances)))
            """,
            [.text(caseCode)]
        )
        let deadlines = try await self.database.execute(
            "SELECT * FROM deadlines WHERE instance_key IN (\(instances)) ORDER BY package_id, seq",
            [.text(caseCode)]
        )
        var hops: [String: [PackageEvent]] = [:]
        for event in events.compactMap(StoreRows.event) { hops[event.packageId, default: []].append(event) }
        let catalog = self.flows.rules.catalog
        var limits: [String: [CaseTimeline.DeadlineView]] = [:]
        for record in deadlines.map(Self.deadline) {
            let past = record.state == "open" && (CalendarDate(iso: record.dueOn).map { $0 < today } ?? false)
            limits[record.packageId, default: []].append(
                CaseTimeline.DeadlineView(
                    responsible: record.responsible,
                    limit: record.limit,
                    basis: record.basis,
                    startsOn: record.startsOn,
                    dueOn: record.dueOn,
                    dueAt: record.dueAt,
                    movedFrom: record.movedFrom,
                    custody: record.custody,
                    state: past ? (record.optional ? "lapsed" : "overdue") : record.state,
                    metBy: record.metBy,
                    metAt: record.metAt,
                    custodyReason: record.custodyReason,
                    uncoveredYears: record.uncoveredYears,
                    changedFrom: record.changedFrom,
                    changeReason: record.changeReason,
                    senderMessage: record.party == "sender"
                        ? catalog.message(flow: record.flow, type: record.messageType)?.name
                            ?? LocalizedText(zh: record.messageType, en: record.messageType)
                        : nil
                )
            )
        }
        var result: [CaseTimeline.Instance] = []
        var codes: Set<String> = [caseCode]
        for row in steps {
            guard let instanceId = row.string("instance_id"), let packageId = row.string("package_id") else { continue }
            let flow = row.string("flow") ?? ""
            if result.last?.instanceId != instanceId {
                result.append(
                    CaseTimeline.Instance(
                        instanceId: instanceId,
                        flow: flow,
                        flowName: catalog.flow(flow)?.name ?? LocalizedText(zh: flow, en: flow),
                        openedAt: row.string("opened_at") ?? "",
                        closedAt: row.string("closed_at"),
                        steps: []
                    )
                )
            }
            let type = row.string("message_type") ?? ""
            let code = row.string("unified_case_code") ?? ""
            codes.insert(code)
            result[result.count - 1].steps.append(
                CaseTimeline.Step(
                    packageId: packageId,
                    messageType: type,
                    messageName: catalog.message(flow: flow, type: type)?.name ?? LocalizedText(zh: type, en: type),
                    caseCode: code,
                    sender: row.string("sender_org") ?? "",
                    receiver: row.string("receiver_org") ?? "",
                    at: row.string("at") ?? "",
                    hops: (hops[packageId] ?? []).sorted(by: PackageEvent.journeyOrder),
                    deadlines: limits[packageId] ?? []
                )
            )
        }
        let custody = try await self.custodyChains(ofCase: caseCode, today: today)
        return CaseTimeline(caseCode: caseCode, caseCodes: codes.sorted(), instances: result, custody: custody)
    }

    // MARK: A case's history

    /// One package of a case, with its hops.
    public struct CasePackageHistory: Sendable, Codable, Hashable {
        public var packageId: String
        public var sender: String
        public var receiver: String
        public var flow: String
        public var messageType: String
        public var receivedAt: String
        public var events: [PackageEvent]
    }

    /// Every package of a case in the order the hub received them, each with its hops in journey order (GZ-5): the
    /// data of the case's tracking and timeline. One indexed query.
    public func history(ofCase caseCode: String) async throws(StoreError) -> [CasePackageHistory] {
        let rows = try await self.database.execute(
            """
            SELECT p.package_id, p.sender_org, p.receiver_org, p.flow, p.message_type, p.received_at,
                   e.hop, e.at, e.organisation, e.detail, e.findings
            FROM packages p JOIN package_events e ON e.package_key = p.package_key
            WHERE p.unified_case_code = $1
            ORDER BY p.received_at, p.package_id
            """,
            [.text(caseCode)]
        )
        var history: [CasePackageHistory] = []
        for row in rows {
            guard let packageId = row.string("package_id") else { continue }
            if history.last?.packageId != packageId {
                history.append(
                    CasePackageHistory(
                        packageId: packageId,
                        sender: row.string("sender_org") ?? "",
                        receiver: row.string("receiver_org") ?? "",
                        flow: row.string("flow") ?? "",
                        messageType: row.string("message_type") ?? "",
                        receivedAt: row.string("received_at") ?? "",
                        events: []
                    )
                )
            }
            if let event = StoreRows.event(row) { history[history.count - 1].events.append(event) }
        }
        for index in history.indices { history[index].events.sort(by: PackageEvent.journeyOrder) }
        return history
    }

    // MARK: Feeds

    /// Entries after `seq` for an organisation, in order.
    public func feed(organisation: String, after seq: Int, limit: Int) async throws(StoreError) -> [FeedEntry] {
        let rows = try await self.feedRows(organisation: organisation, after: seq, limit: limit)
        return rows.compactMap { row in
            guard let seq = row.int("seq") else { return nil }
            var entry = Self.feedEntry(row, seq: seq)
            entry?.boot = row.string("boot")
            return entry
        }
    }

    static func feedEntry(_ row: SQLRow, seq: Int) -> FeedEntry? {
        switch FeedEntry.Kind(rawValue: row.string("kind") ?? "") {
        case .delivery:
            guard var delivery = StoreRows.decode(Delivery.self, row.string("body")) else { return nil }
            if delivery.content == nil, let content = row.bytes("content") { delivery.content = Data(content).base64EncodedString() }
            return FeedEntry(seq: seq, delivery: delivery)
        case .event: return StoreRows.decode(PackageEvent.self, row.string("body")).map { FeedEntry(seq: seq, event: $0) }
        case .reminder: return StoreRows.decode(DeadlineReminder.self, row.string("body")).map { FeedEntry(seq: seq, reminder: $0) }
        case .treeHead: return StoreRows.decode(Evidence.TreeHead.self, row.string("body")).map { FeedEntry(seq: seq, treeHead: $0) }
        case .none: return nil
        }
    }

    /// A page of the feed as the JSON the hub serves (`{"entries":[…]}`), and how many entries it holds. Each entry's
    /// body is spliced in as it was stored (it is the JSON of the `FeedEntry` member its kind names), so a page costs
    /// no decoding and encoding of what may be hundreds of packages.
    public func feedPage(organisation: String, after seq: Int, limit: Int) async throws(StoreError) -> (count: Int, json: [UInt8]) {
        let rows = try await self.feedRows(organisation: organisation, after: seq, limit: limit)
        var json: [UInt8] = []
        json.reserveCapacity(rows.reduce(64) { $0 + ($1.string("body")?.utf8.count ?? 0) + ($1.bytes("content")?.count ?? 0) * 4 / 3 + 64 })
        json += #"{"entries":["#.utf8
        var count = 0
        for row in rows {
            guard let seq = row.int("seq"), let kind = row.string("kind").flatMap(FeedEntry.Kind.init(rawValue:)), let body = row.string("body")
            else { continue }
            if count > 0 { json.append(UInt8(ascii: ",")) }
            // Keys in sorted order, as the encoder writes them.
            json += "{".utf8
            if let boot = row.string("boot") { json += #""boot":"\#(boot)","#.utf8 }
            json += #""\#(kind.rawValue)":"#.utf8
            if let content = row.bytes("content"), body.utf8.first == UInt8(ascii: "{"), !body.contains(#""content":""#) {
                // The delivery with its package's bytes, base64, as its first member.
                json += #"{"content":""#.utf8
                json += Data(content).base64EncodedData()
                json += #"","#.utf8
                json += body.utf8.dropFirst()
            } else {
                json += body.utf8
            }
            json += #","kind":"\#(kind.rawValue)","seq":\#(seq)}"#.utf8
            count += 1
        }
        json += "]}".utf8
        return (count, json)
    }

    /// Feed rows in order, each delivery of a small package with the package's bytes (`content`): they are kept once,
    /// in `package_contents`, and carried in the feed so that the receiving node needs no extra request.
    func feedRows(organisation: String, after seq: Int, limit: Int) async throws(StoreError) -> [SQLRow] {
        try await self.database.execute(
            """
            SELECT f.seq, f.kind, f.body, f.boot, c.content FROM feed f
            LEFT JOIN packages p ON f.kind = 'delivery' AND p.package_id = f.package_id AND p.content_size <= $4
            LEFT JOIN package_contents c ON c.package_key = p.package_key
            WHERE f.organisation = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3
            """,
            [.text(organisation), .integer(seq), .integer(limit), .integer(Delivery.inlineLimit)]
        )
    }

    /// How far each organisation's feed is written.
    public func feedHeads() async throws(StoreError) -> [(organisation: String, lastSeq: Int)] {
        try await self.database.execute("SELECT organisation, last_seq FROM feed_heads ORDER BY organisation", []).map {
            ($0.string("organisation") ?? "", $0.int("last_seq") ?? 0)
        }
    }

    // MARK: Reading packages

    public struct PackageSummary: Sendable, Codable {
        public var packageId: String
        public var sender: String
        public var receiver: String
        public var flow: String
        public var messageType: String
        public var unifiedCaseCode: String
        public var receivedAt: String
        public var events: [PackageEvent]
    }

    /// Who sent and who receives a package.
    public func parties(of packageId: String) async throws(StoreError) -> (sender: String, receiver: String)? {
        let rows = try await self.database.execute("SELECT sender_org, receiver_org FROM packages WHERE package_id = $1", [.text(packageId)])
        guard let row = rows.first, let sender = row.string("sender_org"), let receiver = row.string("receiver_org") else { return nil }
        return (sender, receiver)
    }

    /// The original bytes of a package.
    public func content(of packageId: String) async throws(StoreError) -> [UInt8]? {
        try await self.database.execute(
            "SELECT c.content FROM packages p JOIN package_contents c ON c.package_key = p.package_key WHERE p.package_id = $1",
            [.text(packageId)]
        ).first?.bytes("content")
    }

    public func events(of packageId: String) async throws(StoreError) -> [PackageEvent] {
        try await StoreRows.events(of: packageId, in: .hub, database: self.database)
    }

    /// A package and its history, or nil when the hub does not have it.
    public func summary(of packageId: String) async throws(StoreError) -> PackageSummary? {
        let rows = try await self.database.execute(
            "SELECT package_id, sender_org, receiver_org, flow, message_type, unified_case_code, received_at FROM packages WHERE package_id = $1",
            [.text(packageId)]
        )
        guard let row = rows.first else { return nil }
        return PackageSummary(
            packageId: packageId,
            sender: row.string("sender_org") ?? "",
            receiver: row.string("receiver_org") ?? "",
            flow: row.string("flow") ?? "",
            messageType: row.string("message_type") ?? "",
            unifiedCaseCode: row.string("unified_case_code") ?? "",
            receivedAt: row.string("received_at") ?? "",
            events: try await self.events(of: packageId)
        )
    }

    // MARK: Alerts

    /// Packages received before `cutoff` that are neither delivered nor refused nor already alerted.
    public func overdue(
        receivedBefore cutoff: String,
        limit: Int = 500
    ) async throws(StoreError) -> [(packageId: String, sender: String, receiver: String)] {
        try await self.database.execute(
            """
            SELECT p.package_id, p.sender_org, p.receiver_org FROM packages p
            WHERE p.delivered_at IS NULL AND p.received_at < $1
              AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.package_id = p.package_id)
            ORDER BY p.received_at LIMIT $2
            """,
            [.text(cutoff), .integer(limit)]
        ).map { ($0.string("package_id") ?? "", $0.string("sender_org") ?? "", $0.string("receiver_org") ?? "") }
    }

    /// Raises the alert for a package: recorded once, with the hop it is stuck after, and sent to both parties.
    public func raiseAlert(packageId: String, sender: String, receiver: String, stuckAfter: Hop, detail: String) async throws {
        let hub = self.hubOrganisation
        try await self.database.transaction { transaction in
            let inserted = try await transaction.execute(
                """
                INSERT INTO alerts (package_id, sender_org, receiver_org, stuck_after, raised_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (package_id) DO NOTHING RETURNING package_id
                """,
                [.text(packageId), .text(sender), .text(receiver), .text(stuckAfter.rawValue), .text(self.clock.timestamp())]
            )
            guard !inserted.isEmpty,
                let key = try await transaction.execute("SELECT package_key FROM packages WHERE package_id = $1", [.text(packageId)])
                    .first?.string("package_key")
            else { return }
            let event = PackageEvent(packageId: packageId, hop: .alerted, organisation: hub, detail: detail)
            let logged = try await StoreRows.insert(event, into: .hub, key: key, in: transaction)
            let feed = FeedWriter(clock: self.clock, boot: self.boot)
            if logged { feed.log(event, key: key) }
            feed.append(.event(event), packageId: packageId, to: sender)
            feed.append(.event(event), packageId: packageId, to: receiver)
            try await feed.flush(in: transaction)
        }
    }

    public func alerts(
        limit: Int = 100
    ) async throws(StoreError) -> [(packageId: String, sender: String, receiver: String, stuckAfter: String, raisedAt: String)] {
        try await self.database.execute(
            "SELECT package_id, sender_org, receiver_org, stuck_after, raised_at FROM alerts ORDER BY raised_at DESC LIMIT $1",
            [.integer(limit)]
        ).map {
            (
                $0.string("package_id") ?? "", $0.string("sender_org") ?? "", $0.string("receiver_org") ?? "", $0.string("stuck_after") ?? "",
                $0.string("raised_at") ?? ""
            )
        }
    }
}
