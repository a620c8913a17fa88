public import Foundation
import Logging
public import XietongStore

/// A real PostgreSQL server of its own, for tests and benchmarks: `initdb` and `pg_ctl` in a temporary folder, on a
/// free loopback port, stopped and removed when this process exits. Needs the server package (Debian:
/// `postgresql`). When run as root, the server runs as the `postgres` user, since PostgreSQL refuses root. Its character
/// classes are C.UTF-8's, as a deployment's must be for `pg_trgm` to index Chinese (pooled search, issue 26); its
/// collation stays C.
public actor ThrowawayPostgres {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The test run's server: fsync off, since tests need speed, not durability.
    public static let shared = ThrowawayPostgres(durable: false)

    private var server: (port: Int, directory: URL)?
    private var created = 0
    /// Benchmarks measure a durable server (fsync on, the default of PostgreSQL).
    private let durable: Bool

    public init(durable: Bool) {
        self.durable = durable
    }

    /// Environment variable naming an existing server to use instead (a superuser's URL, for example
    /// `postgres://postgres@127.0.0.1:5432/postgres`); each caller still gets a database of its own.
    public static let serverURLVariable = "XIETONG_TEST_POSTGRES_URL"

    /// A new, empty database on the server (started on first use).
    public func newDatabase(prefix: String = "xietong") async throws -> DatabaseURL {
        let admin = try await self.adminServer()
        self.created += 1
        let name = "\(prefix)_\(getpid())_\(self.created)_\(UInt32.random(in: 0...UInt32.max))"
        let database = try await PostgresDatabase.open(.postgres(admin), migrations: [], maximumConnections: 1, logger: Self.quiet)
        defer { Task { await database.close() } }
        try await database.execute("CREATE DATABASE \(name)", [])
        var server = admin
        server.database = name
        return .postgres(server)
    }

    static let quiet: Logger = {
        var logger = Logger(label: "xietong.test-postgres")
        logger.logLevel = .warning
        return logger
    }()

    private func adminServer() async throws -> DatabaseURL.PostgresServer {
        if let url = ProcessInfo.processInfo.environment[Self.serverURLVariable], !url.isEmpty {
            guard case .postgres(let server) = try DatabaseURL.parse(url, path: Self.serverURLVariable) else {
                throw Unavailable(description: "\(Self.serverURLVariable) must be a postgres:// URL")
            }
            return server
        }
        let port = try await self.start()
        return DatabaseURL.PostgresServer(host: "127.0.0.1", port: port, user: "xietong", database: "postgres")
    }

    /// The server's main process (its postmaster), once started.
    public func serverProcess() -> pid_t? {
        guard let directory = self.server?.directory,
            let text = try? String(contentsOf: directory.appendingPathComponent("data/postmaster.pid"), encoding: .utf8)
        else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0) }
    }

    // MARK: The server process

    /// Started once, however many callers ask at the same time (the actor is reentered while the commands run).
    private var starting: Task<Int, any Error>?

    private func start() async throws -> Int {
        if let server { return server.port }
        if let starting { return try await starting.value }
        let task = Task { try await self.startServer() }
        self.starting = task
        do {
            return try await task.value
        } catch {
            self.starting = nil
            throw error
        }
    }

    /// `initdb` and `pg_ctl start`, each waited for on a thread of its own (`ChildProcess.run`), so that the tests
    /// starting meanwhile keep the cooperative pool's threads.
    private func startServer() async throws -> Int {
        let binaries = try Self.binaries()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-postgres-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let asRoot = geteuid() == 0
        if asRoot { try await Self.run("/bin/chown", ["postgres:postgres", directory.path], asPostgres: false) }
        let data = directory.appendingPathComponent("data").path
        try await Self.run(
            binaries.appendingPathComponent("initdb").path,
            ["-D", data, "-U", "xietong", "-A", "trust", "-E", "UTF8", "--locale=C", "--lc-ctype=C.UTF-8", "--no-sync"],
            asPostgres: asRoot
        )
        for _ in 0..<5 {
            let port = LocalProcesses.freePort()
            let options =
                "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c max_connections=500"
                + (self.durable ? " -c shared_buffers=512MB" : " -c fsync=off")
            do {
                try await Self.run(
                    binaries.appendingPathComponent("pg_ctl").path,
                    ["-D", data, "-l", directory.appendingPathComponent("server.log").path, "-o", options, "-w", "-t", "60", "start"],
                    asPostgres: asRoot
                )
            } catch {
                continue
            }
            self.server = (port, directory)
            ThrowawayPostgres.stopAtExit(pgCtl: binaries.appendingPathComponent("pg_ctl").path, data: data, directory: directory.path, asRoot: asRoot)
            return port
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
        throw Unavailable(description: "PostgreSQL did not start: \(log.suffix(2000))")
    }

    /// The folder of `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/N/bin`, or the PATH.
    public static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() {
            let bin = root.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let bin = URL(fileURLWithPath: String(folder))
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path),
                FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("pg_ctl").path)
            {
                return bin
            }
        }
        throw Unavailable(description: "the PostgreSQL server is not installed (Debian: apt-get install -y postgresql)")
    }

    /// Runs a command to completion (as the postgres user when asked); a failure carries its output.
    static func run(_ executable: String, _ arguments: [String], asPostgres: Bool) async throws {
        let (command, all) = Self.invocation(executable, arguments, asPostgres: asPostgres)
        try Self.check(try await ChildProcess.run(command, all, directory: "/tmp"), executable)
    }

    /// As `run`, blocking the thread: for the clean-up at exit.
    static func runBlocking(_ executable: String, _ arguments: [String], asPostgres: Bool) throws {
        let (command, all) = Self.invocation(executable, arguments, asPostgres: asPostgres)
        try Self.check(try ChildProcess.run(command, all, directory: "/tmp"), executable)
    }

    private static func invocation(_ executable: String, _ arguments: [String], asPostgres: Bool) -> (String, [String]) {
        asPostgres ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
    }

    private static func check(_ result: ChildProcess.Result, _ executable: String) throws {
        guard result.status == 0 else {
            throw Unavailable(
                description:
                    "\(URL(fileURLWithPath: executable).lastPathComponent) failed (status \(result.status)): \((result.output + result.errors).suffix(2000))"
            )
        }
    }

    // MARK: Clean-up at exit

    nonisolated(unsafe) private static var cleanups: [(pgCtl: String, data: String, directory: String, asRoot: Bool)] = []
    private static let cleanupLock = NSLock()

    private static func stopAtExit(pgCtl: String, data: String, directory: String, asRoot: Bool) {
        let first = Self.cleanupLock.withLock {
            Self.cleanups.append((pgCtl, data, directory, asRoot))
            return Self.cleanups.count == 1
        }
        guard first else { return }
        atexit {
            for cleanup in ThrowawayPostgres.cleanupLock.withLock({ ThrowawayPostgres.cleanups }) {
                try? ThrowawayPostgres.runBlocking(cleanup.pgCtl, ["-D", cleanup.data, "-m", "immediate", "-w", "stop"], asPostgres: cleanup.asRoot)
                try? FileManager.default.removeItem(atPath: cleanup.directory)
            }
        }
    }
}
