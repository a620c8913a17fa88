public import Foundation

#if canImport(Glibc)
import Glibc
import NIOConcurrencyHelpers
#endif

/// Runs `xietong` services as child processes on loopback, for the benchmarks and the integration tests: start on a
/// chosen port, wait until `/healthz` answers, stop gracefully or kill with SIGKILL, read peak memory.
public final class LocalProcesses: @unchecked Sendable {
    // Used by one test or benchmark at a time; not shared across tasks.

    public final class Entry: @unchecked Sendable {
        public let name: String
        public let port: Int
        public let arguments: [String]
        public let log: URL
        public fileprivate(set) var process: ChildProcess?
        /// Serves HTTPS (its readiness is then the port accepting connections).
        public let tls: Bool

        init(name: String, port: Int, arguments: [String], log: URL, tls: Bool = false) {
            self.name = name
            self.port = port
            self.arguments = arguments
            self.log = log
            self.tls = tls
        }

        public var url: String { "\(self.tls ? "https" : "http")://127.0.0.1:\(self.port)" }
        public var isRunning: Bool { self.process?.isRunning == true }
    }

    public let executable: URL
    public let environment: [String: String]
    public private(set) var entries: [String: Entry] = [:]

    public init(executable: URL, environment: [String: String] = [:]) {
        self.executable = executable
        var merged = ProcessInfo.processInfo.environment
        merged["XIETONG_LOG_LEVEL"] = "warning"
        merged.removeValue(forKey: "XIETONG_REGISTRY")
        for (key, value) in environment { merged[key] = value }
        merged[ParentWatch.variable] = String(getpid())
        self.environment = merged
    }

    deinit {
        for entry in self.entries.values where entry.isRunning {
            entry.process?.signal(SIGKILL)
            entry.process?.wait()
        }
    }

    /// A free loopback port for a server, chosen at random below the kernel's ephemeral range (32768 and up by
    /// default), so that an outgoing connection cannot take it between this check and the server's bind.
    public static func freePort() -> Int {
        // Never the same port twice in one process: suites run in parallel, and a port handed out a moment ago may
        // not be bound yet by the service it was chosen for. Another process choosing at the same moment (the tests
        // and the demo they start) could pick it too, so each process first tries its own window of the range,
        // chosen by its pid.
        for attempt in 0..<200 {
            let port = attempt < 100 ? Self.window.lowerBound + Int.random(in: 0..<Self.windowSize) : Int.random(in: 20000..<32000)
            guard self.canBind(port), Self.handedOut.withLockedValue({ $0.insert(port).inserted }) else { continue }
            if Self.claim(port) { return port }
        }
        return self.ephemeralPort()
    }

    /// Claims `port` for this process against every other process that chooses ports here (the tests, and the demo
    /// and benchmarks they start): an exclusive lock on a file named for the port, held open until this process ends,
    /// when the kernel releases it (kill -9 included). Choosing by pid windows alone left a chance that a child whose
    /// pid fell in the same window picked a port before the service it was chosen for had bound it (seen in CI as
    /// `config.port-unavailable`). False when another process holds it; true when no claim can be made at all (an
    /// unwritable temporary folder), leaving the bind check alone as before.
    static func claim(_ port: Int) -> Bool {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-ports")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let descriptor = open(directory.appendingPathComponent(String(port)).path, O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return true }
        // Held, never closed: the claim lasts as long as this process.
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
        close(descriptor)
        return false
    }

    static let windowSize = 500
    /// This process's window of ports: one of 24 between 20000 and 32000.
    static let window: Range<Int> = {
        let start = 20000 + Int(getpid() % 24) * LocalProcesses.windowSize
        return start..<(start + LocalProcesses.windowSize)
    }()

