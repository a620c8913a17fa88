import Foundation
import XietongCore

/// What both stores need to keep JSON in text columns and package events in rows.
enum StoreRows {
    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? CanonicalJSON.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// The tables that hold events: the hub's history of every package, and a node's history of its own.
    enum EventTable {
        /// The hub's, where a package's rows are keyed by its time-ordered key (`PackageKey`, hub migration 9).
        case hub(key: String)
        /// A node's, keyed the same way (node migration 8); the key is looked up from the id (`NodeSchema.packageKey`).
        case node

        static let hubTable = "package_events"
        static let nodeTable = "node_events"
    }

    /// Inserts an event unless that package already has that hop; returns whether it was new.
    @discardableResult
    static func insert(_ event: PackageEvent, into table: EventTable, in transaction: any SQLTransaction) async throws -> Bool {
        var binds: [SQLValue] = [
            .text(event.packageId), .text(event.hop.rawValue), .text(event.at), .text(event.organisation), .optional(event.detail),
            event.findings.map { .text(Self.json($0)) } ?? .null,
        ]
        let sql: String
        switch table {
        case .hub(let key):
            binds.append(.text(key))
            sql = """
                INSERT INTO \(EventTable.hubTable) (package_id, hop, at, organisation, detail, findings, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (package_key, hop) DO NOTHING RETURNING hop
                """
        case .node:
            sql = """
                INSERT INTO \(EventTable.nodeTable) (package_id, hop, at, organisation, detail, findings, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, \(NodeSchema.packageKey)) ON CONFLICT (package_key, hop) DO NOTHING RETURNING hop
                """
        }
        return try await !transaction.execute(sql, binds).isEmpty
    }

    /// The events of a package at the hub, in journey order.
    static func hubEvents(of packageId: String, database: any SQLDatabase) async throws(StoreError) -> [PackageEvent] {
        try await database.execute(
            """
            SELECT package_id, hop, at, organisation, detail, findings FROM \(EventTable.hubTable)
            WHERE package_key = (SELECT package_key FROM packages WHERE package_id = $1)
            """,
            [.text(packageId)]
        ).compactMap(Self.event).sorted(by: PackageEvent.journeyOrder)
    }

    /// The events of a package at a node, in journey order.
    static func nodeEvents(of packageId: String, database: any SQLDatabase) async throws(StoreError) -> [PackageEvent] {
        try await database.execute(
            "SELECT package_id, hop, at, organisation, detail, findings FROM \(EventTable.nodeTable) WHERE package_key = \(NodeSchema.packageKey)",
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
