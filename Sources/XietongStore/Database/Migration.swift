import Foundation
import Logging

/// One forward-only schema change. Versions are applied in order, each in its own transaction, and recorded in
/// `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Applies migrations to a database.
struct MigrationRunner {
    let database: any SQLDatabase
    let logger: Logger

    func run(_ migrations: [Migration]) async throws(StoreError) {
        do {
            // Each step holds the migration lock (PostgreSQL: an advisory lock) for its transaction, so that two
            // instances starting at once apply each version exactly once; the second sees it recorded and skips it.
            let lock = self.database.migrationLockStatement
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
                    for statement in migration.statements {
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
