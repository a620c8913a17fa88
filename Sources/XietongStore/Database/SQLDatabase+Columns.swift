import Foundation
public import XietongCore

// How each dialect names its column types, read back as the kinds the exchange database's layout relies on.
extension SQLiteDatabase {
    public func table(_ table: String) async throws(StoreError) -> ExchangeDatabaseLayout.FoundTable? {
        // PRAGMA table_info takes no bind: the name is quoted, with its quotes doubled.
        let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let rows = try await self.execute("PRAGMA table_info(\(quoted))", [])
        guard !rows.isEmpty else { return nil }
        var found = ExchangeDatabaseLayout.FoundTable(columns: [:], primaryKey: [])
        for row in rows {
            guard let name = row.string("name") else { continue }
            found.columns[name] = Self.kind(ofDeclared: row.string("type") ?? "")
            if (row.int("pk") ?? 0) > 0 { found.primaryKey.insert(name) }
        }
        return found
    }

    /// SQLite's affinity rules (https://sqlite.org/datatype3.html, 3.1), in their order.
    static func kind(ofDeclared declared: String) -> ExchangeDatabaseLayout.ColumnType {
        let type = declared.uppercased()
        if type.contains("INT") { return .integer }
        if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") { return .text }
        if type.isEmpty || type.contains("BLOB") || type == "BYTEA" { return .bytes }
        return .other
    }
}

extension PostgresDatabase {
    public func table(_ table: String) async throws(StoreError) -> ExchangeDatabaseLayout.FoundTable? {
        let rows = try await self.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
            [.text(table)]
        )
        guard !rows.isEmpty else { return nil }
        let key = try await self.execute(
            """
            SELECT k.column_name FROM information_schema.table_constraints c
            JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema
                AND k.table_name = c.table_name
            WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() AND c.table_name = $1
            """,
            [.text(table)]
        )
        var found = ExchangeDatabaseLayout.FoundTable(columns: [:], primaryKey: Set(key.compactMap { $0.string("column_name") }))
        for row in rows {
            guard let name = row.string("column_name") else { continue }
            found.columns[name] =
                switch row.string("data_type") ?? "" {
                case "text", "character varying", "character": .text
                case "bigint", "integer", "smallint": .integer
                case "bytea": .bytes
                default: .other
                }
        }
        return found
    }
}
