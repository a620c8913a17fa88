import CSQLite
import CSQLiteVFS
import Foundation
public import Logging

/// The embedded database: one SQLite file in the data directory, in WAL mode with full fsync, so that a commit
/// survives `kill -9` and power loss. Migrations run when it opens.
///
/// The connection is used only while `lock` is held, one caller at a time, and each statement runs synchronously
/// on the caller's thread (microseconds), so a transaction costs no thread switches; prepared statements are cached.
/// Concurrent transactions share one commit (group commit, see `transaction`).
public final class SQLiteDatabase: SQLDatabase, @unchecked Sendable {
    public let commits = CommitObserver()
    // @unchecked: `handle` and `statements` are touched only by the holder of `lock`.
    private let handle: OpaquePointer
    private var statements: [String: Prepared] = [:]

    /// A prepared statement with what is looked up by name only once: the parameter index of each bind (`$1`… may
    /// appear in any order, and SQLite's lookup by name compares strings, over and over for a statement with hundreds
    /// of parameters) and the result's column names.
    private struct Prepared {
        let statement: OpaquePointer
        let parameterIndex: [Int32]
        let columns: [String]
    }
    private var closed = false
    private let lock = AsyncLock()
    /// Group commit: while callers wait for the lock, their transactions join the open physical transaction, each in
    /// its own savepoint, and one COMMIT makes all of them durable. Nobody is answered before that commit.
    private var openBatch: [CheckedContinuation<Void, any Error>] = []
    private var inPhysicalTransaction = false
    /// Notifications sent by transactions of the open group commit, delivered when it commits.
    private var pendingNotifications: [(channel: String, payload: String)] = []
    private let listeners = Listeners()
    private static let maxGroup = 64
    public let path: String

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Opens (creating if needed) the database at `path` and applies `migrations` not yet applied.
    public static func open(
        path: String,
        migrations: [Migration],
        logger: Logger = Logger(label: "xietong.store")
    ) async throws(StoreError) -> SQLiteDatabase {
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError(.open, zh: "无法创建数据目录", en: "cannot create the folder of \(path)", underlying: error)
        }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, Self.vfs) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite3_close_v2(handle) }
            throw StoreError(.open, zh: "无法打开数据库 \(path)", en: "cannot open the database at \(path): \(message)")
        }
        let database = SQLiteDatabase(handle: handle, path: path)
        do throws(StoreError) {
            // The busy timeout first: switching to WAL needs a moment's exclusive lock, which another process opening
            // the same file at once may hold. 30 s, not 5: a second connection to the file (a second hub instance in
            // the tests, `xietong migrate` beside a running service) waits for a busy machine's writer rather than
            // failing its write; 5 s ran out in a fully loaded test run.
            // Temporary storage in memory: each transaction of a group commit runs in a savepoint, whose journal of
            // the pages it changed would otherwise be written to a temporary file (as many writes as the WAL's own).
            // Deleted content zeroed only in pages written anyway (Debian builds SQLite with secure delete on, which
            // also rewrites every freed page: each update that moves a package's bytes freed and zeroed pages).
            let pragmas = [
                "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA temp_store = MEMORY", "PRAGMA secure_delete = FAST",
            ]
            for pragma in pragmas {
                // Switching a new file to WAL while another process opens it too can answer SQLITE_BUSY at once,
                // without waiting in the busy handler (seen when four instances started together on a loaded machine):
                // it is tried again, the task sleeping, for as long as the busy timeout.
                _ = try await database.runWithoutBlocking(pragma, [])
            }
        } catch {
            // SQLite's message is read before the handle is closed (and freed).
            let message = String(cString: sqlite3_errmsg(handle))
            await database.close()
            // Switching to WAL writes to the disk: on a full one, say so rather than suspect the file.
            if error.code == .diskFull { throw error }
            throw StoreError(
                .open,
                zh: "无法设置数据库参数，文件可能已损坏（\(message)）",
                en: "cannot configure the database; the file may be damaged (\(message))",
                underlying: error
            )
        }
        do {
            try await MigrationRunner(database: database, logger: logger).run(migrations)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// How long a write waits for another connection to the same file (another process, or a second instance in
    /// the tests) to finish its transaction.
    static let busyTimeoutMilliseconds: Int32 = 30_000

    /// Runs a statement that starts a transaction, or one in autocommit mode (the caller holds the lock), without
    /// blocking the thread while another connection to the file writes. SQLite's busy handler sleeps on the calling
    /// thread, one of the few threads of Swift's cooperative pool: while both of a 2-core machine's were asleep
    /// waiting for another connection's commit, the task that would commit could not run, so the wait always ran
    /// out (`store.query` after 30 s, seen on CI with two handles on one file). Here SQLite answers SQLITE_BUSY at
    /// once, and the task sleeps and tries again until it has slept for the busy timeout. Such a statement changed
    /// nothing when it was refused, so running it again is safe.
    ///
    /// The budget is the time slept, not the time passed: when the whole process stood still (every thread of the pool
    /// held by something else for a while, as a test suite on 2 cores can), the connection holding the lock could not
    /// commit either, and a wait counted by the clock ran out without the other side ever having had its turn.
    private func runWithoutBlocking(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        // A closed database's handle is freed: nothing may touch it (a service cancelled at shutdown may still write
        // after the database closer ran).
        guard !self.closed else { throw StoreError(.query, zh: "数据库已关闭", en: "the database is closed") }
        sqlite3_busy_timeout(self.handle, 0)
        defer { sqlite3_busy_timeout(self.handle, Self.busyTimeoutMilliseconds) }
        var slept = 0
        var pause = 1
        while true {
            do throws(StoreError) {
                return try self.run(sql, binds)
            } catch {
                let code = sqlite3_extended_errcode(self.handle) & 0xff
                guard code == SQLITE_BUSY || code == SQLITE_LOCKED else { throw error }
                // A cancelled task does not sleep: it gives up at once rather than spin (nothing was written).
                guard slept < Int(Self.busyTimeoutMilliseconds), !Task.isCancelled else {
                    throw StoreError(
                        .busy,
                        zh: "数据库 \(self.path) 被另一连接占用超过 \(Self.busyTimeoutMilliseconds / 1000) 秒，未写入任何内容，请稍后重试",
                        en:
                            "another connection held the database at \(self.path) for over \(Self.busyTimeoutMilliseconds / 1000) s; nothing was written; retry later",
                        underlying: error
                    )
                }
                try? await Task.sleep(for: .milliseconds(pause))
                slept += pause
                pause = min(pause * 2, 50)
            }
        }
    }

    /// The VFS files are opened with: the default one, with each run of WAL frames written in one system call
    /// (CSQLiteVFS). Should registering it fail, the default VFS itself.
    static let vfs: String? = xietong_vfs_register() == SQLITE_OK ? XIETONG_VFS_NAME : nil

    /// The names of the VFS layers the main database file was opened through, outermost first ("xietong/unix").
    var vfsName: String? {
        get async {
            await self.lock.acquire()
            var name: UnsafeMutablePointer<CChar>?
            let found = !self.closed && sqlite3_file_control(self.handle, "main", SQLITE_FCNTL_VFSNAME, &name) == SQLITE_OK
            await self.lock.release()
            guard found, let name else { return nil }
            defer { sqlite3_free(name) }
            return String(cString: name)
        }
    }

    private func failure(_ sql: String) -> StoreError {
        let message = String(cString: sqlite3_errmsg(self.handle))
        // A full disk (SQLITE_FULL, or an I/O error whose errno says so; the errno is kept from the last I/O error,
        // so it is read only for one): SQLite rolled the statement back, nothing was kept.
        let code = sqlite3_extended_errcode(self.handle) & 0xff
        let system = code == SQLITE_IOERR ? sqlite3_system_errno(self.handle) : 0
        if code == SQLITE_FULL || system == ENOSPC || system == EDQUOT {
            var error = StoreError.diskFull(self.path)
            error.underlying = "\(SQLiteFailure(message: message, sql: sql))"
            return error
        }
        return StoreError(.query, zh: "数据库操作失败", en: "a database operation failed", underlying: SQLiteFailure(message: message, sql: sql))
    }

    struct SQLiteFailure: Error, CustomStringConvertible {
        let message: String
        let sql: String
        var description: String { "\(self.message) in: \(self.sql.prefix(200))" }
    }

    /// Runs one statement synchronously. Only for callers that hold the lock (or before the database is shared).
    func run(_ sql: String, _ binds: [SQLValue]) throws(StoreError) -> [SQLRow] {
        guard !self.closed else { throw StoreError(.query, zh: "数据库已关闭", en: "the database is closed") }
        let prepared: Prepared
        if let cached = self.statements[sql] {
            prepared = cached
        } else {
            var handle: OpaquePointer?
            guard sqlite3_prepare_v2(self.handle, sql, -1, &handle, nil) == SQLITE_OK, let handle else { throw self.failure(sql) }
            // Bind n (from 0) goes to the parameter named `$(n + 1)`; 0 where the statement does not use that number.
            var parameterIndex: [Int32] = []
            for index in Int32(1)...max(1, sqlite3_bind_parameter_count(handle)) {
                guard let name = sqlite3_bind_parameter_name(handle, index), name.pointee == UInt8(ascii: "$"),
                    let number = Int(String(cString: name + 1)), number >= 1, number <= 100_000
                else { continue }
                if parameterIndex.count < number { parameterIndex += Array(repeating: 0, count: number - parameterIndex.count) }
                parameterIndex[number - 1] = index
            }
            let columns = (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
            prepared = Prepared(statement: handle, parameterIndex: parameterIndex, columns: columns)
            self.statements[sql] = prepared
        }
        let statement = prepared.statement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            let index = offset < prepared.parameterIndex.count ? prepared.parameterIndex[offset] : 0
            guard index > 0 else { continue }
            let result: Int32
            switch value {
            case .integer(let number): result = sqlite3_bind_int64(statement, index, Int64(number))
            case .real(let number): result = sqlite3_bind_double(statement, index, number)
            case .text(let text): result = sqlite3_bind_text(statement, index, text, -1, Self.transient)
            case .blob(let bytes):
                result = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .null: result = sqlite3_bind_null(statement, index)
            }
            guard result == SQLITE_OK else { throw self.failure(sql) }
        }
        var rows: [SQLRow] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw self.failure(sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(prepared.columns.count)
            for column in Int32(0)..<Int32(prepared.columns.count) {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values.append(.integer(Int(sqlite3_column_int64(statement, column))))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(statement, column)))
                case SQLITE_TEXT:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let text =
                        sqlite3_column_text(statement, column).map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
                        ?? ""
                    values.append(.text(text))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let bytes = sqlite3_column_blob(statement, column).map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
                    values.append(.blob(bytes))
                default: values.append(.null)
                }
            }
            rows.append(SQLRow(columns: prepared.columns, cells: values))
        }
        return rows
    }

    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        do {
            await self.lock.acquire()
            // While a group commit is open, a statement joins it, so that a write is answered only after the commit
            // that makes it durable. Otherwise it runs on its own and SQLite commits it before it returns.
            if self.inPhysicalTransaction {
                return try await self.joinGroup { try await $0.execute(sql, binds) }
            }
            let rows: [SQLRow]
            do {
                rows = try await self.runWithoutBlocking(sql, binds)
            } catch {
                await self.lock.release()
                throw error
            }
            await self.lock.release()
            return rows
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.query, zh: "数据库操作失败", en: "a database operation failed", underlying: error)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        await self.lock.acquire()
        return try await self.joinGroup(body)
    }

    /// Runs `body` in the open group commit, starting one if none is open, and returns once a commit covers it.
    /// The caller holds the lock; it is released before this returns.
    private func joinGroup<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        if !self.inPhysicalTransaction {
            do {
                _ = try await self.runWithoutBlocking("BEGIN IMMEDIATE", [])
            } catch {
                await self.lock.release()
                throw error
            }
            self.inPhysicalTransaction = true
        }
        // This caller's own work, undone alone if it fails.
        let result: Result<T, any Error>
        let notificationsBefore = self.pendingNotifications.count
        do {
            _ = try self.run("SAVEPOINT xietong", [])
            do {
                let value = try await body(LockedTransaction(database: self))
                _ = try self.run("RELEASE xietong", [])
                result = .success(value)
            } catch {
                _ = try? self.run("ROLLBACK TO xietong", [])
                _ = try? self.run("RELEASE xietong", [])
                self.pendingNotifications.removeSubrange(notificationsBefore...)
                result = .failure(error)
            }
        } catch {
            result = .failure(error)
        }
        if await self.lock.hasWaiters && self.openBatch.count + 1 < Self.maxGroup {
            // Others are waiting: let them add their work, and wait for the commit that covers ours.
            do {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    self.openBatch.append(continuation)
                    Task { await self.lock.release() }
                }
            } catch {
                throw error
            }
            return try result.get()
        }
        let (answer, failure) = self.commitGroup()
        await self.lock.release()
        answer()
        if let failure { throw failure }
        return try result.get()
    }

    /// Commits the open group (the caller holds the lock; the group is closed after). Returns what answers its
    /// waiting callers, to run once the lock is released, and the commit's failure, if it failed.
    private func commitGroup() -> (answer: () -> Void, failure: (any Error)?) {
        let waiting = self.openBatch
        let notifications = self.pendingNotifications
        let listeners = self.listeners
        self.openBatch = []
        self.pendingNotifications = []
        self.inPhysicalTransaction = false
        do {
            _ = try self.commits.timed { try self.run("COMMIT", []) }
        } catch {
            _ = try? self.run("ROLLBACK", [])
            return ({ for continuation in waiting { continuation.resume(throwing: error) } }, error)
        }
        let answer = {
            for notification in notifications { listeners.deliver(notification.payload, on: notification.channel) }
            for continuation in waiting { continuation.resume() }
        }
        return (answer, nil)
    }

    public func close() async {
        await self.lock.acquire()
        if !self.closed && self.inPhysicalTransaction {
            // A group commit is open: callers parked in it wait for its commit. Closing without it left them
            // waiting for ever, and the service group with them (a node that could not bind its port neither served
            // nor stopped, issue 19). Their work is committed, as it would have been, and they are resumed.
            self.commitGroup().answer()
        }
        if !self.closed {
            for prepared in self.statements.values { sqlite3_finalize(prepared.statement) }
            self.statements = [:]
            sqlite3_close_v2(self.handle)
            self.closed = true
        }
        await self.lock.release()
    }

    /// The statements of a transaction, run while the lock is held.
    struct LockedTransaction: SQLTransaction {
        let database: SQLiteDatabase

        @discardableResult
        func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
            try self.database.run(sql, binds)
        }

        func notify(_ channel: String, _ payload: String) async throws(StoreError) {
            self.database.pendingNotifications.append((channel, payload))
        }
    }

    // MARK: Notifications

    /// The embedded database has one process: its notifications go to this process's listeners, after commit.
    public func notifications(on channel: String) -> AsyncStream<String> {
        let listeners = self.listeners
        return AsyncStream { continuation in
            let id = listeners.add(continuation, on: channel)
            continuation.onTermination = { _ in listeners.remove(id, from: channel) }
            continuation.yield("")
        }
    }

    /// The transaction is exclusive (BEGIN IMMEDIATE) already.
    public var dialect: SQLDialect { .sqlite }

    public func lockStatement(_ work: SerialWork) -> String? { nil }

    final class Listeners: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        private let lock = NSLock()
        private var byChannel: [String: [UUID: AsyncStream<String>.Continuation]] = [:]

        func add(_ continuation: AsyncStream<String>.Continuation, on channel: String) -> UUID {
            let id = UUID()
            self.lock.withLock { self.byChannel[channel, default: [:]][id] = continuation }
            return id
        }

        func remove(_ id: UUID, from channel: String) {
            _ = self.lock.withLock { self.byChannel[channel]?.removeValue(forKey: id) }
        }

        func deliver(_ payload: String, on channel: String) {
            for continuation in self.lock.withLock({ Array((self.byChannel[channel] ?? [:]).values) }) { continuation.yield(payload) }
        }
    }
}
