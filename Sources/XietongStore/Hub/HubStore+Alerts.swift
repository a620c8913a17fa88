import Foundation
public import XietongCore

// Packages stuck on their way, and the alerts raised for them (GZ-5).
extension HubStore {
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
            let feed = FeedWriter(clock: self.clock, boot: self.boot, federation: self.flows.federation)
            if logged { feed.log(event, key: key) }
            feed.append(.event(event), packageId: packageId, to: sender)
            feed.append(.event(event), packageId: packageId, to: receiver)
            try await feed.flush(in: transaction)
        }
    }

    /// An alert for a package stuck on its way (GZ-5): the hop after which it stopped, and when it was raised.
    public struct Alert: Sendable, Hashable, Codable {
        public var packageId: String
        public var sender: String
        public var receiver: String
        public var stuckAfter: String
        public var raisedAt: String
    }

    /// The newest alerts first.
    public func alerts(limit: Int = 100) async throws(StoreError) -> [Alert] {
        try await self.database.execute(
            "SELECT package_id, sender_org, receiver_org, stuck_after, raised_at FROM alerts ORDER BY raised_at DESC LIMIT $1",
            [.integer(limit)]
        ).map {
            Alert(
                packageId: $0.string("package_id") ?? "",
                sender: $0.string("sender_org") ?? "",
                receiver: $0.string("receiver_org") ?? "",
                stuckAfter: $0.string("stuck_after") ?? "",
                raisedAt: $0.string("raised_at") ?? ""
            )
        }
    }
}
