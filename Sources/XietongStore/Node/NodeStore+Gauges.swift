public import Foundation
import XietongCore

/// What a node's gauges show when Prometheus scrapes it (issue 22, item 1), read from its tables.
extension NodeStore {
    public struct Gauges: Sendable {
        /// Packages waiting to go to the hub, and when the oldest was accepted from the business system.
        public var outbox: Int
        public var oldestOutbox: Date?
        /// Packages received and not yet delivered to (or taken by) the business system, and the oldest one's arrival.
        public var inbox: Int
        public var oldestInbox: Date?
        /// The newest signed tree head the node holds: its size, and when it arrived.
        public var evidenceLeaves: Int
        public var lastHeadAt: Date?
    }

    public func gauges() async throws(StoreError) -> Gauges {
        let outbox = try await self.database.execute(
            "SELECT COUNT(*) AS n, MIN(accepted_at) AS oldest FROM outbox WHERE state = 'pending'",
            []
        ).first
        let inbox = try await self.database.execute(
            "SELECT COUNT(*) AS n, MIN(stored_at) AS oldest FROM inbox WHERE state = 'stored'",
            []
        ).first
        let head = try await self.database.execute(
            "SELECT tree_size, received_at FROM tree_heads ORDER BY tree_size DESC LIMIT 1",
            []
        ).first
        return Gauges(
            outbox: outbox?.int("n") ?? 0,
            oldestOutbox: outbox?.string("oldest").flatMap(Timestamp.date),
            inbox: inbox?.int("n") ?? 0,
            oldestInbox: inbox?.string("oldest").flatMap(Timestamp.date),
            evidenceLeaves: head?.int("tree_size") ?? 0,
            lastHeadAt: head?.string("received_at").flatMap(Timestamp.date)
        )
    }
}
