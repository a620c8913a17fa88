import Foundation
public import XietongCore

/// An agency node's state: its outbox to the hub, its inbox from the hub, the hops it knows, the reports it owes the
/// hub, uploads in progress and subscriptions.
public struct NodeStore: Sendable {
    public let database: any SQLDatabase
    public let organisation: String

    public init(database: any SQLDatabase, organisation: String) {
        self.database = database
        self.organisation = organisation
    }

    // MARK: Outbox

    public struct OutboxItem: Sendable {
        public var packageId: String
        public var nodeSeq: Int
        public var lane: Int
        public var content: [UInt8]
        public var attachments: [Delivery.File]
        public var attempts: Int
        /// The hub's receipt from before a restore of the hub that lost the package: sent with it again (issue 19).
        public var hubReceipt: Receipt? = nil
    }

    /// A receipt for this idempotency key or package id, if the node has seen it (GZ-7).
    public func existingReceipt(idempotencyKey: String, packageId: String) async throws(StoreError) -> (receipt: Receipt, sameContent: [UInt8]?)? {
        let rows = try await self.database.execute(
            """
            SELECT o.receipt, c.content FROM outbox o JOIN outbox_contents c ON c.package_key = o.package_key
            WHERE o.idempotency_key = $1 OR o.package_id = $2
            """,
            [.text(idempotencyKey), .text(packageId)]
        )
        guard let row = rows.first, let receipt = StoreRows.decode(Receipt.self, row.string("receipt")) else { return nil }
        return (receipt, row.bytes("content"))
    }

