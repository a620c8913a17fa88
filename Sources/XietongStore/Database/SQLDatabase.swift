public import XietongCore

/// A value bound to or read from SQL. The stores use only these, so the same SQL runs on SQLite and PostgreSQL.
public enum SQLValue: Sendable, Hashable {
    case integer(Int)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    public static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
    public static func optional(_ number: Int?) -> SQLValue { number.map { .integer($0) } ?? .null }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    /// The column names, shared by every row of a result, and this row's values in the same order: no hash table per
    /// row (a store reads thousands of rows a second, each by a few names).
    private let columns: [String]
    private let cells: [SQLValue]

    public init(columns: [String], cells: [SQLValue]) {
        self.columns = columns
        self.cells = cells
    }

    /// The value of `column`; nil when the result has no such column.
    public subscript(column: String) -> SQLValue? {
        for index in self.columns.indices where self.columns[index] == column { return self.cells[index] }
        return nil
    }

    public func int(_ column: String) -> Int? {
        switch self[column] {
        case .integer(let value): value
        case .real(let value): Int(value)
        case .text(let value): Int(value)
        default: nil
        }
    }

    public func string(_ column: String) -> String? {
        switch self[column] {
        case .text(let value): value
        case .integer(let value): String(value)
        case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    public func bytes(_ column: String) -> [UInt8]? {
        switch self[column] {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }
}

/// Runs statements: a database (each on its own) or a transaction. A reader that works either way takes this.
public protocol SQLStatements: Sendable {
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow]
}

/// Runs statements inside one transaction.
public protocol SQLTransaction: SQLStatements {
    /// Sends `payload` on `channel` to the listeners of every process sharing this database, once (and only if) this
    /// transaction commits.
    func notify(_ channel: String, _ payload: String) async throws(StoreError)

    /// Sends each of `payloads` on `channel`, as `notify(_:_:)` does: PostgreSQL sends them in one statement.
    func notify(_ channel: String, _ payloads: [String]) async throws(StoreError)

    /// Runs an INSERT, UPDATE or DELETE whose result the caller does not read, now or with a later statement of this
    /// transaction (never after the commit, and always before any later statement that mentions the table it
    /// changes). PostgreSQL holds inserts of new rows to save round trips (`PostgresWriteGroup`, issue 25); an error
    /// they meet fails the transaction when they are sent.
    func write(_ sql: String, _ binds: [SQLValue]) async throws(StoreError)
}

extension SQLTransaction {
    public func write(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) { try await self.execute(sql, binds) }

    public func notify(_ channel: String, _ payloads: [String]) async throws(StoreError) {
        for payload in payloads { try await self.notify(channel, payload) }
    }
}

/// A relational database the stores run on. Statements use `$1`, `$2` … placeholders: bind n goes to `$(n + 1)`,
/// wherever and however often it appears. The same SQL runs on both implementations: `SQLiteDatabase` (embedded, one process) and
/// `PostgresDatabase` (a server, any number of processes).
///
/// Transactions are atomic and isolated at least at READ COMMITTED (SQLite runs them one after another). The stores
/// therefore never rely on a read followed by a write in the same transaction to exclude a concurrent writer:
/// racing inserts use `ON CONFLICT`, counters are single-statement upserts, state changes are conditional updates.
public protocol SQLDatabase: SQLStatements {
    /// Told the duration of each commit.
    var commits: CommitObserver { get }
    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T

    /// What `channel`'s committed notifications say, from every process sharing the database. The stream yields an
    /// empty payload once it is listening, and again after a reconnect: "anything may have changed".
    func notifications(on channel: String) -> AsyncStream<String>

    /// Which SQL this database speaks where the two differ: only the full-text index of pooled search does (issue 26).
    var dialect: SQLDialect { get }

    /// A statement that, run first in a transaction, keeps other processes sharing the database from doing `work`
    /// until that transaction ends (nil where the transaction itself is exclusive).
    func lockStatement(_ work: SerialWork) -> String?

    /// The columns of `table` in this database's current schema, each with its kind, and its primary key; nil when
    /// there is no such table. Each dialect reads its own catalogue (the exchange database's schema check, ZJ-7.1.2.3 e).
    func table(_ table: String) async throws(StoreError) -> ExchangeDatabaseLayout.FoundTable?

    func close() async
}

/// The two SQL implementations. The stores' SQL is the same on both except where a feature exists in one form on
/// each: full-text search (SQLite's FTS5 with its trigram tokenizer, PostgreSQL's `pg_trgm`; issue 26, GS-5).
public enum SQLDialect: String, Sendable, Hashable {
    case sqlite
    case postgres
}

/// Work that processes sharing one database must do one at a time, each in a transaction that starts with its
/// `lockStatement` (PostgreSQL: a transaction-level advisory lock, whose key is the raw value).
public enum SerialWork: Int64, Sendable {
    /// Applying a migration: two instances starting at once apply each version exactly once.
    case migration = 7_410_420
    /// Signing a tree head (issue 25): heads reach the feeds in the order of their sizes, also from two hub instances.
    case treeHead = 7_410_421
    /// Booking a remote arraignment room (issue 26): a slot is checked against the bookings it might conflict with
    /// and written, one booking at a time, also from two hub instances.
    case booking = 7_410_422
}
