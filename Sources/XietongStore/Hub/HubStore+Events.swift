import Foundation
public import XietongCore

// The hops nodes report (stored, delivered, signed for, returned, refused).
extension HubStore {
    // MARK: Events from nodes

    public enum EventOutcome: Sendable {
        case recorded
        case unknownPackage
        case notAParty
    }

    /// Records a hop reported by the receiving node (stored, delivered, signed for, returned, refused) and passes it
    /// on to the sender, atomically. Recording the same hop twice changes nothing.
    public func record(_ event: PackageEvent, reportedBy organisation: String) async throws -> EventOutcome {
        try await self.record([event], reportedBy: organisation)[0]
    }

    /// Records a batch of reported hops in one transaction; returns each one's outcome. The senders' long polls are
    /// woken by the commit notification of their feed entries. `organisation` is the reporting node's organisation,
    /// or a peer hub's link feed (`peer:NAME`, issue 23), whose report is not passed back to it.
    public func record(_ events: [PackageEvent], reportedBy organisation: String) async throws -> [EventOutcome] {
        let federation = self.flows.federation
        let peer = Federation.peerName(ofFeed: organisation).flatMap(federation.peer(named:))
        return try await self.database.transaction { transaction in
            let feed = FeedWriter(clock: self.clock, boot: self.boot, federation: federation, reportedBy: peer == nil ? nil : organisation)
            let packages = try await Self.parties(of: events.map(\.packageId), in: transaction)
            var outcomes: [EventOutcome] = []
            for event in events {
                outcomes.append(
                    try await Self.recordOne(
                        event,
                        package: packages[event.packageId],
                        reportedBy: organisation,
                        peer: peer,
                        federation: federation,
                        feed: feed,
                        in: transaction
                    )
                )
            }
            try await feed.flush(in: transaction)
            return outcomes
        }
    }

    /// The sender, receiver and key of each of these stored packages, in one statement.
    static func parties(
        of packageIds: [String],
        in transaction: any SQLTransaction
    ) async throws -> [String: (sender: String, receiver: String, key: String)] {
        let ids = Array(Set(packageIds))
        var parties: [String: (sender: String, receiver: String, key: String)] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let part = ids[chunk..<min(chunk + 500, ids.count)]
            let marks = (1...part.count).map { "$\($0)" }.joined(separator: ", ")
            for row in try await transaction.execute(
                "SELECT package_id, sender_org, receiver_org, package_key FROM packages WHERE package_id IN (\(marks))",
                part.map { .text($0) }
            ) {
                guard let id = row.string("package_id"), let sender = row.string("sender_org"), let receiver = row.string("receiver_org"),
                    let key = row.string("package_key")
                else { continue }
                parties[id] = (sender, receiver, key)
            }
        }
        return parties
    }

    static func recordOne(
        _ event: PackageEvent,
        package: (sender: String, receiver: String, key: String)?,
        reportedBy organisation: String,
        peer: Federation.Peer?,
        federation: Federation,
        feed: FeedWriter,
        in transaction: any SQLTransaction
    ) async throws -> EventOutcome {
        guard let (sender, receiver, key) = package else { return .unknownPackage }
        guard federation.mayReport(event.hop, as: organisation, sender: sender, receiver: receiver) else { return .notAParty }
        var stored = event
        if let peer {
            // A peer hub reports its own hops under the peer's names, and its receiving agency's as they are: it speaks
            // for itself and the receiver it serves, no one else.
            guard let hop = event.hop.reportedByPeer else { return .recorded }
            stored.hop = hop
            if stored.organisation != peer.hub && stored.organisation != receiver { stored.organisation = peer.hub }
        } else {
            stored.organisation = organisation
        }
        guard try await StoreRows.insert(stored, into: .hub, key: key, in: transaction) else { return .recorded }
        feed.log(stored, key: key)
        if stored.hop == .delivered || stored.hop == .refused {
            try await transaction.write("UPDATE packages SET delivered_at = $1 WHERE package_id = $2", [.text(event.at), .text(event.packageId)])
        }
        if stored.hop == .refused {
            let receipt = Receipt(packageId: event.packageId, status: .refused, receivedAt: event.at, findings: event.findings ?? [])
            try await transaction.write(
                """
                INSERT INTO refusals (package_id, sender_org, receiver_org, idempotency_key, stage, refused_at, receipt)
                VALUES ($1, $2, $3, NULL, 'receiver', $4, $5) ON CONFLICT (package_id, stage) DO NOTHING
                """,
                [.text(event.packageId), .text(sender), .text(receiver), .text(event.at), .text(StoreRows.json(receipt))]
            )
        }
        // To the sender's side (its node, or the peer hub serving it); a peer's report of a package this hub's agency
        // sent also reaches nobody else, and one of a package that came over another link goes back along it.
        feed.append(.event(stored), packageId: event.packageId, to: sender)
        return .recorded
    }
}
