public import Foundation
public import XietongCore

/// What the hub's gauges show when Prometheus scrapes it (issue 22, item 1): read from the tables, not counted as
/// things happen, so that they are right after a restart and across several hub instances on one database.
extension HubStore {
    public struct Gauges: Sendable {
        /// Accepted packages the receiving node has not yet taken, and when the oldest was received.
        public var undelivered: Int
        public var oldestUndelivered: Date?
        public var evidenceLeaves: Int
        public var lastHeadSignedAt: Date?
        /// Per responsible agency, custody limits (a person held) apart: open time limits, those due within the
        /// reminder window, and the overdue ones.
        public var limits: [(agency: String, custody: Bool, open: Int, dueSoon: Int, overdue: Int)]
    }

    public func gauges(today: CalendarDate? = nil, dueSoonDays: Int = 2) async throws(StoreError) -> Gauges {
        let today = today ?? self.clock.today
        let queue = try await self.database.execute(
            "SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM packages WHERE delivered_at IS NULL",
            []
        ).first
        let leaves = try await self.database.execute("SELECT size FROM evidence_size WHERE id = 1", []).first?.int("size") ?? 0
        let signed = try await self.database.execute("SELECT MAX(signed_at) AS at FROM tree_heads", []).first?.string("at")
        let limits = try await self.database.execute(
            """
            SELECT responsible_org AS agency, custody, COUNT(*) AS open,
                   SUM(CASE WHEN due_on >= $1 AND due_on <= $2 THEN 1 ELSE 0 END) AS due_soon,
                   SUM(CASE WHEN optional = 0 AND due_on < $1 THEN 1 ELSE 0 END) AS overdue
            FROM deadlines WHERE state = 'open' GROUP BY responsible_org, custody ORDER BY responsible_org, custody
            """,
            [.text(today.iso), .text(today.adding(days: dueSoonDays).iso)]
        )
        return Gauges(
            undelivered: queue?.int("n") ?? 0,
            oldestUndelivered: queue?.string("oldest").flatMap(Timestamp.date),
            evidenceLeaves: leaves,
            lastHeadSignedAt: signed.flatMap(Timestamp.date),
            limits: limits.compactMap { row in
                row.string("agency").map {
                    ($0, (row.int("custody") ?? 0) != 0, row.int("open") ?? 0, row.int("due_soon") ?? 0, row.int("overdue") ?? 0)
                }
            }
        )
    }
}
