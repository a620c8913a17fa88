import Foundation
public import XietongCore

// The inbox: packages from the hub's feed, stored once, delivered in feed order per case, signed for or returned.
extension NodeStore {
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
        try await transaction.write("INSERT INTO inbox_contents (package_key, content) VALUES ($1, $2)", [.text(key), .blob(content)])
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
        try await transaction.write(
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
    /// the report owed to the hub. Returns the hop, or nothing when it was already delivered or is unknown.
    @discardableResult
    public func markDelivered(_ packageId: String) async throws -> Recorded {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let now = Timestamp.now()
            let updated = try await transaction.execute(
                "UPDATE inbox SET state = 'delivered', delivered_at = $1 WHERE package_id = $2 AND state = 'stored' RETURNING package_id",
                [.text(now), .text(packageId)]
            )
            guard !updated.isEmpty else { return Recorded() }
            let event = PackageEvent(packageId: packageId, hop: .delivered, at: now, organisation: organisation)
            try await StoreRows.insert(event, into: .node, in: transaction)
            try await Self.owe(event, in: transaction)
            return Recorded(events: [event], reportsOwed: true)
        }
    }

    /// Sign-for or return by the receiver (签收/退回), with its report to the hub. Returns the hop as stored, or
    /// nothing when the package is unknown or was signed for or returned before.
    @discardableResult
    public func receiverAction(_ packageId: String, hop: Hop, reason: String?) async throws -> Recorded {
        let organisation = self.organisation
        return try await self.database.transaction { transaction in
            let rows = try await transaction.execute("SELECT state FROM inbox WHERE package_id = $1", [.text(packageId)])
            guard !rows.isEmpty else { return Recorded() }
            let done = try await transaction.execute(
                "SELECT hop FROM node_events WHERE package_key = \(NodeSchema.packageKey) AND hop IN ('signedFor', 'returned')",
                [.text(packageId)]
            )
            guard done.isEmpty else { return Recorded() }
            let event = PackageEvent(packageId: packageId, hop: hop, organisation: organisation, detail: reason)
            try await StoreRows.insert(event, into: .node, in: transaction)
            try await Self.owe(event, in: transaction)
            return Recorded(events: [event], reportsOwed: true)
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

    /// A received package's entry, without its bytes.
    public func inboxItem(_ packageId: String) async throws(StoreError) -> InboxItem? {
        let rows = try await self.database.execute(
            "SELECT package_id, feed_seq, delivery, state, stored_at, delivered_at FROM inbox WHERE package_id = $1",
            [.text(packageId)]
        )
        return rows.first.flatMap(Self.inboxItem)
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
}
