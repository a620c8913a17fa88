import Foundation
import XietongCore

// The feed entries and evidence-log leaves a transaction adds, written together at its end.
extension HubStore {
    enum FeedBody {
        case delivery(Delivery)
        case event(PackageEvent)
        case reminder(DeadlineReminder)
        case treeHead(Evidence.TreeHead)
        case booking(BookingNotice)

        var json: String {
            switch self {
            case .delivery(let delivery): StoreRows.json(delivery)
            case .event(let event): StoreRows.json(event)
            case .reminder(let reminder): StoreRows.json(reminder)
            case .treeHead(let head): StoreRows.json(head)
            case .booking(let notice): StoreRows.json(notice)
            }
        }

        var kind: FeedEntry.Kind {
            switch self {
            case .delivery: .delivery
            case .event: .event
            case .reminder: .reminder
            case .treeHead: .treeHead
            case .booking: .booking
            }
        }
    }

    /// The feed entries a transaction adds, written together at its end: one statement takes every organisation's
    /// next positions (holding their feed-head row locks until commit, which orders concurrent transactions, also
    /// across hub instances), multi-row inserts add the entries, and one statement of notifications wakes their long
    /// polls. Taking the positions last keeps the locks short.
    final class FeedWriter: @unchecked Sendable {
        // @unchecked: used by one transaction's task only.
        private var entries: [(organisation: String, body: FeedBody, packageId: String)] = []
        /// Hand-over events recorded by the transaction, with their packages' keys: leaves of the evidence log (issue 6).
        private var evidence: [(event: PackageEvent, key: String)] = []
        private let clock: WallClock
        private let boot: String
        /// Where each organisation's entries go: its own feed, or the link feed of the peer hub serving it (issue 23).
        private let federation: Federation
        /// The link feed of the peer hub whose report this transaction records: what it told this hub is not sent
        /// back to it.
        private let reportedBy: String?

        init(clock: WallClock, boot: String, federation: Federation, reportedBy: String? = nil) {
            self.clock = clock
            self.boot = boot
            self.federation = federation
            self.reportedBy = reportedBy
        }

        func append(_ body: FeedBody, packageId: String, to organisation: String) {
            let feed = self.federation.feed(for: organisation)
            guard feed != self.reportedBy else { return }
            self.entries.append((feed, body, packageId))
        }

        func log(_ event: PackageEvent, key: String) { self.evidence.append((event, key)) }

        func flush(in transaction: any SQLTransaction) async throws {
            // The evidence log first: every event the transaction recorded, appended together.
            let leaves = try await HubStore.appendEvidence(self.evidence, in: transaction)
            self.evidence = []
            let now = self.clock.timestamp()
            var order: [String] = []
            var byOrganisation: [String: [(body: FeedBody, packageId: String)]] = [:]
            for entry in self.entries {
                if byOrganisation[entry.organisation] == nil { order.append(entry.organisation) }
                byOrganisation[entry.organisation, default: []].append((entry.body, entry.packageId))
            }
            self.entries = []
            // Every organisation's next positions in one statement (a tree head goes to every node's feed, issue 25),
            // in a fixed order, so that two transactions never wait for each other's heads in a cycle.
            let organisations = order.sorted()
            var last: [String: Int] = [:]
            for chunk in stride(from: 0, to: organisations.count, by: 400) {
                let part = organisations[chunk..<min(chunk + 400, organisations.count)]
                let values = StoreRows.values(part.map { [.text($0), .integer(byOrganisation[$0]?.count ?? 0), .integer(0)] })
                for row in try await transaction.execute(
                    """
                    INSERT INTO feed_heads (organisation, last_seq, acked_seq) VALUES \(values.sql)
                    ON CONFLICT (organisation) DO UPDATE SET last_seq = feed_heads.last_seq + excluded.last_seq
                    RETURNING organisation, last_seq
                    """,
                    values.binds
                ) {
                    if let organisation = row.string("organisation"), let seq = row.int("last_seq") { last[organisation] = seq }
                }
            }
            var rows: [[SQLValue]] = []
            for organisation in organisations {
                let entries = byOrganisation[organisation] ?? []
                guard let end = last[organisation] else {
                    throw StoreError(.query, zh: "无法分配队列序号", en: "cannot allocate a feed position")
                }
                for (offset, entry) in entries.enumerated() {
                    // An event's JSON is its evidence leaf (the same encoder settings), already written above.
                    let json: String
                    if case .event(let event) = entry.body, let leaf = leaves[event] { json = leaf } else { json = entry.body.json }
                    rows.append([
                        .text(organisation), .integer(end - entries.count + 1 + offset), .text(entry.body.kind.rawValue), .text(entry.packageId),
                        .text(json), .text(now), .text(self.boot),
                    ])
                }
            }
            try await StoreRows.insertRows("feed (organisation, seq, kind, package_id, body, created_at, boot)", rows, in: transaction)
            // Wakes each organisation's long poll on whichever hub instance it is connected to.
            try await transaction.notify(HubStore.feedChannel, organisations)
        }
    }

    /// The notification channel on which feed appends are announced, with the organisation as payload.
    public static let feedChannel = "xietong_feed"
}
