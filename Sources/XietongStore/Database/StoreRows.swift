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

    /// The columns of an event row, in the order of `eventRow` (the package's key last).
    static let eventColumns = "(package_id, hop, at, organisation, detail, findings, package_key)"

    /// An event's values without its package's key.
    static func eventValues(_ event: PackageEvent) -> [SQLValue] {
        [
            .text(event.packageId), .text(event.hop.rawValue), .text(event.at), .text(event.organisation), .optional(event.detail),
            event.findings.map { .text(Self.json($0)) } ?? .null,
        ]
    }

    /// Inserts an event unless that package already has that hop; returns whether it was new. `key`: the package's key
    /// when the caller has it; otherwise it is looked up from the id.
    @discardableResult
    static func insert(_ event: PackageEvent, into table: EventTable, key: String? = nil, in transaction: any SQLTransaction) async throws -> Bool {
        try await !transaction.execute(
            """
            INSERT INTO \(table.name) \(Self.eventColumns)
            VALUES ($1, $2, $3, $4, $5, $6, \(key == nil ? table.packageKey : "$7")) ON CONFLICT (package_key, hop) DO NOTHING RETURNING hop
            """,
            Self.eventValues(event) + (key.map { [.text($0)] } ?? [])
        ).isEmpty
    }

    /// Inserts the events of a package stored in the same transaction under a new key (so it has none of these hops
    /// yet), as a write PostgreSQL may send with the next statement (`SQLTransaction.write`).
    static func insertNew(_ events: [PackageEvent], into table: EventTable, key: String, in transaction: any SQLTransaction) async throws {
        try await Self.insertRows(
            "\(table.name) \(Self.eventColumns)",
            events.map { Self.eventValues($0) + [.text(key)] },
            then: "ON CONFLICT (package_key, hop) DO NOTHING",
            in: transaction
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
            let values = Self.values(part.map { Self.eventValues($0.event) + [.text($0.key)] })
            let rows = try await transaction.execute(
                "INSERT INTO \(table.name) \(Self.eventColumns) VALUES \(values.sql) ON CONFLICT (package_key, hop) DO NOTHING RETURNING package_key, hop",
                values.binds
            )
            // The first of the list's events with an inserted key and hop is the one inserted.
            var inserted = Set(rows.map { "\($0.string("package_key") ?? "") \($0.string("hop") ?? "")" })
            for (event, key) in part { new.append(inserted.remove("\(key) \(event.hop.rawValue)") != nil) }
        }
        return new
    }

    // MARK: Multi-row statements

    /// `($1, $2), ($3, $4)` for `rows`, and their values in that order.
    static func values(_ rows: [[SQLValue]]) -> (sql: String, binds: [SQLValue]) {
        var binds: [SQLValue] = []
        var tuples: [String] = []
        for row in rows {
            let base = binds.count
            binds += row
            tuples.append("(" + (1...max(row.count, 1)).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
        }
        return (tuples.joined(separator: ", "), binds)
    }

    /// Multi-row inserts into `target` (a table and its columns), 100 rows a statement, `then` after each statement's
    /// values (an `ON CONFLICT` clause), as writes (`SQLTransaction.write`).
    static func insertRows(_ target: String, _ rows: [[SQLValue]], then clause: String = "", in transaction: any SQLTransaction) async throws {
        for chunk in stride(from: 0, to: rows.count, by: 100) {
            let values = Self.values(Array(rows[chunk..<min(chunk + 100, rows.count)]))
            try await transaction.write("INSERT INTO \(target) VALUES \(values.sql)" + (clause.isEmpty ? "" : " \(clause)"), values.binds)
        }
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
