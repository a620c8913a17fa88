import Foundation
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// The hub's (and a large agency node's) database on a PostgreSQL server (ZJ-7.2.2), chosen by a `postgres://` URL.
///
/// Statements run on a pooled connection. A transaction runs on one connection at READ COMMITTED; the stores' SQL is
/// written for that: inserts that may race use `ON CONFLICT`, counters are single-statement upserts, and state changes
/// are conditional updates. Several hub instances can therefore share one database.
public final class PostgresDatabase: SQLDatabase, @unchecked Sendable {
    public let commits = CommitObserver()
    // @unchecked: `runner` and `closed` are touched only under `state`.
    private let client: PostgresClient
    private let state = NSLock()
    private var runner: Task<Void, Never>?
    private var closed = false
    private let logger: Logger
    public let location: DatabaseURL

    /// A connection of its own, outside the pool, for each notification listener (see `notifications(on:)`).
    private let direct: PostgresConnection.Configuration
    private let listenerIDs = Atomic<Int>(1)

    private init(client: PostgresClient, direct: PostgresConnection.Configuration, location: DatabaseURL, logger: Logger) {
        self.client = client
        self.direct = direct
        self.location = location
        self.logger = logger
    }

    /// Connects to the server, checks that it answers, and applies `migrations` not yet applied.
    public static func open(
        _ location: DatabaseURL,
        migrations: [Migration],
        maximumConnections: Int = 20,
        logger: Logger = Logger(label: "xietong.store")
    ) async throws(StoreError) -> PostgresDatabase {
        guard case .postgres(let server) = location else {
            throw StoreError(.open, zh: "不是 PostgreSQL 地址", en: "not a PostgreSQL URL: \(location.redacted)")
        }
        var configuration = PostgresClient.Configuration(
            host: server.host,
            port: server.port,
            username: server.user,
            password: server.password,
            database: server.database,
            tls: .disable
        )
        if server.requireTLS {
            configuration.tls = .require(.makeClientConfiguration())
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        // One direct connection first: an unreachable server, a wrong password or a missing database is reported at
        // once with the server's reason, rather than after the pool's retries.
        let direct: PostgresConnection.Configuration
        do {
            direct = try Self.directConfiguration(server)
            let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
            try await connection.close()
        } catch {
            var failure = StoreError(
                .open,
                zh: "无法连接 PostgreSQL 数据库 \(location.redacted)",
                en: "cannot connect to the PostgreSQL database at \(location.redacted)"
            )
            failure.underlying = PostgresFailure(error: error, sql: "connect").description
            throw failure
        }
        let database = PostgresDatabase(
            client: PostgresClient(configuration: configuration),
            direct: direct,
            location: location,
            logger: logger
        )
        database.start()
        do {
            try await database.execute("SELECT 1 AS ok", [])
        } catch {
            await database.close()
            var failure = StoreError(
                .open,
                zh: "无法连接 PostgreSQL 数据库 \(location.redacted)",
                en: "cannot connect to the PostgreSQL database at \(location.redacted)"
            )
            failure.underlying = error.underlying
            throw failure
        }
        do {
            try await MigrationRunner(database: database, logger: logger).run(migrations)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// A single connection's settings, with the pool's connect timeout.
    private static func directConfiguration(_ server: DatabaseURL.PostgresServer) throws -> PostgresConnection.Configuration {
        var direct = PostgresConnection.Configuration(
            host: server.host,
            port: server.port,
            username: server.user,
            password: server.password,
            database: server.database,
            tls: server.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        )
        direct.options.connectTimeout = .seconds(10)
        return direct
    }

    private func start() {
        let client = self.client
        self.state.withLock { self.runner = Task { await client.run() } }
    }

    /// Transaction-scoped advisory lock: concurrent instances apply migrations one at a time.
    public var dialect: SQLDialect { .postgres }

    public func lockStatement(_ work: SerialWork) -> String? { "SELECT pg_advisory_xact_lock(\(work.rawValue)) AS locked" }

    // MARK: Statements

    static func query(_ sql: String, _ binds: [SQLValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .integer(let number): bindings.append(Int64(number))
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence {
            var columns: [String] = []
            var cells: [SQLValue] = []
            for cell in row {
                columns.append(cell.columnName)
                cells.append(try Self.value(cell))
            }
            rows.append(SQLRow(columns: columns, cells: cells))
        }
        return rows
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            let decimal = try cell.decode(Decimal.self)
            let number = NSDecimalNumber(decimal: decimal)
            return decimal == Decimal(number.intValue) ? .integer(number.intValue) : .real(number.doubleValue)
        case .bytea: return .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
        default:
            if let text = try? cell.decode(String.self) { return .text(text) }
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }

    static func failure(_ error: any Error, sql: String) -> StoreError {
        StoreError(.query, zh: "数据库操作失败", en: "a database operation failed", underlying: PostgresFailure(error: error, sql: sql))
    }

    /// The server's full error (SQLSTATE, message), for operators' logs; PostgresNIO's own description hides it.
    struct PostgresFailure: Error, CustomStringConvertible {
        let detail: String
        let sqlState: String?

        init(error: any Error, sql: String) {
            let psql = error as? PSQLError
            self.sqlState = psql?.serverInfo?[.sqlState]
            let message = psql?.serverInfo?[.message] ?? String(reflecting: error)
            self.detail = "\(self.sqlState.map { "SQLSTATE \($0): " } ?? "")\(message) in: \(sql.prefix(200))"
        }

        var description: String { self.detail }
    }

    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        do {
            return try await Self.rows(try await self.client.query(Self.query(sql, binds), logger: self.logger))
        } catch {
            throw Self.failure(error, sql: sql)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        do {
            return try await self.client.withConnection { connection in
                try await connection.query("BEGIN", logger: self.logger)
                do {
                    let transaction = Transaction(connection: connection, logger: self.logger)
                    let value = try await body(transaction)
                    try await transaction.sendHeldWrites()
                    try await self.commits.timedAsync { try await connection.query("COMMIT", logger: self.logger) }
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as PSQLError {
            throw Self.failure(error, sql: "transaction")
        }
    }

    /// The statements of one transaction, on its connection. Writes whose results the caller does not read are held
    /// and sent with the next statement (`PostgresWriteGroup`), so a transaction takes fewer round trips.
    final class Transaction: SQLTransaction {
        let connection: PostgresConnection
        let logger: Logger
        private let held = Mutex(PostgresWriteGroup())

        init(connection: PostgresConnection, logger: Logger) {
            self.connection = connection
            self.logger = logger
        }

        @discardableResult
        func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
            try await self.run(self.held.withLock { $0.send(sql, binds) })
        }

        func write(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) {
            try await self.run(self.held.withLock { $0.hold(sql, binds) })
        }

        /// Sends the writes still held: before the commit.
        func sendHeldWrites() async throws(StoreError) {
            try await self.run(self.held.withLock { $0.drain() })
        }

        /// Runs `statements` in order; the rows of the last.
        @discardableResult
        private func run(_ statements: [PostgresWriteGroup.Statement]) async throws(StoreError) -> [SQLRow] {
            var rows: [SQLRow] = []
            for statement in statements { rows = try await self.run(statement.sql, statement.binds) }
            return rows
        }

        @discardableResult
        private func run(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
            do {
                return try await PostgresDatabase.rows(try await self.connection.query(PostgresDatabase.query(sql, binds), logger: self.logger))
            } catch {
                throw PostgresDatabase.failure(error, sql: sql)
            }
        }

        func notify(_ channel: String, _ payload: String) async throws(StoreError) {
            try await self.notify(channel, [payload])
        }

        /// One statement for up to 1,000 notifications (a tree head wakes every node's feed, issue 25).
        func notify(_ channel: String, _ payloads: [String]) async throws(StoreError) {
            for chunk in stride(from: 0, to: payloads.count, by: 1000) {
                let part = payloads[chunk..<min(chunk + 1000, payloads.count)]
                let calls = part.indices.map { "pg_notify($1, $\($0 - chunk + 2)) AS n\($0 - chunk)" }
                try await self.execute("SELECT " + calls.joined(separator: ", "), [.text(channel)] + part.map { .text($0) })
            }
        }
    }

    // MARK: Notifications

    /// Notifications on `channel` from every instance, after the transactions that sent them commit. The stream
    /// reconnects after a lost connection; a consumer treats a gap as "something may have changed".
    ///
    /// The listener has a connection of its own rather than one leased from the pool: it holds it for the service's
    /// life, and a lease waits, silently and without end, while the pool cannot connect (seen on CI as a relay that
    /// never started listening, with nothing logged). A direct connection fails within its connect timeout, is
    /// logged, and is tried again.
    public func notifications(on channel: String) -> AsyncStream<String> {
        let direct = self.direct
        let logger = self.logger
        let id = self.listenerIDs.add(1, ordering: .relaxed).oldValue
        return AsyncStream { continuation in
            let task = Task {
                while !Task.isCancelled {
                    do {
                        let connection = try await PostgresConnection.connect(configuration: direct, id: id, logger: logger)
                        do {
                            try await connection.listen(on: channel) { notifications in
                                // A (re)connected listener may have missed notifications: wake everyone once.
                                continuation.yield("")
                                for try await notification in notifications {
                                    continuation.yield(notification.payload)
                                }
                            }
                            try? await connection.close()
                        } catch {
                            try? await connection.close()
                            throw error
                        }
                    } catch {
                        if Task.isCancelled { break }
                        logger.warning(
                            "lost the PostgreSQL notification listener; reconnecting",
                            metadata: ["store.channel": "\(channel)", "error": "\(PostgresFailure(error: error, sql: "LISTEN"))"]
                        )
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func close() async {
        let runner: Task<Void, Never>? = self.state.withLock {
            defer { self.closed = true }
            return self.closed ? nil : self.runner
        }
        guard let runner else { return }
        runner.cancel()
        await runner.value
    }
}
