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
    public let values: [String: SQLValue]

    public init(values: [String: SQLValue]) {
        self.values = values
    }

    public func int(_ column: String) -> Int? {
        switch self.values[column] {
        case .integer(let value): value
        case .real(let value): Int(value)
        case .text(let value): Int(value)
        default: nil
        }
    }

    public func string(_ column: String) -> String? {
        switch self.values[column] {
        case .text(let value): value
        case .integer(let value): String(value)
        case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    public func bytes(_ column: String) -> [UInt8]? {
        switch self.values[column] {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }
}

/// Runs statements inside one transaction.
public protocol SQLTransaction: Sendable {
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow]
}

/// A relational database the stores run on. Statements use `$1`, `$2` … placeholders, numbered in the order they
/// first appear.
public protocol SQLDatabase: Sendable {
    /// Runs one statement on its own.
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow]

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws. Statements of
    /// other callers do not interleave with it.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T

    func close() async
}