    /// Queues a checked package for the hub, with its `acceptedByNode` hop, atomically. Returns the earlier receipt
    /// when the same package or key was queued concurrently.
    public func enqueue(_ package: CasePackage, content: [UInt8], lane: Int, receipt: Receipt) async throws -> Receipt {
        let envelope = package.envelope
        let files = package.attachments.map { Delivery.File(sha256: $0.sha256.lowercased(), size: $0.size, name: $0.name, mediaType: $0.mediaType) }
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            // A repeat was answered before the check (`existingReceipt`); one racing it loses the insert below.
            let seq = try await Self.next("outbox", in: transaction)
            let key = PackageKey.next()
            let inserted = try await transaction.execute(
                """
                INSERT INTO outbox (package_id, idempotency_key, node_seq, lane, receiver_org, flow, message_type, attachments,
                    state, receipt, attempts, next_attempt_at, accepted_at, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, 0, $10, $11, $12)
                ON CONFLICT DO NOTHING RETURNING package_id
                """,
                [
                    .text(envelope.packageId), .text(envelope.idempotencyKey), .integer(seq), .integer(lane),
                    .text(envelope.receiver.organisationCode), .text(envelope.flow), .text(envelope.messageType),
                    .text(StoreRows.json(files)), .text(StoreRows.json(receipt)), .text(receipt.receivedAt), .text(receipt.receivedAt),
                    .text(key),
                ]
            )
            guard !inserted.isEmpty else {
                // The same package or key was queued first (a concurrent click): its receipt is the answer.
                let first = try await transaction.execute(
                    "SELECT receipt FROM outbox WHERE idempotency_key = $1 OR package_id = $2",
                    [.text(envelope.idempotencyKey), .text(envelope.packageId)]
                )
                guard let earlier = first.first.flatMap({ StoreRows.decode(Receipt.self, $0.string("receipt")) }) else {
                    throw StoreError(.conflict, zh: "数据包编号冲突", en: "the package id or idempotency key conflicts with another package")
                }
                return earlier
            }
            try await transaction.execute(
                "INSERT INTO outbox_contents (package_key, content) VALUES ($1, $2)",
                [.text(key), .blob(content)]
            )
            try await StoreRows.insert(
                PackageEvent(packageId: envelope.packageId, hop: .acceptedByNode, at: receipt.receivedAt, organisation: organisation),
                into: .node,
                key: key,
                in: transaction
            )
            return receipt
        }
    }

    static func next(_ counter: String, in transaction: any SQLTransaction) async throws -> Int {
        let rows = try await transaction.execute(
            """
            INSERT INTO node_counters (name, value) VALUES ($1, 1)
            ON CONFLICT (name) DO UPDATE SET value = node_counters.value + 1 RETURNING value
            """,
            [.text(counter)]
        )
        guard let value = rows.first?.int("value") else { throw StoreError(.query, zh: "计数失败", en: "cannot advance the counter \(counter)") }
        return value
    }

    /// The oldest pending package of a lane, if it is due. Packages of one lane go strictly in order, so a case's
    /// messages reach the hub in the order they were sent.
    public func nextPending(lane: Int, now: String) async throws(StoreError) -> (item: OutboxItem, due: Bool)? {
        let rows = try await self.database.execute(
            """
            SELECT o.package_id, o.node_seq, o.lane, c.content, o.attachments, o.attempts, o.next_attempt_at
            FROM outbox o JOIN outbox_contents c ON c.package_key = o.package_key
            WHERE o.state = 'pending' AND o.lane = $1 ORDER BY o.node_seq LIMIT 1
            """,
            [.integer(lane)]
        )
        guard let row = rows.first, let packageId = row.string("package_id") else { return nil }
        let item = OutboxItem(
            packageId: packageId,
            nodeSeq: row.int("node_seq") ?? 0,
            lane: lane,
            content: row.bytes("content") ?? [],
            attachments: StoreRows.decode([Delivery.File].self, row.string("attachments")) ?? [],
            attempts: row.int("attempts") ?? 0
        )
        return (item, (row.string("next_attempt_at") ?? "") <= now)
    }

    /// The pending packages at the head of a lane, in order, up to `limit`; empty when the head is not yet due.
    public func pendingBatch(lane: Int, now: String, limit: Int) async throws(StoreError) -> [OutboxItem] {
        let rows = try await self.database.execute(
            """
            SELECT o.package_id, o.node_seq, o.lane, c.content, o.attachments, o.attempts, o.next_attempt_at, o.hub_receipt
            FROM outbox o JOIN outbox_contents c ON c.package_key = o.package_key
            WHERE o.state = 'pending' AND o.lane = $1 ORDER BY o.node_seq LIMIT $2
            """,
            [.integer(lane), .integer(limit)]
        )
        guard let first = rows.first, (first.string("next_attempt_at") ?? "") <= now else { return [] }
        return rows.compactMap { row in
            guard let packageId = row.string("package_id") else { return nil }
            return OutboxItem(
                packageId: packageId,
                nodeSeq: row.int("node_seq") ?? 0,
                lane: lane,
                content: row.bytes("content") ?? [],
                attachments: StoreRows.decode([Delivery.File].self, row.string("attachments")) ?? [],
                attempts: row.int("attempts") ?? 0,
                hubReceipt: row.string("hub_receipt").flatMap { StoreRows.decode(Receipt.self, $0) }
            )
        }
    }

    /// Records the hub's receipts for a batch in one transaction: forwarded with the hub's hops, or refused with its
    /// findings (ZJ-7.2.6). Returns the hops recorded now, for the WebSocket.
    @discardableResult
    public func settle(_ receipts: [(packageId: String, receipt: Receipt)]) async throws -> [PackageEvent] {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            var recorded: [PackageEvent] = []
            for (packageId, receipt) in receipts {
                recorded += try await Self.settleOne(packageId: packageId, hubReceipt: receipt, organisation: organisation, in: transaction)
            }
            return recorded
        }
    }

    /// Makes every pending package that waits for its retry time due at `now`: the hub answers again, so waiting out
    /// each package's backoff would only delay the backlog (issue 19, item 6). Returns how many were waiting.
    @discardableResult
    public func retryAllNow(at now: String) async throws(StoreError) -> Int {
        try await self.database.execute(
            "UPDATE outbox SET next_attempt_at = $1 WHERE state = 'pending' AND next_attempt_at > $1 RETURNING package_id",
            [.text(now)]
        ).count
    }

    /// Records a failed attempt and when to try again.
    public func retryLater(packageId: String, at: String, error: String) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE package_id = $3",
            [.text(at), .text(error), .text(packageId)]
        )
    }

    static func settleOne(
        packageId: String,
        hubReceipt: Receipt,
        organisation: String,
        in transaction: any SQLTransaction
    ) async throws -> [PackageEvent] {
        let state = hubReceipt.status == .accepted ? "forwarded" : "refused"
        try await transaction.execute(
            "UPDATE outbox SET state = $1, hub_receipt = $2 WHERE package_id = $3 AND state = 'pending'",
            [.text(state), .text(StoreRows.json(hubReceipt)), .text(packageId)]
        )
        var events = (hubReceipt.hops ?? []).filter { $0.packageId == packageId }
        if hubReceipt.status == .refused {
            events.append(
                PackageEvent(
                    packageId: packageId,
                    hop: .refused,
                    at: hubReceipt.receivedAt,
                    organisation: organisation,
                    detail: "hub",
                    findings: hubReceipt.findings
                )
            )
        }
        var recorded: [PackageEvent] = []
        for event in events where try await StoreRows.insert(event, into: .node, in: transaction) {
            recorded.append(event)
        }
        return recorded
    }

    public func hubReceipt(of packageId: String) async throws(StoreError) -> Receipt? {
        StoreRows.decode(
            Receipt.self,
            try await self.database.execute("SELECT hub_receipt FROM outbox WHERE package_id = $1", [.text(packageId)]).first?.string("hub_receipt")
        )
    }

    /// Records an alert for every package still waiting for the hub since before `cutoff`; returns the new alerts.
    public func alertOverdueOutbox(acceptedBefore cutoff: String) async throws -> [PackageEvent] {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let rows = try await transaction.execute(
                """
                SELECT o.package_id FROM outbox o WHERE o.state = 'pending' AND o.accepted_at < $1
                  AND NOT EXISTS (SELECT 1 FROM node_events e WHERE e.package_key = o.package_key AND e.hop = 'alerted')
                ORDER BY o.node_seq LIMIT 500
                """,
                [.text(cutoff)]
            )
            var raised: [PackageEvent] = []
            for row in rows {
                guard let packageId = row.string("package_id") else { continue }
                let event = PackageEvent(
                    packageId: packageId,
                    hop: .alerted,
                    organisation: organisation,
                    detail: "stuck after acceptedByNode, waiting for receivedByHub / 停留在“发送节点已接收”之后，中心平台尚未确认"
                )
                try await StoreRows.insert(event, into: .node, in: transaction)
                raised.append(event)
            }
            return raised
        }
    }

    // MARK: Inbox

    public struct InboxItem: Sendable, Codable {
        public var packageId: String
        public var feedSeq: Int
        public var delivery: Delivery
        public var state: String
        public var storedAt: String
        public var deliveredAt: String?
    }

    public func hasInbox(_ packageId: String) async throws(StoreError) -> Bool {
        try await !self.database.execute("SELECT package_id FROM inbox WHERE package_id = $1", [.text(packageId)]).isEmpty
    }

    /// Stores a package from the hub with its `storedByReceiver` hop and the report owed to the hub, atomically.
    /// Storing the same package again changes nothing.
    @discardableResult
    public func store(_ delivery: Delivery, feedSeq: Int, content: [UInt8], cursor: Int? = nil) async throws -> Recorded {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let event = try await Self.storeOne(delivery, feedSeq: feedSeq, content: content, organisation: organisation, in: transaction)
            if let cursor { try await Self.setCursor(cursor, in: transaction) }
            return Recorded(events: event.map { [$0] } ?? [], reportsOwed: event != nil)
        }
    }

    /// What a change of the node's store wrote (issue 21, item 2): the hops, exactly as stored, which the node
    /// announces to its WebSocket subscribers (`NodeEngine.announce`), and whether it owes the hub reports of them.
    public struct Recorded: Sendable, Hashable {
        public var events: [PackageEvent]
        public var reportsOwed: Bool

        public init(events: [PackageEvent] = [], reportsOwed: Bool = false) {
            self.events = events
            self.reportsOwed = reportsOwed
        }

        /// Nothing was written: the package was unknown, or the change was made before.
        public var isEmpty: Bool { self.events.isEmpty }
    }

    /// Stores a run of deliveries from the feed, each with its `storedByReceiver` hop and the report owed to the
    /// hub, and moves the cursor to `cursor`, in one transaction: one durable commit for the run. Returns the hops of
    /// the packages it stored (not of those stored before).
    @discardableResult
    public func store(_ batch: [(delivery: Delivery, seq: Int, content: [UInt8])], cursor: Int) async throws -> Recorded {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            var events: [PackageEvent] = []
            for item in batch {
                if let event = try await Self.storeOne(
                    item.delivery,
                    feedSeq: item.seq,
                    content: item.content,
                    organisation: organisation,
                    in: transaction
                ) {
                    events.append(event)
                }
            }
            try await Self.setCursor(cursor, in: transaction)
            return Recorded(events: events, reportsOwed: !events.isEmpty)
        }
    }

    /// Stores one delivery with its hop and report; nil when it was stored before.
    static func storeOne(
        _ delivery: Delivery,
        feedSeq: Int,
        content: [UInt8],
        organisation: String,
        in transaction: any SQLTransaction
    ) async throws -> PackageEvent? {
        let now = Timestamp.now()
        // A new key, unless the package has hops here already without an inbox row (a delivery refused before, sent
        // again): then it keeps the key they are filed under. Such keys start with '!', at the start of the index.
        let inserted = try await transaction.execute(
            """
            INSERT INTO inbox (package_id, feed_seq, sender_org, flow, message_type, unified_case_code, delivery, state,
                stored_at, attempts, next_attempt_at, case_bucket, package_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'stored', $8, 0, $9, $10,
                COALESCE((SELECT package_key FROM node_events WHERE package_key = $12 LIMIT 1), $11))
            ON CONFLICT (package_id) DO NOTHING RETURNING package_key
            """,
            [
                .text(delivery.packageId), .integer(feedSeq), .text(delivery.sender), .text(delivery.flow), .text(delivery.messageType),
                .text(delivery.unifiedCaseCode), .text(StoreRows.json(delivery)), .text(now), .text(now),
                .integer(NodeSchema.bucket(of: delivery.unifiedCaseCode)), .text(PackageKey.next()), .text(PackageKey.legacy(delivery.packageId)),
            ]
        )
        guard let key = inserted.first?.string("package_key") else { return nil }
        try await transaction.execute("INSERT INTO inbox_contents (package_key, content) VALUES ($1, $2)", [.text(key), .blob(content)])
        let event = PackageEvent(packageId: delivery.packageId, hop: .storedByReceiver, at: now, organisation: organisation)
        try await StoreRows.insert(event, into: .node, key: key, in: transaction)
        try await Self.owe(event, in: transaction)
        return event
    }

    /// Records hops learnt from the hub's feed and moves the feed cursor, in one transaction. Returns the hops that
    /// were new.
    public func apply(_ events: [PackageEvent], cursor: Int) async throws -> [PackageEvent] {
        try await self.database.transaction { transaction in
            var new: [PackageEvent] = []
            for event in events where try await StoreRows.insert(event, into: .node, in: transaction) {
                new.append(event)
            }
            try await Self.setCursor(cursor, in: transaction)
            return new
        }
    }

    static func setCursor(_ seq: Int, in transaction: any SQLTransaction) async throws {
        try await transaction.execute(
            "INSERT INTO node_state (key, value) VALUES ('feed_cursor', $1) ON CONFLICT (key) DO UPDATE SET value = $1",
            [.text(String(seq))]
        )
    }

    /// Records that the receiving node refused a package (content or attachments did not verify), and owes the hub
    /// the report so that the sender gets the findings (ZJ-7.2.6).
    @discardableResult
    public func refuseIncoming(_ delivery: Delivery, findings: [Finding], cursor: Int) async throws -> Recorded {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let event = PackageEvent(packageId: delivery.packageId, hop: .refused, organisation: organisation, detail: "receiver", findings: findings)
            try await Self.setCursor(cursor, in: transaction)
            guard try await StoreRows.insert(event, into: .node, in: transaction) else { return Recorded() }
            try await Self.owe(event, in: transaction)
            return Recorded(events: [event], reportsOwed: true)
        }
    }

    /// The next stored package to push to the business system among the case buckets of worker `worker` of
    /// `workers`, in feed order: a case's packages are always pushed by the same worker, in order.
    public func nextUndelivered(
        worker: Int = 0,
        of workers: Int = 1
    ) async throws(StoreError) -> (
        item: InboxItem, content: [UInt8], due: String, attempts: Int
    )? {
        let rows = try await self.database.execute(
            """
            SELECT i.package_id, i.feed_seq, i.delivery, i.state, i.stored_at, i.delivered_at, c.content, i.next_attempt_at, i.attempts
            FROM inbox i JOIN inbox_contents c ON c.package_key = i.package_key
            WHERE i.package_id = (
                SELECT package_id FROM inbox WHERE state = 'stored' AND case_bucket % $1 = $2 ORDER BY feed_seq LIMIT 1
            )
            """,
            [.integer(max(workers, 1)), .integer(worker)]
        )
        guard let row = rows.first, let item = Self.inboxItem(row) else { return nil }
        return (item, row.bytes("content") ?? [], row.string("next_attempt_at") ?? "", row.int("attempts") ?? 0)
    }

    public func retryDelivery(packageId: String, at: String, error: String) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE inbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE package_id = $3",
            [.text(at), .text(error), .text(packageId)]
        )
    }

    /// Marks a package delivered to the business system (push answered 2xx, or pull acknowledged), with its hop and
    /// the report owed to the hub. Returns false when it was already delivered or is unknown.
    @discardableResult
    public func markDelivered(_ packageId: String) async throws -> Bool {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let now = Timestamp.now()
            let updated = try await transaction.execute(
                "UPDATE inbox SET state = 'delivered', delivered_at = $1 WHERE package_id = $2 AND state = 'stored' RETURNING package_id",
                [.text(now), .text(packageId)]
            )
            guard !updated.isEmpty else { return false }
            let event = PackageEvent(packageId: packageId, hop: .delivered, at: now, organisation: organisation)
            try await StoreRows.insert(event, into: .node, in: transaction)
            try await Self.owe(event, in: transaction)
            return true
        }
    }

    /// Sign-for or return by the receiver (签收/退回), with its report to the hub.
    public func receiverAction(_ packageId: String, hop: Hop, reason: String?) async throws -> Bool {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let rows = try await transaction.execute("SELECT state FROM inbox WHERE package_id = $1", [.text(packageId)])
            guard !rows.isEmpty else { return false }
            let done = try await transaction.execute(
                "SELECT hop FROM node_events WHERE package_key = \(NodeSchema.packageKey) AND hop IN ('signedFor', 'returned')",
                [.text(packageId)]
            )
            guard done.isEmpty else { return false }
            let event = PackageEvent(packageId: packageId, hop: hop, organisation: organisation, detail: reason)
            try await StoreRows.insert(event, into: .node, in: transaction)
            try await Self.owe(event, in: transaction)
            return true
        }
    }

    static func inboxItem(_ row: SQLRow) -> InboxItem? {
        guard let packageId = row.string("package_id"), let delivery = StoreRows.decode(Delivery.self, row.string("delivery")) else { return nil }
        return InboxItem(
            packageId: packageId,
            feedSeq: row.int("feed_seq") ?? 0,
            delivery: delivery,
            state: row.string("state") ?? "",
            storedAt: row.string("stored_at") ?? "",
            deliveredAt: row.string("delivered_at")
        )
    }

    /// Incoming packages after a feed position, for pull (ZJ-7.1.3.2 b) and queries.
    public func inbox(
        afterSeq: Int = 0,
        undeliveredOnly: Bool = false,
        caseCode: String? = nil,
        limit: Int = 100
    ) async throws(StoreError) -> [InboxItem] {
        var sql = "SELECT package_id, feed_seq, delivery, state, stored_at, delivered_at FROM inbox WHERE feed_seq > $1"
        var binds: [SQLValue] = [.integer(afterSeq)]
        if undeliveredOnly { sql += " AND state = 'stored'" }
        if let caseCode {
            binds.append(.text(caseCode))
            sql += " AND unified_case_code = $\(binds.count)"
        }
        binds.append(.integer(limit))
        sql += " ORDER BY feed_seq LIMIT $\(binds.count)"
        return try await self.database.execute(sql, binds).compactMap(Self.inboxItem)
    }

    public func inboxContent(_ packageId: String) async throws(StoreError) -> (item: InboxItem, content: [UInt8])? {
        let rows = try await self.database.execute(
            """
            SELECT i.package_id, i.feed_seq, i.delivery, i.state, i.stored_at, i.delivered_at, c.content
            FROM inbox i JOIN inbox_contents c ON c.package_key = i.package_key WHERE i.package_id = $1
            """,
            [.text(packageId)]
        )
        guard let row = rows.first, let item = Self.inboxItem(row) else { return nil }
        return (item, row.bytes("content") ?? [])
    }

    // MARK: Events and reports

    static func owe(_ event: PackageEvent, in transaction: any SQLTransaction) async throws {
        try await transaction.execute(
            """
            INSERT INTO reports (package_id, hop, event, attempts, next_attempt_at) VALUES ($1, $2, $3, 0, $4)
            ON CONFLICT (package_id, hop) DO NOTHING
            """,
            [.text(event.packageId), .text(event.hop.rawValue), .text(StoreRows.json(event)), .text(event.at)]
        )
    }

    public func events(of packageId: String) async throws(StoreError) -> [PackageEvent] {
        try await StoreRows.events(of: packageId, in: .node, database: self.database)
    }

    /// Reports owed to the hub, oldest first.
    public func dueReports(limit: Int = 100) async throws(StoreError) -> [PackageEvent] {
        try await self.database.execute("SELECT event FROM reports ORDER BY next_attempt_at LIMIT $1", [.integer(limit)]).compactMap {
            StoreRows.decode(PackageEvent.self, $0.string("event"))
        }
    }

    /// Removes reports the hub has answered, in one transaction.
    public func reported(_ events: [PackageEvent]) async throws {
        guard !events.isEmpty else { return }
        try await self.database.transaction { transaction in
            for event in events {
                try await transaction.execute(
                    "DELETE FROM reports WHERE package_id = $1 AND hop = $2",
                    [.text(event.packageId), .text(event.hop.rawValue)]
                )
            }
        }
    }

    // MARK: Feed cursor

    public func feedCursor() async throws(StoreError) -> Int {
        Int(try await self.database.execute("SELECT value FROM node_state WHERE key = 'feed_cursor'", []).first?.string("value") ?? "0") ?? 0
    }

    // MARK: Reminders (issue 5, GS-3)

    /// Keeps a reminder from the hub and moves the feed cursor past it, atomically; returns whether it was new.
    public func store(_ reminder: DeadlineReminder, feedSeq: Int) async throws -> Bool {
        try await self.database.transaction { transaction in
            let inserted = try await transaction.execute(
                """
                INSERT INTO reminders (package_id, seq, point, feed_seq, body, received_at) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (package_id, seq, point) DO NOTHING RETURNING package_id
                """,
                [
                    .text(reminder.packageId), .integer(reminder.seq), .text(reminder.point.rawValue), .integer(feedSeq),
                    .text(StoreRows.json(reminder)), .text(Timestamp.now()),
                ]
            )
            try await Self.setCursor(feedSeq, in: transaction)
            return !inserted.isEmpty
        }
    }

    /// Reminders received, newest first.
    public func reminders(limit: Int = 100) async throws(StoreError) -> [DeadlineReminder] {
        try await self.database.execute("SELECT body FROM reminders ORDER BY feed_seq DESC LIMIT $1", [.integer(limit)]).compactMap {
            StoreRows.decode(DeadlineReminder.self, $0.string("body"))
        }
    }

    public func setFeedCursor(_ seq: Int) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO node_state (key, value) VALUES ('feed_cursor', $1) ON CONFLICT (key) DO UPDATE SET value = $1",
            [.text(String(seq))]
        )
    }

    // MARK: Uploads

    public struct Upload: Sendable, Codable {
        public var uploadId: String
        public var sha256: String
        public var size: Int
        public var received: Int
        public var name: String?
        public var completed: Bool

        public init(uploadId: String, sha256: String, size: Int, received: Int, name: String?, completed: Bool) {
            self.uploadId = uploadId
            self.sha256 = sha256
            self.size = size
            self.received = received
            self.name = name
            self.completed = completed
        }
    }

    public func createUpload(sha256: String, size: Int, name: String?) async throws(StoreError) -> Upload {
        let upload = Upload(uploadId: UUID().uuidString.lowercased(), sha256: sha256, size: size, received: 0, name: name, completed: false)
        try await self.database.execute(
            "INSERT INTO uploads (upload_id, sha256, size, received, name, created_at) VALUES ($1, $2, $3, 0, $4, $5)",
            [.text(upload.uploadId), .text(sha256), .integer(size), .optional(name), .text(Timestamp.now())]
        )
        return upload
    }

    public func upload(_ uploadId: String) async throws(StoreError) -> Upload? {
        guard
            let row = try await self.database.execute(
                "SELECT upload_id, sha256, size, received, name, completed_at FROM uploads WHERE upload_id = $1",
                [.text(uploadId)]
            ).first
        else { return nil }
        return Upload(
            uploadId: uploadId,
            sha256: row.string("sha256") ?? "",
            size: row.int("size") ?? 0,
            received: row.int("received") ?? 0,
            name: row.string("name"),
            completed: row.string("completed_at") != nil
        )
    }

    public func setUploadProgress(_ uploadId: String, received: Int, completed: Bool) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE uploads SET received = $1, completed_at = $2 WHERE upload_id = $3",
            [.integer(received), completed ? .text(Timestamp.now()) : .null, .text(uploadId)]
        )
    }

    // MARK: Subscriptions

    public struct Subscription: Sendable, Codable {
        public var subscriptionId: String
        public var url: String
        public var intervalSeconds: Int
        public var flows: [String]
        public var afterSeq: Int
        public var nextRunAt: String
    }

    public func addSubscription(url: String, intervalSeconds: Int, flows: [String]) async throws(StoreError) -> Subscription {
        let subscription = Subscription(
            subscriptionId: UUID().uuidString.lowercased(),
            url: url,
            intervalSeconds: intervalSeconds,
            flows: flows,
            afterSeq: 0,
            nextRunAt: Timestamp.string(Date().addingTimeInterval(TimeInterval(intervalSeconds)))
        )
        try await self.database.execute(
            """
            INSERT INTO subscriptions (subscription_id, url, interval_seconds, flows, after_seq, next_run_at, created_at)
            VALUES ($1, $2, $3, $4, 0, $5, $6)
            """,
            [
                .text(subscription.subscriptionId), .text(url), .integer(intervalSeconds), .text(StoreRows.json(flows)),
                .text(subscription.nextRunAt), .text(Timestamp.now()),
            ]
        )
        return subscription
    }

    public func subscriptions() async throws(StoreError) -> [Subscription] {
        try await self.database.execute("SELECT * FROM subscriptions ORDER BY created_at", []).map {
            Subscription(
                subscriptionId: $0.string("subscription_id") ?? "",
                url: $0.string("url") ?? "",
                intervalSeconds: $0.int("interval_seconds") ?? 60,
                flows: StoreRows.decode([String].self, $0.string("flows")) ?? [],
                afterSeq: $0.int("after_seq") ?? 0,
                nextRunAt: $0.string("next_run_at") ?? ""
            )
        }
    }

    public func advanceSubscription(_ id: String, afterSeq: Int, nextRunAt: String) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE subscriptions SET after_seq = $1, next_run_at = $2 WHERE subscription_id = $3",
            [.integer(afterSeq), .text(nextRunAt), .text(id)]
        )
    }
}
