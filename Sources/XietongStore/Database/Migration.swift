import Foundation
import Logging

/// One forward-only schema change. Versions are applied in order, each in its own transaction, and recorded in
/// `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]
    /// Statements run after `statements` on one dialect only: what exists in one form on each (`SQLDialect`).
    public let dialectStatements: [SQLDialect: [String]]

    public init(version: Int, name: String, statements: [String], dialectStatements: [SQLDialect: [String]] = [:]) {
        self.version = version
        self.name = name
        self.statements = statements
        self.dialectStatements = dialectStatements
    }
}

extension Migration {
    /// Where `keyed` takes each row's package key from.
    enum KeySource {
        /// The hub's `packages` (a package missing there gets its legacy key).
        case packages
        /// The row's package id: every row gets its legacy key (`PackageKey.legacy`).
        case ids
    }

    /// The columns of an event table besides its package's key and id: one row per package and hop.
    static let eventColumns = "hop TEXT NOT NULL, at TEXT NOT NULL, organisation TEXT NOT NULL, detail TEXT, findings TEXT"

    /// Statements that rebuild `table` (whose rows name a package by `package_id`) with the package's time-ordered
    /// key first (`PackageKey`), the package id kept, its primary key `primaryKey`, and `indexes` made again.
    /// `columns`: the table's other columns, as in CREATE TABLE.
    static func keyed(_ table: String, columns: String, primaryKey: String, from source: KeySource = .packages, indexes: [String] = []) -> [String] {
        let names = columns.split(separator: ",").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        let rebuilt = table + "_keyed"
        let key =
            switch source {
            case .packages:
                "COALESCE(p.package_key, \(PackageKey.legacy(sql: "x.package_id"))) FROM \(table) x LEFT JOIN packages p ON p.package_id = x.package_id"
            case .ids: "\(PackageKey.legacy(sql: "x.package_id")) FROM \(table) x"
            }
        return [
            "CREATE TABLE \(rebuilt) (package_key TEXT NOT NULL, package_id TEXT NOT NULL, \(columns), PRIMARY KEY (\(primaryKey)))",
            """
            INSERT INTO \(rebuilt) (package_id, \(names.joined(separator: ", ")), package_key)
            SELECT x.package_id, \(names.map { "x." + $0 }.joined(separator: ", ")), \(key)
            """,
            "DROP TABLE \(table)",
            "ALTER TABLE \(rebuilt) RENAME TO \(table)",
        ] + indexes
    }

    /// Statements that rebuild `table`, a package's bytes by `package_id`, keyed by the package's legacy key
    /// (`PackageKey.legacy`) instead: its owners' rows got the same key.
    static func keyedContents(_ table: String) -> [String] {
        let rebuilt = table + "_keyed"
        return [
            "CREATE TABLE \(rebuilt) (package_key TEXT PRIMARY KEY, content BYTEA NOT NULL)",
            "INSERT INTO \(rebuilt) (package_key, content) SELECT \(PackageKey.legacy(sql: "package_id")), content FROM \(table)",
            "DROP TABLE \(table)",
            "ALTER TABLE \(rebuilt) RENAME TO \(table)",
        ]
    }
}

/// Applies migrations to a database.
struct MigrationRunner {
    let database: any SQLDatabase
    let logger: Logger

    func run(_ migrations: [Migration]) async throws(StoreError) {
        // A database the platform does not own (an agency's exchange database, issue 24) is opened with none: it gets
        // no table of ours to record them in.
        guard !migrations.isEmpty else { return }
        do {
            // Each step holds the migration lock (PostgreSQL: an advisory lock) for its transaction, so that two
            // instances starting at once apply each version exactly once; the second sees it recorded and skips it.
            let lock = self.database.lockStatement(.migration)
            try await self.database.transaction { transaction in
                if let lock { try await transaction.execute(lock, []) }
                try await transaction.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                    []
                )
            }
            for migration in migrations.sorted(by: { $0.version < $1.version }) {
                let applied: Bool = try await self.database.transaction { transaction in
                    if let lock { try await transaction.execute(lock, []) }
                    let rows = try await transaction.execute(
                        "SELECT version FROM schema_migrations WHERE version = $1",
                        [.integer(migration.version)]
                    )
                    guard rows.isEmpty else { return false }
                    for statement in migration.statements + migration.dialectStatements[self.database.dialect, default: []] {
                        try await transaction.execute(statement, [])
                    }
                    try await transaction.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        [.integer(migration.version), .text(migration.name), .text(ISO8601DateFormatter().string(from: Date()))]
                    )
                    return true
                }
                if applied {
                    self.logger.info("applied migration", metadata: ["store.migration": "\(migration.version) \(migration.name)"])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.migration, zh: "数据库迁移失败", en: "the database migration failed", underlying: error)
        }
    }
}

extension SQLDatabase {
    /// The versions of the migrations applied, in order.
    public func appliedMigrations() async throws(StoreError) -> [Int] {
        try await self.execute("SELECT version FROM schema_migrations ORDER BY version", []).compactMap { $0.int("version") }
    }
}

/// The migrations of each component's database. The SQL is written to run unchanged on SQLite and PostgreSQL.
public enum Migrations {
    /// Unified-code sequences (ZJ-7.1.1): the hub's, and the standalone `xietong code` store's.
    static let codeSequences = Migration(
        version: 1,
        name: "unified code sequences",
        statements: [
            """
            CREATE TABLE code_sequences (
                organisation_code TEXT NOT NULL,
                day TEXT NOT NULL,
                last_value BIGINT NOT NULL,
                PRIMARY KEY (organisation_code, day)
            )
            """
        ]
    )

    public static let hub: [Migration] = [Self.codeSequences] + HubSchema.migrations
    public static let node: [Migration] = NodeSchema.migrations
}
