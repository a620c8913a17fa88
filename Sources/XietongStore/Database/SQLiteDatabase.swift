import Foundation
public import Logging
import NIOCore
import SQLiteNIO

/// The embedded database: one SQLite file in the data directory, in WAL mode with full fsync, so that a commit
/// survives `kill -9` and power loss. Migrations run when it opens.
public final class SQLiteDatabase: SQLDatabase {
    let connection: SQLiteConnection
    public let path: String
    private let lock = AsyncLock()

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (creating if needed) the database at `path` and applies `migrations` not yet applied.
    public static func open(
        path: String,
        migrations: [Migration],
        logger: Logger = Logger(label: "xietong.store")
    ) async throws(StoreError) -> SQLiteDatabase {
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
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"] {
                _ = try await connection.query(pragma, [])
            }
        } catch {
            try? await connection.close()
            throw StoreError(.open, zh: "无法设置数据库参数，文件可能已损坏", en: "cannot configure the database; the file may be damaged", underlying: error)
        }
        do {
            try await MigrationRunner(database: database, logger: logger).run(migrations)
        } catch {
            try? await connection.close()
            throw error
        }
        return database
    }

    static func sqliteValue(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .integer(let number): .integer(number)
        case .real(let number): .float(number)
        case .text(let text): .text(text)
        case .blob(let bytes): .blob(ByteBuffer(bytes: bytes))
        case .null: .null
        }
    }

    static func value(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .integer(let number): .integer(Int(number))
        case .float(let number): .real(number)
        case .text(let text): .text(text)
        case .blob(let buffer): .blob(Array(buffer.readableBytesView))
        case .null: .null
        }
    }

    /// Runs a statement without taking the lock: only for use by a caller that holds it.
    func run(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        do {
            let rows = try await self.connection.query(sql, binds.map(Self.sqliteValue))
            return rows.map { row in
                SQLRow(values: Dictionary(row.columns.map { ($0.name, Self.value($0.data)) }, uniquingKeysWith: { first, _ in first }))
            }
        } catch {
            throw StoreError(.query, zh: "数据库操作失败", en: "a database operation failed", underlying: error)
        }
    }

    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        do {
            return try await self.lock.withLock { try await self.run(sql, binds) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.query, zh: "数据库操作失败", en: "a database operation failed", underlying: error)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await self.lock.withLock {
            _ = try await self.run("BEGIN IMMEDIATE", [])
            do {
                let result = try await body(LockedTransaction(database: self))
                _ = try await self.run("COMMIT", [])
                return result
            } catch {
                _ = try? await self.run("ROLLBACK", [])
                throw error
            }
        }
    }

    public func close() async {
        try? await self.connection.close()
    }

    /// The statements of a transaction, run while the lock is held.
    struct LockedTransaction: SQLTransaction {
        let database: SQLiteDatabase

        @discardableResult
        func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
            try await self.database.run(sql, binds)
        }
    }
}
