public import Foundation
import XietongLocal
public import XietongStore

/// The peers `xietong bench compare` measures beside the exchange, on the same machine in the same run (issue 25):
/// what the same disk and the same PostgreSQL do on their own, and what a single-hop relay an integrator could set up
/// does with the same load. Each is a real program (pgbench, fio, nginx with curl, RabbitMQ with a Python client), found
/// on the machine or installed when asked.
public enum PeerBenchmarks {
    /// A program a peer needs: where it is, or how to get it.
    public struct Tool: Sendable {
        public var name: String
        public var candidates: [String]
        /// The Debian package that has it.
        public var package: String

        /// Beside the server's programs, which are not on the PATH in Debian.
        public static var pgbench: Tool {
            Tool(
                name: "pgbench",
                candidates: [(try? ThrowawayPostgres.binaries())?.appendingPathComponent("pgbench").path].compactMap { $0 },
                package: "postgresql-contrib"
            )
        }
        public static let fio = Tool(name: "fio", candidates: ["/usr/bin/fio"], package: "fio")
        public static let nginx = Tool(name: "nginx", candidates: ["/usr/sbin/nginx"], package: "nginx-core")
        public static let curl = Tool(name: "curl", candidates: ["/usr/bin/curl"], package: "curl")
        public static let rabbitmq = Tool(
            name: "rabbitmq-server",
            candidates: ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
            package: "rabbitmq-server"
        )
        public static let python = Tool(name: "python3", candidates: [], package: "python3")

        /// The program's path: a candidate, or the PATH; with `install`, installed with apt-get first when missing.
        public func locate(install: Bool, progress: @Sendable (String) -> Void) throws -> String {
            if let found = self.find() { return found }
            guard install else { throw Missing(tool: self) }
            progress("installing \(self.package) (apt-get install -y \(self.package))…")
            let result = try ChildProcess.run("/usr/bin/apt-get", ["install", "-y", "-q", self.package], environment: Self.aptEnvironment)
            guard result.status == 0, let found = self.find() else {
                throw Failure(description: "apt-get install \(self.package) failed: \((result.output + result.errors).suffix(500))")
            }
            return found
        }

        func find() -> String? {
            let places = self.candidates + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(self.name)" }
            return places.first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        static var aptEnvironment: [String: String] {
            var environment = ProcessInfo.processInfo.environment
            environment["DEBIAN_FRONTEND"] = "noninteractive"
            return environment
        }
    }

    /// A peer that cannot run here, and how to make it run.
    public struct Missing: Error, CustomStringConvertible {
        public let tool: Tool
        public var description: String {
            "\(self.tool.name) is not installed: apt-get install -y \(self.tool.package), or run with --install"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    // MARK: pgbench

    /// pgbench's simple-update load (`-N`) on `server`: transactions/s, fsync as the server has it.
    public static func pgbench(
        on server: DatabaseURL.PostgresServer,
        clients: Int = 16,
        seconds: Int = 15,
        install: Bool,
        progress: @Sendable (String) -> Void
    ) throws -> Double {
        let pgbench = try Tool.pgbench.locate(install: install, progress: progress)
        let connection = ["-h", server.host, "-p", String(server.port), "-U", server.user]
        progress("pgbench: initialising scale 10 on \(server.database)…")
        let initialised = try ChildProcess.run(pgbench, ["-i", "-q", "-s", "10"] + connection + [server.database])
        guard initialised.status == 0 else { throw Failure(description: "pgbench -i failed: \(initialised.errors.suffix(500))") }
        progress("pgbench: -N, \(clients) clients, \(seconds) s…")
        let run = try ChildProcess.run(
            pgbench,
            ["-N", "-c", String(clients), "-j", "2", "-T", String(seconds)] + connection + [server.database]
        )
        guard run.status == 0, let tps = Self.number(after: "tps = ", in: run.output) else {
            throw Failure(description: "pgbench failed: \((run.output + run.errors).suffix(500))")
        }
        return tps
    }

    // MARK: fio

    public struct Disk: Sendable, Codable {
        /// 4 KiB writes, each followed by fdatasync: what a commit costs.
        public var syncedWritesPerSecond: Double
        /// Sequential direct writes of 1 MiB blocks: the disk's write bound for large files.
        public var sequentialMBPerSecond: Double
    }

    /// The disk under `directory`, measured with fio.
    public static func disk(in directory: URL, install: Bool, progress: @Sendable (String) -> Void) throws -> Disk {
        let fio = try Tool.fio.locate(install: install, progress: progress)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        progress("fio: 4 KiB writes with fdatasync…")
        let synced = try Self.fio(
            fio,
            ["--name=synced", "--rw=write", "--bs=4k", "--size=32m", "--fdatasync=1", "--ioengine=sync", "--runtime=10"],
            in: directory
        )
        progress("fio: sequential direct writes of 1 MiB…")
        let sequential = try Self.fio(
            fio,
            ["--name=sequential", "--rw=write", "--bs=1m", "--size=2g", "--direct=1", "--ioengine=libaio", "--iodepth=8", "--runtime=20"],
            in: directory
        )
        return Disk(syncedWritesPerSecond: synced.iops, sequentialMBPerSecond: sequential.bytesPerSecond / 1_000_000)
    }

    static func fio(_ fio: String, _ arguments: [String], in directory: URL) throws -> (iops: Double, bytesPerSecond: Double) {
        let result = try ChildProcess.run(fio, arguments + ["--directory=\(directory.path)", "--output-format=json", "--unlink=1"])
        guard result.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any],
            let job = (object["jobs"] as? [[String: Any]])?.first, let write = job["write"] as? [String: Any],
            let iops = write["iops"] as? Double, let bandwidth = (write["bw_bytes"] as? NSNumber)?.doubleValue
        else {
            throw Failure(description: "fio failed: \((result.output + result.errors).suffix(500))")
        }
        return (iops, bandwidth)
    }

