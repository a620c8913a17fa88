import Foundation
public import Logging
public import SQLiteNIO

/// The embedded database: one SQLite file in the data directory, in WAL mode with full fsync, so that a commit
/// survives `kill -9` and power loss. Migrations run when it opens.
public final class SQLiteDatabase: Sendable {
    public let connection: SQLiteConnection
    public let path: String

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public static func open(path: String, logger: Logger = Logger(label: "xietong.store")) async throws(StoreError) -> SQLiteDatabase {
        let connection: SQLiteConnection
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError(.open, zh: "无法打开数据库 \(path)", en: "cannot open the database at \(path)", underlying: error)
        }
        let database = SQLiteDatabase(connection: connection, path: path)
        do {
            _ = try await connection.query("PRAGMA journal_mode = WAL", [])
            _ = try await connection.query("PRAGMA synchronous = FULL", [])
            _ = try await connection.query("PRAGMA busy_timeout = 5000", [])
            _ = try await connection.query("PRAGMA foreign_keys = ON", [])
        } catch {
            try? await connection.close()
            throw StoreError(.open, zh: "无法设置数据库参数", en: "cannot configure the database", underlying: error)
        }
        do {
            try await database.migrate(Migrations.all, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        return database
    }

    /// Applies the migrations not yet recorded, each in its own transaction.
    func migrate(_ migrations: [Migration], logger: Logger) async throws(StoreError) {
        do {
            _ = try await self.connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                []
            )
            let rows = try await self.connection.query("SELECT version FROM schema_migrations", [])
            let applied = Set(rows.compactMap { $0.column("version")?.integer })
            for migration in migrations where !applied.contains(migration.version) {
                _ = try await self.connection.query("BEGIN IMMEDIATE", [])
                do {
                    for statement in migration.statements {
                        _ = try await self.connection.query(statement, [])
                    }
                    _ = try await self.connection.query(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        [.integer(migration.version), .text(migration.name), .text(ISO8601DateFormatter().string(from: Date()))]
                    )
                    _ = try await self.connection.query("COMMIT", [])
                    logger.info("applied migration", metadata: ["store.migration": "\(migration.version) \(migration.name)"])
                } catch {
                    _ = try? await self.connection.query("ROLLBACK", [])
                    throw error
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.migration, zh: "数据库迁移失败", en: "the database migration failed", underlying: error)
        }
    }

    /// The versions of the migrations applied to this database, in order.
    public func appliedMigrations() async throws(StoreError) -> [Int] {
        do {
            let rows = try await self.connection.query("SELECT version FROM schema_migrations ORDER BY version", [])
            return rows.compactMap { $0.column("version")?.integer }
        } catch {
            throw StoreError(.query, zh: "无法读取迁移记录", en: "cannot read the applied migrations", underlying: error)
        }
    }

    public func close() async {
        try? await self.connection.close()
    }
}
