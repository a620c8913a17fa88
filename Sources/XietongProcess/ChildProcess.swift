public import Foundation

/// Child processes by posix_spawn and waitpid. Foundation's `Process` can miss a child's exit under load (its
/// `waitUntilExit` then never returns; seen with `pg_ctl start` and with `xmllint` here), so the tests, the demo's
/// process manager and the benchmarks use this instead.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is guarded by `lock`.
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    init(pid: pid_t) {
        self.pid = pid
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The outcome of a command run to completion.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: [UInt8]
        public let stderr: [UInt8]
        public var output: String { String(decoding: self.stdout, as: UTF8.self) }
        public var errors: String { String(decoding: self.stderr, as: UTF8.self) }
    }

    /// Starts `executable` with standard input from /dev/null and standard output and error appended to the given
    /// files (or /dev/null).
    public static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil,
        stdout: String? = nil,
        stderr: String? = nil
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderr, stderr != stdout {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // In another folder through the shell (`cd` then `exec`, so the pid is the command's).
        let argv =
            directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] + arguments } ?? [executable] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cEnvironment = variables.map { strdup($0) } + [nil]
        defer { for variable in cEnvironment { free(variable) } }
        // The child starts with no signal blocked and the usual signals at their defaults, whatever this process's
        // threads block or ignore (NIO ignores SIGPIPE; a thread may block SIGTERM or SIGALRM): otherwise a child
        // such as pgbench never sees the alarm that ends its run, nor the SIGTERM that stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, &cEnvironment)
        guard spawned == 0 else { throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))") }
        return ChildProcess(pid: pid)
    }

    /// Runs a command to completion and returns its status and output.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil
    ) throws -> Result {
        let output = Output()
        defer { output.remove() }
        let child = try Self.spawn(
            executable,
            arguments,
            environment: environment,
            directory: directory,
            stdout: output.out.path,
            stderr: output.err.path
        )
        return output.result(status: child.wait())
    }

    /// Runs a command to completion, as `run` does, waiting on a thread of its own: a caller in Swift concurrency
    /// leaves the cooperative pool's threads (two on a 2-core machine) free for other tasks meanwhile. A test that
    /// ran commands with the blocking wait held a thread of the pool for each command's whole run, and everything
    /// else in the suite waited for them.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil
    ) async throws -> Result {
        let output = Output()
        defer { output.remove() }
        let child = try Self.spawn(
            executable,
            arguments,
            environment: environment,
            directory: directory,
            stdout: output.out.path,
            stderr: output.err.path
        )
        return output.result(status: await child.exit())
    }

    /// The temporary files a command run to completion writes its output and errors to.
    private struct Output {
        let out: URL
        let err: URL

        init() {
            let folder = FileManager.default.temporaryDirectory
            self.out = folder.appendingPathComponent("xietong-child-\(UUID().uuidString).out")
            self.err = folder.appendingPathComponent("xietong-child-\(UUID().uuidString).err")
        }

        func result(status: Int32) -> Result {
            Result(
                status: status,
                stdout: (try? [UInt8](Data(contentsOf: self.out))) ?? [],
                stderr: (try? [UInt8](Data(contentsOf: self.err))) ?? []
            )
        }

        func remove() {
            try? FileManager.default.removeItem(at: self.out)
            try? FileManager.default.removeItem(at: self.err)
        }
    }

    /// Waits, as `wait` does, on a thread of its own rather than one of Swift's cooperative pool.
    public func exit() async -> Int32 {
        if let status = self.lock.withLock({ self.status }) { return status }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.wait()) }
        }
    }

    /// Waits for the child to end; its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        if let status = self.lock.withLock({ self.status }) { return status }
        var raw: Int32 = 0
        while waitpid(self.pid, &raw, 0) == -1 {
            if errno != EINTR { return self.lock.withLock { self.status } ?? -1 }
        }
        return self.record(raw)
    }

    /// The exit code once the child has ended (reaping it), nil while it runs.
    public func exited() -> Int32? {
        if let status = self.lock.withLock({ self.status }) { return status }
        var raw: Int32 = 0
        guard waitpid(self.pid, &raw, WNOHANG) == self.pid else { return nil }
        return self.record(raw)
    }

    public var isRunning: Bool { self.exited() == nil }

    private func record(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        let status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        self.lock.withLock { self.status = status }
        return status
    }

    public func signal(_ signal: Int32) { kill(self.pid, signal) }
}
