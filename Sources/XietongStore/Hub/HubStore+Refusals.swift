import Foundation
public import XietongCore

// Refused packages: the receipt the sender gets, and the list administrators read.
extension HubStore {
    // MARK: Refusals

    /// Records a package the hub refused (ZJ-7.2.6) and tells its sender through the feed.
    public func refuse(packageId: String, sender: String, receiver: String?, idempotencyKey: String?, receipt: Receipt) async throws {
        let hub = self.hubOrganisation
        try await self.database.transaction { transaction in
            let feed = FeedWriter(clock: self.clock, boot: self.boot, federation: self.flows.federation)
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
    /// A refused package as administrators see it: where it was refused (`hub`, `receiver`), by whom it was sent and
    /// to whom, and the refusal's receipt with its findings.
    public struct Refusal: Sendable, Hashable, Codable {
        public var stage: String
        public var sender: String
        public var receiver: String?
        public var receipt: Receipt
    }

    /// The newest refusals first.
    public func refusals(limit: Int = 100) async throws(StoreError) -> [Refusal] {
        try await self.database.execute(
            "SELECT stage, sender_org, receiver_org, receipt FROM refusals ORDER BY refused_at DESC LIMIT $1",
            [.integer(limit)]
        ).compactMap { row in
            guard let receipt = StoreRows.decode(Receipt.self, row.string("receipt")) else { return nil }
            return Refusal(
                stage: row.string("stage") ?? "",
                sender: row.string("sender_org") ?? "",
                receiver: row.string("receiver_org"),
                receipt: receipt
            )
        }
    }
}
