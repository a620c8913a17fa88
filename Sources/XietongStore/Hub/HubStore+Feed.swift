import Foundation
public import XietongCore

// Reading each organisation's feed.
extension HubStore {
    // MARK: Feeds

    /// Entries after `seq` for an organisation, in order.
    public func feed(organisation: String, after seq: Int, limit: Int) async throws(StoreError) -> [FeedEntry] {
        let rows = try await self.feedRows(organisation: organisation, after: seq, limit: limit)
        return rows.compactMap { row in
            guard let seq = row.int("seq") else { return nil }
            var entry = Self.feedEntry(row, seq: seq)
            entry?.boot = row.string("boot")
            return entry
        }
    }

    static func feedEntry(_ row: SQLRow, seq: Int) -> FeedEntry? {
        switch FeedEntry.Kind(rawValue: row.string("kind") ?? "") {
        case .delivery:
            guard var delivery = StoreRows.decode(Delivery.self, row.string("body")) else { return nil }
            if delivery.content == nil, let content = row.bytes("content") { delivery.content = Data(content).base64EncodedString() }
            return FeedEntry(seq: seq, delivery: delivery)
        case .event: return StoreRows.decode(PackageEvent.self, row.string("body")).map { FeedEntry(seq: seq, event: $0) }
        case .reminder: return StoreRows.decode(DeadlineReminder.self, row.string("body")).map { FeedEntry(seq: seq, reminder: $0) }
        case .treeHead: return StoreRows.decode(Evidence.TreeHead.self, row.string("body")).map { FeedEntry(seq: seq, treeHead: $0) }
        case .booking: return StoreRows.decode(BookingNotice.self, row.string("body")).map { FeedEntry(seq: seq, booking: $0) }
        case .none: return nil
        }
    }

    /// A page of the feed as the JSON the hub serves (`{"entries":[…]}`), and how many entries it holds. Each entry's
    /// body is spliced in as it was stored (it is the JSON of the `FeedEntry` member its kind names), so a page costs
    /// no decoding and encoding of what may be hundreds of packages.
    public func feedPage(organisation: String, after seq: Int, limit: Int) async throws(StoreError) -> (count: Int, json: [UInt8]) {
        let rows = try await self.feedRows(organisation: organisation, after: seq, limit: limit)
        var json: [UInt8] = []
        json.reserveCapacity(rows.reduce(64) { $0 + ($1.string("body")?.utf8.count ?? 0) + ($1.bytes("content")?.count ?? 0) * 4 / 3 + 64 })
        json += #"{"entries":["#.utf8
        var count = 0
        for row in rows {
            guard let seq = row.int("seq"), let kind = row.string("kind").flatMap(FeedEntry.Kind.init(rawValue:)), let body = row.string("body")
            else { continue }
            if count > 0 { json.append(UInt8(ascii: ",")) }
            // Keys in sorted order, as the encoder writes them.
            json += "{".utf8
            if let boot = row.string("boot") { json += #""boot":"\#(boot)","#.utf8 }
            json += #""\#(kind.rawValue)":"#.utf8
            if let content = row.bytes("content"), body.utf8.first == UInt8(ascii: "{"), !body.contains(#""content":""#) {
                // The delivery with its package's bytes, base64, as its first member.
                json += #"{"content":""#.utf8
                json += Data(content).base64EncodedData()
                json += #"","#.utf8
                json += body.utf8.dropFirst()
            } else {
                json += body.utf8
            }
            json += #","kind":"\#(kind.rawValue)","seq":\#(seq)}"#.utf8
            count += 1
        }
        json += "]}".utf8
        return (count, json)
    }

    /// Feed rows in order, each delivery of a small package with the package's bytes (`content`): they are kept once,
    /// in `package_contents`, and carried in the feed so that the receiving node needs no extra request.
    func feedRows(organisation: String, after seq: Int, limit: Int) async throws(StoreError) -> [SQLRow] {
        try await self.database.execute(
            """
            SELECT f.seq, f.kind, f.body, f.boot, c.content FROM feed f
            LEFT JOIN packages p ON f.kind = 'delivery' AND p.package_id = f.package_id AND p.content_size <= $4
            LEFT JOIN package_contents c ON c.package_key = p.package_key
            WHERE f.organisation = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3
            """,
            [.text(organisation), .integer(seq), .integer(limit), .integer(Delivery.inlineLimit)]
        )
    }

    /// How far each organisation's feed is written.
    public func feedHeads() async throws(StoreError) -> [(organisation: String, lastSeq: Int)] {
        try await self.database.execute("SELECT organisation, last_seq FROM feed_heads ORDER BY organisation", []).map {
            ($0.string("organisation") ?? "", $0.int("last_seq") ?? 0)
        }
    }
}
