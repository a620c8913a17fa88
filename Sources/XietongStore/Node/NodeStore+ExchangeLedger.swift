public import XietongCore

/// An alarm of the exchange database connector (issue 24): a broken increment it reconciled, a schema change that
/// stopped it, a row it could not read.
public struct ExchangeAlarm: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// ZJ-7.1.2.3 d: rows the increment skipped, found and sent.
        case brokenIncrement
        /// ZJ-7.1.2.3 e: the tables no longer match the layout; intake or delivery stopped.
        case schemaChanged
        /// The tables match the layout again; stopped work resumed.
        case schemaRestored
        /// Packages the node had delivered were missing from `xt_inbound` (a restored copy): written again.
        case inboundRestored
    }

    public var at: String
    public var kind: Kind
    public var detail: LocalizedText

    public init(at: String, kind: Kind, detail: LocalizedText) {
        self.at = at
        self.kind = kind
        self.detail = detail
    }
}

// The exchange database connector's ledger at the node (issue 24): what it read, what it sent, where it stopped.
extension NodeStore {
    public struct ExchangeProgress: Sendable, Hashable {
        public var position: ExchangeDatabase.Position?
        public var rowsAtOrBelow: Int?
        public var reconciledAt: String?
    }

    public func exchangeProgress() async throws(StoreError) -> ExchangeProgress {
        guard let row = try await self.database.execute("SELECT * FROM exchange_progress WHERE id = 1", []).first else {
            return ExchangeProgress()
        }
        let position = row.int("change_seq").map { ExchangeDatabase.Position(changeSeq: $0, rowKey: row.string("row_key") ?? "") }
        return ExchangeProgress(position: position, rowsAtOrBelow: row.int("rows_at_or_below"), reconciledAt: row.string("reconciled_at"))
    }

    /// Moves the watermark (nil: back to the start) and records the rows at or below it.
    public func setExchangeProgress(_ position: ExchangeDatabase.Position?, rowsAtOrBelow: Int?, at now: String) async throws(StoreError) {
        try await self.database.execute(
            """
            INSERT INTO exchange_progress (id, change_seq, row_key, rows_at_or_below, updated_at) VALUES (1, $1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq, row_key = excluded.row_key,
                rows_at_or_below = excluded.rows_at_or_below, updated_at = excluded.updated_at
            """,
            [.optional(position?.changeSeq), .optional(position?.rowKey), .optional(rowsAtOrBelow), .text(now)]
        )
    }

    public func markExchangeReconciled(at now: String) async throws(StoreError) {
        try await self.database.execute(
            """
            INSERT INTO exchange_progress (id, reconciled_at, updated_at) VALUES (1, $1, $1)
            ON CONFLICT (id) DO UPDATE SET reconciled_at = excluded.reconciled_at
            """,
            [.text(now)]
        )
    }

    /// The change value and the content's hash each of these rows had when it was read, by key (rows never read are
    /// absent).
    public func readRows(_ keys: [String]) async throws(StoreError) -> [String: (changeSeq: Int, contentSHA256: String)] {
        guard !keys.isEmpty else { return [:] }
        let placeholders = keys.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        var read: [String: (changeSeq: Int, contentSHA256: String)] = [:]
        let rows = try await self.database.execute(
            "SELECT row_key, change_seq, content_sha256 FROM exchange_rows WHERE row_key IN (\(placeholders))",
            keys.map { .text($0) }
        )
        for row in rows {
            if let key = row.string("row_key"), let seq = row.int("change_seq") { read[key] = (seq, row.string("content_sha256") ?? "") }
        }
        return read
    }

    /// The package a content was sent as, and the row it first came from.
    public func exchangeSent(contentSHA256: String) async throws(StoreError) -> (packageId: String, rowKey: String)? {
        guard
            let row = try await self.database.execute(
                "SELECT package_id, row_key FROM exchange_sent WHERE content_sha256 = $1",
                [.text(contentSHA256)]
            ).first,
            let packageId = row.string("package_id"), let rowKey = row.string("row_key")
        else { return nil }
        return (packageId, rowKey)
    }

    /// Records a row as read with its outcome; an accepted package's content as sent (kept from its first row).
    public func recordExchangeRow(_ status: ExchangeDatabase.OutboundStatus, at now: String) async throws {
        try await self.database.transaction { transaction in
            try await transaction.write(
                """
                INSERT INTO exchange_rows (row_key, change_seq, content_sha256, package_id, state, read_at) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (row_key) DO UPDATE SET change_seq = excluded.change_seq, content_sha256 = excluded.content_sha256,
                    package_id = excluded.package_id, state = excluded.state, read_at = excluded.read_at
                """,
                [
                    .text(status.rowKey), .integer(status.changeSeq), .text(status.contentSHA256), .optional(status.packageId),
                    .text(status.state.rawValue), .text(now),
                ]
            )
            if status.state == .accepted, let packageId = status.packageId {
                try await transaction.write(
                    """
                    INSERT INTO exchange_sent (content_sha256, package_id, row_key, sent_at, hops_written, settled) VALUES ($1, $2, $3, $4, 0, 0)
                    ON CONFLICT (content_sha256) DO NOTHING
                    """,
                    [.text(status.contentSHA256), .text(packageId), .text(status.rowKey), .text(now)]
                )
            }
        }
    }

    /// Sent packages whose hops are not all written back yet, a page at a time in the order of their content's hash
    /// after `after` (nil: from the first): the connector goes round all of them, so that packages never signed for
    /// do not hold back newer ones.
    public func unsettledExchangeSends(
        after: String?,
        limit: Int
    ) async throws(StoreError) -> [(contentSHA256: String, packageId: String, hopsWritten: Int)] {
        try await self.database.execute(
            """
            SELECT content_sha256, package_id, hops_written FROM exchange_sent WHERE settled = 0 AND content_sha256 > $1
            ORDER BY content_sha256 LIMIT $2
            """,
            [.text(after ?? ""), .integer(limit)]
        ).compactMap { row in
            guard let sha = row.string("content_sha256"), let packageId = row.string("package_id") else { return nil }
            return (sha, packageId, row.int("hops_written") ?? 0)
        }
    }

    public func noteExchangeHops(contentSHA256: String, written: Int, settled: Bool) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE exchange_sent SET hops_written = $1, settled = $2 WHERE content_sha256 = $3",
            [.integer(written), .integer(settled ? 1 : 0), .text(contentSHA256)]
        )
    }

    public func raise(_ alarm: ExchangeAlarm) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO exchange_alarms (at, kind, detail) VALUES ($1, $2, $3) ON CONFLICT (at, kind) DO NOTHING",
            [.text(alarm.at), .text(alarm.kind.rawValue), .text(StoreRows.json(alarm.detail))]
        )
    }

    /// The newest alarms first.
    public func exchangeAlarms(limit: Int = 50) async throws(StoreError) -> [ExchangeAlarm] {
        try await self.database.execute("SELECT at, kind, detail FROM exchange_alarms ORDER BY at DESC LIMIT $1", [.integer(limit)]).compactMap {
            row in
            guard let at = row.string("at"), let kind = row.string("kind").flatMap(ExchangeAlarm.Kind.init(rawValue:)),
                let detail = StoreRows.decode(LocalizedText.self, row.string("detail"))
            else { return nil }
            return ExchangeAlarm(at: at, kind: kind, detail: detail)
        }
    }
}
