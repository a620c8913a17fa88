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
            // Each report's outcome and the hop to store, decided first; then the batch's hops in one statement.
            var outcomes: [EventOutcome] = []
            var reported: [Reported] = []
            for event in events {
                switch Self.decide(event, package: packages[event.packageId], reportedBy: organisation, peer: peer, federation: federation) {
                case .outcome(let outcome): outcomes.append(outcome)
                case .store(let hop):
                    outcomes.append(.recorded)
                    reported.append(hop)
                }
            }
            let new = try await StoreRows.insertIfNew(reported.map { ($0.event, $0.key) }, into: .hub, in: transaction)
            var delivered: [(packageId: String, at: String)] = []
            for (hop, isNew) in zip(reported, new) where isNew {
                let event = hop.event
                feed.log(event, key: hop.key)
                if event.hop == .delivered || event.hop == .refused { delivered.append((event.packageId, event.at)) }
                if event.hop == .refused {
                    let receipt = Receipt(packageId: event.packageId, status: .refused, receivedAt: event.at, findings: event.findings ?? [])
                    try await transaction.write(
                        """
                        INSERT INTO refusals (package_id, sender_org, receiver_org, idempotency_key, stage, refused_at, receipt)
                        VALUES ($1, $2, $3, NULL, 'receiver', $4, $5) ON CONFLICT (package_id, stage) DO NOTHING
                        """,
                        [.text(event.packageId), .text(hop.sender), .text(hop.receiver), .text(event.at), .text(StoreRows.json(receipt))]
                    )
                }
                // To the sender's side (its node, or the peer hub serving it); a peer's report of a package this hub's
                // agency sent also reaches nobody else, and one of a package that came over another link goes back
                // along it.
                feed.append(.event(event), packageId: event.packageId, to: hop.sender)
            }
            try await Self.markDelivered(delivered, in: transaction)
            try await feed.flush(in: transaction)
            return outcomes
        }
    }

    /// A reported hop to store, with its package's parties and key.
    struct Reported {
        var event: PackageEvent
        var sender: String
        var receiver: String
        var key: String
    }

    enum Decision {
        case outcome(EventOutcome)
        case store(Reported)
    }

    /// Whether the reporter may report this hop of this package, and the hop as stored: a node reports under its own
    /// organisation; a peer hub reports its own hops under the peer's names, and its receiving agency's as they are
    /// (it speaks for itself and the receiver it serves, no one else).
    static func decide(
        _ event: PackageEvent,
        package: (sender: String, receiver: String, key: String)?,
        reportedBy organisation: String,
        peer: Federation.Peer?,
        federation: Federation
    ) -> Decision {
        guard let (sender, receiver, key) = package else { return .outcome(.unknownPackage) }
        guard federation.mayReport(event.hop, as: organisation, sender: sender, receiver: receiver) else { return .outcome(.notAParty) }
        var stored = event
        if let peer {
            guard let hop = event.hop.reportedByPeer else { return .outcome(.recorded) }
            stored.hop = hop
            if stored.organisation != peer.hub && stored.organisation != receiver { stored.organisation = peer.hub }
        } else {
            stored.organisation = organisation
        }
        return .store(Reported(event: stored, sender: sender, receiver: receiver, key: key))
    }

    /// When each of these packages was delivered (or refused) at its receiver, in one statement.
    /// A package reported both delivered and refused in one batch gets the later report's time, as one statement
    /// per report gave it.
    static func markDelivered(_ reports: [(packageId: String, at: String)], in transaction: any SQLTransaction) async throws {
        var last: [String: Int] = [:]
        for (index, report) in reports.enumerated() { last[report.packageId] = index }
        let delivered = reports.enumerated().filter { last[$0.element.packageId] == $0.offset }.map(\.element)
        // SQLite takes at most 500 terms in a compound SELECT.
        for chunk in stride(from: 0, to: delivered.count, by: 400) {
            let part = delivered[chunk..<min(chunk + 400, delivered.count)]
            var binds: [SQLValue] = []
            let rows = part.map { item -> String in
                binds += [.text(item.packageId), .text(item.at)]
                return "SELECT $\(binds.count - 1) AS package_id, $\(binds.count) AS at"
            }
            try await transaction.write(
                "UPDATE packages SET delivered_at = d.at FROM (\(rows.joined(separator: " UNION ALL "))) AS d WHERE packages.package_id = d.package_id",
                binds
            )
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
}