    static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// The address 127.0.0.1:`port`.
    static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// A TCP socket connected to 127.0.0.1:`port`, or nil. The caller closes it.
    public static func connectLoopback(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = self.loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = self.loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func ephemeralPort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = self.loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @discardableResult
    public func declare(_ name: String, port: Int, arguments: [String], log: URL, tls: Bool = false) -> Entry {
        let entry = Entry(name: name, port: port, arguments: arguments, log: log, tls: tls)
        self.entries[name] = entry
        return entry
    }

    public subscript(name: String) -> Entry? { self.entries[name] }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { self.message }
    }

    /// Starts a declared process and waits until it answers on `/healthz`.
    public func start(_ name: String, timeout: TimeInterval = 60) async throws {
        guard let entry = self.entries[name] else { throw Failure(message: "no process named \(name)") }
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(self.executable.path, entry.arguments, environment: self.environment, stdout: entry.log.path)
        } catch {
            throw Failure(message: "cannot start \(name): \(error)")
        }
        entry.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = process.exited() {
                entry.process = nil
                let text = (try? String(contentsOf: entry.log, encoding: .utf8)) ?? ""
                throw Failure(message: "\(name) exited with \(status): \(Self.reason(in: text))")
            }
            if entry.tls ? Self.isListening(entry.port) : await Self.isHealthy(entry.port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(message: "\(name) did not start within \(Int(timeout)) s")
    }

    /// What a process's log says about why it ended: a crash report from its first line (the runtime's backtrace puts
    /// the reason and the crashed thread first, then every other thread), otherwise the log's end.
    static func reason(in log: String) -> String {
        for marker in ["Fatal error", "💣", "Program crashed"] {
            if let start = log.range(of: marker)?.lowerBound {
                let lineStart = log[..<start].lastIndex(of: "\n").map { log.index(after: $0) } ?? log.startIndex
                return String(log[lineStart...].prefix(3000))
            }
        }
        return String(log.suffix(2000))
    }

    /// Whether something accepts connections on the port.
    public static func isListening(_ port: Int) -> Bool {
        guard let descriptor = self.connectLoopback(port: port) else { return false }
        close(descriptor)
        return true
    }

    /// Whether something answers `GET /healthz` with 200 on the port.
    static func isHealthy(_ port: Int) async -> Bool {
        guard let descriptor = self.connectLoopback(port: port) else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let read = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return read > 12 && String(decoding: buffer.prefix(read), as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    /// Kills at once (SIGKILL), as a power cut or `kill -9` would.
    public func kill9(_ name: String) async {
        await self.stop(name, signal: SIGKILL)
    }

    /// Stops gracefully (SIGTERM, or `signal`: SIGINT as Ctrl-C, SIGKILL as a power cut) and waits, on a thread of
    /// its own (a graceful stop takes seconds, which a thread of the cooperative pool would spend blocked).
    public func stop(_ name: String, signal: Int32 = SIGTERM) async {
        guard let entry = self.entries[name], let process = entry.process else { return }
        process.signal(signal)
        _ = await process.exit()
        entry.process = nil
    }

    /// Stops every process (SIGTERM) and waits for each, blocking the thread: for a benchmark's `defer`.
    public func stopAll() {
        for entry in self.entries.values {
            guard let process = entry.process else { continue }
            process.signal(SIGTERM)
            process.wait()
            entry.process = nil
        }
    }

    /// The process's CPU seconds so far (`ProcessCPU`).
    public func cpuSeconds(_ name: String) -> Double? {
        self.entries[name]?.process.flatMap { ProcessCPU.seconds(of: $0.pid) }
    }

    /// The process's peak resident memory so far, in bytes (Linux `VmHWM`).
    public func peakResidentBytes(_ name: String) -> Int? { self.memory(name, "VmHWM:") }

    /// The process's resident memory now, in bytes (Linux `VmRSS`).
    public func residentBytes(_ name: String) -> Int? { self.memory(name, "VmRSS:") }

    /// A size field of the process's `/proc/PID/status`, in bytes.
    func memory(_ name: String, _ field: String) -> Int? {
        guard let pid = self.entries[name]?.process?.pid,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return nil }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}
