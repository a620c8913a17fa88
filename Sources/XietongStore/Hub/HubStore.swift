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
        try await self.earlierSends(sender: sender, idempotencyKey: idempotencyKey, packageId: packageId).existing
    }

    /// What the hub has of a package it is receiving, in one statement (every package the hub receives is looked up):
    /// the receipt already given for this sender's idempotency key or this package id (GZ-7), and, given its
    /// similarity key, an earlier package with the same sender, receiver, flow, message type and case (a similar
    /// duplicate).
    public func earlierSends(
        sender: String,
        idempotencyKey: String,
        packageId: String,
        similarityKey: String? = nil
    ) async throws(StoreError) -> (existing: (receipt: Receipt, contentSHA256: String?)?, similar: String?) {
        let rows = try await self.database.execute(
            """
            SELECT receipt, content_sha256, 0 AS refused, NULL AS similar FROM packages
                WHERE (sender_org = $1 AND idempotency_key = $2) OR package_id = $3
            UNION ALL
            SELECT receipt, NULL, 1, NULL FROM refusals WHERE stage = 'hub' AND ((sender_org = $1 AND idempotency_key = $2) OR package_id = $3)
            """
                + (similarityKey == nil
                    ? "" : " UNION ALL SELECT NULL, NULL, 2, package_id FROM (SELECT package_id FROM packages WHERE similarity_key = $4 LIMIT 1) s"),
            [.text(sender), .text(idempotencyKey), .text(packageId)] + (similarityKey.map { [.text($0)] } ?? [])
        )
        let similar = rows.first { $0.int("refused") == 2 }?.string("similar")
        // An acceptance answers before a refusal.
        let receipts = rows.filter { $0.int("refused") != 2 }
        guard let row = receipts.first(where: { $0.int("refused") == 0 }) ?? receipts.first,
            let receipt = StoreRows.decode(Receipt.self, row.string("receipt"))
        else { return (nil, similar) }
        return ((receipt, row.int("refused") == 0 ? row.string("content_sha256") : nil), similar)
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

}
