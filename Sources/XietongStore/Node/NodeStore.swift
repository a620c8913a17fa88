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
        /// When the node accepted it from the business system.
        public var acceptedAt = ""
        /// Its trace's context (issue 22), while tracing is on.
        public var traceparent: String? = nil
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

    /// Queues a checked package for the hub, with its `acceptedByNode` hop, atomically. Returns the receipt and the
    /// hop it wrote, or the earlier receipt and nothing when the same package or key was queued concurrently.
    public func enqueue(
        _ package: CasePackage,
        content: [UInt8],
        lane: Int,
        receipt: Receipt,
        traceparent: String? = nil
    ) async throws -> (receipt: Receipt, recorded: Recorded) {
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
                    state, receipt, attempts, next_attempt_at, accepted_at, package_key, traceparent)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, 0, $10, $11, $12, $13)
                ON CONFLICT DO NOTHING RETURNING package_id
                """,
                [
                    .text(envelope.packageId), .text(envelope.idempotencyKey), .integer(seq), .integer(lane),
                    .text(envelope.receiver.organisationCode), .text(envelope.flow), .text(envelope.messageType),
                    .text(StoreRows.json(files)), .text(StoreRows.json(receipt)), .text(receipt.receivedAt), .text(receipt.receivedAt),
                    .text(key), .optional(traceparent),
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
                return (earlier, Recorded())
            }
            try await transaction.write(
                "INSERT INTO outbox_contents (package_key, content) VALUES ($1, $2)",
                [.text(key), .blob(content)]
            )
            let event = PackageEvent(packageId: envelope.packageId, hop: .acceptedByNode, at: receipt.receivedAt, organisation: organisation)
            try await StoreRows.insert(event, into: .node, key: key, in: transaction)
            return (receipt, Recorded(events: [event]))
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
            SELECT o.package_id, o.node_seq, o.lane, c.content, o.attachments, o.attempts, o.next_attempt_at, o.hub_receipt,
                   o.accepted_at, o.traceparent
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
                hubReceipt: row.string("hub_receipt").flatMap { StoreRows.decode(Receipt.self, $0) },
                acceptedAt: row.string("accepted_at") ?? "",
                traceparent: row.string("traceparent")
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
        try await transaction.write(
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

}