    // MARK: nginx with curl

    /// The median MB/s of `runs` uploads of `bytes` with `curl -T` to nginx on loopback, each followed by `sync`
    /// (the upload is on disk, as a dossier is), into `directory`.
    public static func nginxUploads(
        bytes: Int,
        runs: Int,
        in directory: URL,
        install: Bool,
        progress: @Sendable (String) -> Void
    ) throws -> [Double] {
        let nginx = try Tool.nginx.locate(install: install, progress: progress)
        let curl = try Tool.curl.locate(install: install, progress: progress)
        let root = directory.appendingPathComponent("root")
        let temporary = directory.appendingPathComponent("body")
        for folder in [root, temporary] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: directory) }
        // The workers run as nobody when started as root.
        _ = try? ChildProcess.run("/bin/chmod", ["-R", "777", directory.path])
        let port = LocalProcesses.freePort()
        let configuration = directory.appendingPathComponent("nginx.conf")
        try """
        worker_processes 1;
        daemon off;
        pid \(directory.path)/nginx.pid;
        error_log \(directory.path)/error.log;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path \(temporary.path);
            client_max_body_size 0;
            server {
                listen 127.0.0.1:\(port);
                root \(root.path);
                location / { dav_methods PUT; create_full_put_path on; }
            }
        }
        """.write(to: configuration, atomically: true, encoding: .utf8)
        let server = try ChildProcess.spawn(
            nginx,
            ["-c", configuration.path, "-p", directory.path],
            stdout: directory.appendingPathComponent("out.log").path
        )
        defer { Self.stop(server, within: 30) }
        try Self.waitForPort(port, process: server, name: "nginx")
        let source = directory.appendingPathComponent("source.bin")
        // The same kind of file the dossier benchmark sends: distinct 1 MiB blocks, synced.
        _ = try ExchangeBenchmark.writeDossier(to: source, bytes: bytes)
        var rates: [Double] = []
        for run in 1...runs {
            progress("nginx: upload \(run) of \(runs)…")
            let start = Date()
            let upload = try ChildProcess.run(
                curl,
                ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", source.path, "http://127.0.0.1:\(port)/upload-\(run).bin"]
            )
            _ = try ChildProcess.run("/bin/sync", [])
            let seconds = Date().timeIntervalSince(start)
            guard upload.status == 0, upload.output.hasPrefix("20") else {
                throw Failure(description: "curl -T to nginx failed: \(upload.output) \(upload.errors.suffix(300))")
            }
            rates.append(Double(bytes) / 1_000_000 / seconds)
            try? FileManager.default.removeItem(at: root.appendingPathComponent("upload-\(run).bin"))
        }
        return rates
    }

    /// SIGTERM, then SIGKILL if the process has not ended within `seconds`.
    static func stop(_ process: ChildProcess, within seconds: TimeInterval) {
        process.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while process.exited() == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.exited() == nil { process.signal(SIGKILL) }
        process.wait()
    }

