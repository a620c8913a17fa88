import Foundation
import XietongCore

/// What both stores need to keep JSON in text columns and package events in rows.
enum StoreRows {
    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? CanonicalJSON.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return JSONReader.decode(type, from: Array(text.utf8))
    }

    /// The tables that hold events: the hub's history of every package, and a node's history of its own. Both key a
    /// package's rows by its time-ordered key (`PackageKey`; hub migration 9, node migration 8).
    enum EventTable {
        case hub
        case node

        var name: String {
            switch self {
            case .hub: "package_events"
            case .node: "node_events"
            }
        }

        /// SQL for the key of the package whose id is `$1`.
        var packageKey: String {
            switch self {
            case .hub: HubSchema.packageKey
            case .node: NodeSchema.packageKey
            }
        }
    }

    /// Inserts an event unless that package already has that hop; returns whether it was new. `key`: the package's key
    /// when the caller has it; otherwise it is looked up from the id.
    @discardableResult
    static func insert(_ event: PackageEvent, into table: EventTable, key: String? = nil, in transaction: any SQLTransaction) async throws -> Bool {
        try await !transaction.execute(
            """
            INSERT INTO \(table.name) (package_id, hop, at, organisation, detail, findings, package_key)
            VALUES ($1, $2, $3, $4, $5, $6, \(key == nil ? table.packageKey : "$7")) ON CONFLICT (package_key, hop) DO NOTHING RETURNING hop
            """,
            [
                .text(event.packageId), .text(event.hop.rawValue), .text(event.at), .text(event.organisation), .optional(event.detail),
                event.findings.map { .text(Self.json($0)) } ?? .null,
            ] + (key.map { [.text($0)] } ?? [])
        ).isEmpty
    }

    /// Inserts the events of a package stored in the same transaction under a new key (so it has none of these hops
    /// yet), in one statement, which PostgreSQL may send with the next (`SQLTransaction.write`).
    static func insertNew(_ events: [PackageEvent], into table: EventTable, key: String, in transaction: any SQLTransaction) async throws {
        guard !events.isEmpty else { return }
        var binds: [SQLValue] = [.text(key)]
        var values: [String] = []
        for event in events {
            let base = binds.count
            binds += [
                .text(event.packageId), .text(event.hop.rawValue), .text(event.at), .text(event.organisation), .optional(event.detail),
                event.findings.map { .text(Self.json($0)) } ?? .null,
            ]
            values.append("(" + (1...6).map { "$\(base + $0)" }.joined(separator: ", ") + ", $1)")
        }
        try await transaction.write(
            "INSERT INTO \(table.name) (package_id, hop, at, organisation, detail, findings, package_key) VALUES "
                + values.joined(separator: ", ") + " ON CONFLICT (package_key, hop) DO NOTHING",
            binds
        )
    }

    /// Inserts each event unless its package already has that hop (also earlier in the same list), in one
    /// statement per 500; returns, in order, whether each was new.
    static func insertIfNew(
        _ events: [(event: PackageEvent, key: String)],
        into table: EventTable,
        in transaction: any SQLTransaction
    ) async throws -> [Bool] {
        var new: [Bool] = []
        for chunk in stride(from: 0, to: events.count, by: 500) {
            let part = events[chunk..<min(chunk + 500, events.count)]
            var binds: [SQLValue] = []
            var values: [String] = []
            for (event, key) in part {
                let base = binds.count
                binds += [
                    .text(event.packageId), .text(event.hop.rawValue), .text(event.at), .text(event.organisation), .optional(event.detail),
                    event.findings.map { .text(Self.json($0)) } ?? .null, .text(key),
                ]
                values.append("(" + (1...7).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            }
            let rows = try await transaction.execute(
                "INSERT INTO \(table.name) (package_id, hop, at, organisation, detail, findings, package_key) VALUES "
                    + values.joined(separator: ", ") + " ON CONFLICT (package_key, hop) DO NOTHING RETURNING package_key, hop",
                binds
            )
            // The first of the list's events with an inserted key and hop is the one inserted.
            var inserted = Set(rows.map { "\($0.string("package_key") ?? "") \($0.string("hop") ?? "")" })
            for (event, key) in part { new.append(inserted.remove("\(key) \(event.hop.rawValue)") != nil) }
        }
        return new
    }

    /// The events of a package, in journey order.
    static func events(of packageId: String, in table: EventTable, database: any SQLDatabase) async throws(StoreError) -> [PackageEvent] {
        try await database.execute(
            "SELECT package_id, hop, at, organisation, detail, findings FROM \(table.name) WHERE package_key = \(table.packageKey)",
            [.text(packageId)]
        ).compactMap(Self.event).sorted(by: PackageEvent.journeyOrder)
    }

    static func event(_ row: SQLRow) -> PackageEvent? {
        guard let packageId = row.string("package_id"), let hop = Hop(rawValue: row.string("hop") ?? ""), let at = row.string("at") else {
            return nil
        }
        return PackageEvent(
            packageId: packageId,
            hop: hop,
            at: at,
            organisation: row.string("organisation") ?? "",
            detail: row.string("detail"),
            findings: Self.decode([Finding].self, row.string("findings"))
        )
    }
}
