import Foundation
public import XietongCore

// The hops the node records and the reports it owes the hub; the feed cursor; reminders from the hub.
extension NodeStore {
    // MARK: Events and reports

    static func owe(_ event: PackageEvent, in transaction: any SQLTransaction) async throws {
        try await transaction.write(
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
                try await transaction.write(
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

    /// Keeps a change of a remote arraignment booking from the hub (issue 26) and moves the feed cursor past it,
    /// atomically; returns whether it was new.
    public func store(_ notice: BookingNotice, feedSeq: Int) async throws -> Bool {
        try await self.database.transaction { transaction in
            let inserted = try await transaction.execute(
                """
                INSERT INTO booking_notices (feed_seq, booking_id, action, body, received_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (feed_seq) DO NOTHING RETURNING feed_seq
                """,
                [
                    .integer(feedSeq), .text(notice.booking.request.bookingId), .text(notice.action.rawValue), .text(StoreRows.json(notice)),
                    .text(Timestamp.now()),
                ]
            )
            try await Self.setCursor(feedSeq, in: transaction)
            return !inserted.isEmpty
        }
    }

    /// Remote arraignment notices received, newest first; of one booking, or all.
    public func bookingNotices(booking: String? = nil, limit: Int = 100) async throws(StoreError) -> [BookingNotice] {
        try await self.database.execute(
            "SELECT body FROM booking_notices \(booking == nil ? "" : "WHERE booking_id = $2") ORDER BY feed_seq DESC LIMIT $1",
            [.integer(limit)] + (booking.map { [.text($0)] } ?? [])
        ).compactMap { StoreRows.decode(BookingNotice.self, $0.string("body")) }
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
}