    static func waitForPort(_ port: Int, process: ChildProcess, name: String, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = process.exited() { throw Failure(description: "\(name) exited with status \(status) while starting") }
            if LocalProcesses.isListening(port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure(description: "\(name) did not listen on port \(port) within \(Int(timeout)) s")
    }

    // MARK: RabbitMQ

    public struct Relay: Sendable, Codable {
        public var messages: Int
        public var messagesPerSecond: Double
        public var latencyRate: Double
        public var latencyMessages: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
        /// The Python client's CPU (publishers and consumers), and the broker's, per message over both phases: a
        /// client that costs more than the broker is itself the bottleneck, and the figure says so.
        public var clientCPUMillisecondsPerMessage: Double
        public var brokerCPUMillisecondsPerMessage: Double
    }

    /// A durable single-hop relay through a RabbitMQ broker of its own: `messages` persistent messages of `size`
    /// bytes from 32 publishers with confirms to consumers with manual acknowledgements, then latency at `rate`.
    public static func rabbitRelay(
        messages: Int,
        size: Int,
        rate: Double,
        seconds: Double,
        in directory: URL,
        install: Bool,
        progress: @Sendable (String) -> Void
    ) throws -> Relay {
        let broker = try Tool.rabbitmq.locate(install: install, progress: progress)
        let python = try Tool.python.locate(install: install, progress: progress)
        if try ChildProcess.run(python, ["-c", "import pika"]).status != 0 {
            guard install else { throw Failure(description: "the Python client pika is not installed: pip install pika, or run with --install") }
            progress("installing pika (pip install pika)…")
            let installed = try ChildProcess.run(python, ["-m", "pip", "install", "-q", "pika"])
            guard installed.status == 0 else { throw Failure(description: "pip install pika failed: \(installed.errors.suffix(500))") }
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "[].".write(to: directory.appendingPathComponent("enabled_plugins"), atomically: true, encoding: .utf8)
        let port = LocalProcesses.freePort()
        let node = "xietong-bench-\(getpid())@localhost"
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        environment["RABBITMQ_MNESIA_BASE"] = directory.appendingPathComponent("mnesia").path
        environment["RABBITMQ_LOG_BASE"] = directory.appendingPathComponent("log").path
        environment["RABBITMQ_NODE_PORT"] = String(port)
        environment["RABBITMQ_DIST_PORT"] = String(LocalProcesses.freePort())
        environment["RABBITMQ_NODENAME"] = node
        environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = directory.appendingPathComponent("enabled_plugins").path
        environment["RABBITMQ_CONFIG_FILES"] = directory.appendingPathComponent("none").path
        progress("RabbitMQ: starting a broker of its own on port \(port)…")
        let server = try ChildProcess.spawn(broker, [], environment: environment, stdout: directory.appendingPathComponent("broker.log").path)
        defer {
            let control = URL(fileURLWithPath: broker).deletingLastPathComponent().appendingPathComponent("rabbitmqctl").path
            _ = try? ChildProcess.run("/usr/bin/timeout", ["60", control, "--node", node, "stop"], environment: environment)
            Self.stop(server, within: 30)
            // The Erlang port mapper the broker started; it refuses to stop while another node uses it.
            _ = try? ChildProcess.run("/usr/bin/timeout", ["10", "epmd", "-kill"], environment: environment)
        }
        try Self.waitForPort(port, process: server, name: "rabbitmq-server", timeout: 120)
        let script = directory.appendingPathComponent("relay.py")
        try Self.relayScript.write(to: script, atomically: true, encoding: .utf8)
        let brokerBefore = ProcessCPU.treeSeconds(of: server.pid) ?? 0
        progress("RabbitMQ: \(messages) messages from 32 publishers with confirms, then latency at \(Int(rate))/s…")
        let run = try ChildProcess.run(
            python,
            [
                script.path, "--port", String(port), "--messages", String(messages), "--size", String(size), "--rate", String(rate), "--seconds",
                String(seconds),
            ]
        )
        let brokerSeconds = (ProcessCPU.treeSeconds(of: server.pid) ?? brokerBefore) - brokerBefore
        guard run.status == 0, let line = run.output.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double]
        else {
            throw Failure(description: "the relay client failed: \((run.output + run.errors).suffix(800))")
        }
        let total = (object["messages"] ?? 0) + (object["latencyMessages"] ?? 0)
        return Relay(
            messages: Int(object["messages"] ?? 0),
            messagesPerSecond: object["messagesPerSecond"] ?? 0,
            latencyRate: object["latencyRate"] ?? rate,
            latencyMessages: Int(object["latencyMessages"] ?? 0),
            p50Milliseconds: object["p50Milliseconds"] ?? 0,
            p99Milliseconds: object["p99Milliseconds"] ?? 0,
            maxMilliseconds: object["maxMilliseconds"] ?? 0,
            clientCPUMillisecondsPerMessage: (object["clientCPUSeconds"] ?? 0) * 1000 / max(1, total),
            brokerCPUMillisecondsPerMessage: brokerSeconds * 1000 / max(1, total)
        )
    }

    static func number(after marker: String, in text: String) -> Double? {
        guard let range = text.range(of: marker) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
}
