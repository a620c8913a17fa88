import ArgumentParser
import Foundation
import XietongCore
import XietongDemo
import XietongLocal
import XietongNode
import XietongStore

/// `xietong bench …`: the benchmarks behind docs/performance.md. Timings are reported, never asserted.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures (recorded in docs/performance.md).",
        subcommands: [ParseBench.self, ExchangeBench.self, DossierBench.self, GrowthBench.self, CompareBench.self, FleetBench.self, SearchBench.self]
    )
}

/// Hostile XML (refused within 5 s and 256 MB) and the checker's throughput on valid packages.
struct ParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Time the refusal of hostile XML and the full quality check of the example packages.",
        discussion: "Each hostile case runs in a fresh child process, so its peak RSS is its own."
    )

    @Option(help: "The folder of example packages to check for throughput.")
    var examples = "examples/packages"

    @Option(help: "How many passes over the examples for the throughput figure.")
    var passes = 20

    @Option(help: "Run only this hostile case in this process (used by the benchmark itself).")
    var only: String?

    static let cases = ["xxe", "billion-laughs", "deep-100000", "text-200MB", "truncated", "random-1MB", "wrong-encoding"]

    func run() throws {
        if let only {
            try self.runCase(only)
            return
        }
        print("case             result                       seconds   peak RSS")
        for name in Self.cases {
            let result = try ChildProcess.run(
                URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path,
                ["bench", "parse", "--only", name]
            )
            print(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try self.throughput()
    }

    private func hostileBytes(_ name: String) -> any XMLByteSource {
        switch name {
        case "xxe":
            return XMLBytes(Array(#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#.utf8))
        case "billion-laughs":
            var dtd = "<!ENTITY l0 \"lol\">"
            for level in 1...9 { dtd += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">" }
            return XMLBytes(Array("<!DOCTYPE r [\(dtd)]><r>&l9;</r>".utf8))
        case "deep-100000":
            return XMLBytes(Array((String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)).utf8))
        case "text-200MB":
            return XMLRepeatedBytes(prefix: "<r>", repeating: 0x41, count: 200 << 20, suffix: "</r>")
        case "truncated":
            return XMLBytes(Array("<CasePackage xmlns=\"urn:xietong:case-package:1\"><Envelope><PackageId>".utf8))
        case "random-1MB":
            var generator = SystemRandomNumberGenerator()
            return XMLBytes((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        default:
            return XMLBytes([0x3C, 0x3F] + Array("xml version=\"1.0\" encoding=\"GBK\"?><r>张三李四王五赵六</r>".utf8))
        }
    }

    private func runCase(_ name: String) throws {
        let source = self.hostileBytes(name)
        let start = Date()
        let outcome: String
        do {
            _ = try XMLDocumentParser.parse(source)
            outcome = "ACCEPTED"
        } catch {
            outcome = error.code.rawValue
        }
        let seconds = Date().timeIntervalSince(start)
        let padded = { (text: String, width: Int) in text.padding(toLength: width, withPad: " ", startingAt: 0) }
        print("\(padded(name, 16)) \(padded(outcome, 28)) \(String(format: "%7.3f", seconds))   \(Self.peakResidentMB()) MB")
    }

    private func throughput() throws {
        let checker = try QualityChecker.bundled(registry: OrganisationRegistry.demo())
        let directory = URL(fileURLWithPath: self.examples)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".xml") }.sorted()
        let contents = try files.map { try [UInt8](Data(contentsOf: directory.appendingPathComponent($0))) }
        let resolver = FileAttachmentResolver(base: directory)
        let bytes = contents.map(\.count).reduce(0, +)
        let start = Date()
        var accepted = 0
        for _ in 0..<self.passes {
            for content in contents where checker.check(XMLBytes(content), attachments: resolver).isAccepted {
                accepted += 1
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let packages = files.count * self.passes
        print("")
        print("full quality check of \(files.count) example packages × \(self.passes) passes (attachments hashed):")
        print(
            String(
                format: "  %d packages in %.2f s: %.0f packages/s, %.1f MB/s of XML, %d accepted, peak RSS %d MB",
                packages,
                seconds,
                Double(packages) / seconds,
                Double(bytes * self.passes) / seconds / 1_048_576,
                accepted,
                Self.peakResidentMB()
            )
        )
    }

    static func peakResidentMB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) / 1024
    }
}

/// The exchange's throughput and latency, with durability on (issue: the exchange).
struct ExchangeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Run a hub and two nodes on loopback and measure packages/s, latency p50/p99/max and each process's peak RSS."
    )

    @Option(help: "Packages in the throughput phase.") var packages = 3000
    @Option(help: "Concurrent senders in the throughput phase.") var workers = 64
    @Option(help: "Seconds of the latency phase.") var seconds = 10.0
    @Option(help: "Packages/s of the latency phase (default: half the measured throughput; the goal is stated at 500).")
    var rate: Double?
    @Option(help: "The sending node's lanes to the hub (default: the node's default).") var lanes = NodeConfiguration(organisation: "").lanes
    @Option(help: "Working directory (default: a temporary one, removed afterwards).") var dataDir: String?
    @Option(
        help: "The hub's database: an empty postgres://… database, or 'postgres' for a throw-away durable server (default: the embedded SQLite)."
    ) var hubDatabase: String?
    @Flag(help: "Mutual TLS between the nodes and the hub, and signed packages (the evidence log is always on).") var tls = false
    @Option(help: "The services' log level: warning, or info for a line per request as services log by default.") var logLevel = "warning"
    @Flag(help: "The receiver on a provincial hub linked to the sender's city hub: every package crosses the link (issue 23).")
    var federated = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        var benchmark = ExchangeBenchmark.inDirectory(self.dataDir)
        benchmark.tls = self.tls
        guard !(self.federated && self.hubDatabase != nil) else { throw ValidationError("--federated runs both hubs on the embedded store") }
        benchmark.federated = self.federated
        guard ["warning", "info"].contains(self.logLevel) else { throw ValidationError("--log-level: warning or info") }
        benchmark.logLevel = self.logLevel
        if self.hubDatabase == "postgres" {
            benchmark.hubDatabase = try await ThrowawayPostgres(durable: true).newDatabase(prefix: "exchange").url
        } else {
            benchmark.hubDatabase = self.hubDatabase
        }
        let result = try await benchmark.exchange(
            packages: self.packages,
            workers: self.workers,
            seconds: self.seconds,
            lanes: self.lanes,
            latencyRate: self.rate
        ) {
            printError($0)
        }
        await benchmark.finish(keepingDirectory: self.dataDir != nil)
        if self.json {
            printJSON(result)
            return
        }
        print(
            String(
                format: "throughput: %d packages of %d bytes in %.2f s = %.0f packages/s",
                result.packages,
                result.packageBytes,
                result.seconds,
                result.packagesPerSecond
            )
        )
        print(
            String(
                format: "latency at %.0f packages/s (%d packages), POST to the receiving system's receipt: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                result.latencyRate,
                result.latencyPackages,
                result.p50Milliseconds,
                result.p99Milliseconds,
                result.maxMilliseconds
            )
        )
        for (name, megabytes) in result.peakResidentMB.sorted(by: { $0.key < $1.key }) {
            print(String(format: "peak RSS %@: %.0f MB", name, megabytes))
        }
    }
}

/// One large dossier end to end (issue: the exchange).
struct DossierBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dossier",
        abstract: "Send one large dossier from business system to business system and measure MB/s and each process's peak RSS."
    )

    @Option(help: "The dossier's size, for example 1GiB, 256MiB, 500MB.") var size = "1GiB"
    @Option(help: "Working directory (default: a temporary one, removed afterwards).") var dataDir: String?
    @Flag(help: "Print the result as JSON.") var json = false

    static func bytes(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1),
        ]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { Int($0 * Double(factor)) }
        }
        return Int(text)
    }

    func validate() throws {
        guard let bytes = Self.bytes(self.size), bytes > 0, bytes <= 64 << 30 else {
            throw ValidationError("--size must be like 1GiB, 256MiB or 500MB (at most 64 GiB)")
        }
    }

    func run() async throws {
        let benchmark = ExchangeBenchmark.inDirectory(self.dataDir)
        let result = try await benchmark.dossier(bytes: Self.bytes(self.size)!) { printError($0) }
        await benchmark.finish(keepingDirectory: self.dataDir != nil)
        if self.json {
            printJSON(result)
            return
        }
        print(
            String(
                format: "dossier: %d MiB end to end in %.2f s = %.0f MB/s (upload to the node: %.2f s)",
                result.bytes >> 20,
                result.totalSeconds,
                result.megabytesPerSecond,
                result.uploadSeconds
            )
        )
        for (name, megabytes) in result.peakResidentMB.sorted(by: { $0.key < $1.key }) {
            print(String(format: "peak RSS %@: %.0f MB", name, megabytes))
        }
    }
}

extension ExchangeBenchmark {
    /// A benchmark of this executable, working in `path` or in a new temporary directory.
    static func inDirectory(_ path: String?) -> ExchangeBenchmark {
        ExchangeBenchmark(
            executable: Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]),
            directory: path.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("xietong-bench-\(UUID().uuidString.prefix(8))")
        )
    }

    /// Shuts the client down and removes the working directory unless it was given.
    func finish(keepingDirectory: Bool) async {
        await self.shutdown()
        if !keepingDirectory { try? FileManager.default.removeItem(at: self.directory) }
    }

    /// `body`'s result, then `finish`, also when `body` throws.
    func finishing<T>(keepingDirectory: Bool, _ body: (ExchangeBenchmark) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await self.finish(keepingDirectory: keepingDirectory)
            return result
        } catch {
            await self.finish(keepingDirectory: keepingDirectory)
            throw error
        }
    }
}

/// Prints a value as indented JSON with sorted keys.
func printJSON<T: Encodable>(_ value: T) {
    print(String(decoding: (try? CanonicalJSON.pretty(value)) ?? Data("{}".utf8), as: UTF8.self))
}

/// The hub's store with a million packages (issue 4): insert rate against the empty store, tracking and case-history
/// query times.
struct GrowthBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "growth",
        abstract: "Fill a PostgreSQL hub store to N packages and compare insert rates and query times with the empty store.",
        discussion: """
            Without --database, starts a throw-away PostgreSQL server of its own (durable: fsync on) in a temporary \
            folder, which needs the server package (Debian: postgresql). With --database, the database must be empty.
            """
    )

    @Option(help: "An empty PostgreSQL database (postgres://…); default: a throw-away server.") var database: String?
    @Option(help: "Packages to store before measuring again.") var packages = 1_000_000
    @Option(help: "Packages per insert-rate measurement.") var sample = 4000
    @Option(help: "Concurrent callers in the insert-rate measurements.") var workers = 8
    @Option(help: "Tracking and case-history queries to time.") var queries = 500
    @Flag(help: "The receiver an agency of a peer hub (issue 23): accepted packages go to the link feed for it.") var federated = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let location: DatabaseURL
        if let database {
            do {
                location = try DatabaseURL.parse(database, path: "--database")
            } catch {
                exitForConfiguration(error)
            }
        } else {
            location = try await ThrowawayPostgres(durable: true).newDatabase(prefix: "growth")
        }
        var benchmark = GrowthBenchmark(location: location, target: self.packages, sample: self.sample, workers: self.workers, queries: self.queries)
        benchmark.federated = self.federated
        let result = try await benchmark.run { printError($0) }
        if self.json {
            printJSON(result)
            return
        }
        print(String(format: "stored: %d packages (%.0f MB), filled in %.0f s", result.storedPackages, result.databaseMegabytes, result.fillSeconds))
        print(
            String(
                format: "insert rate: %.0f packages/s empty, %.0f packages/s with %d stored (%.0f%%)",
                result.emptyInsertsPerSecond,
                result.fullInsertsPerSecond,
                result.storedPackages,
                result.insertRateRatio * 100
            )
        )
        for (name, figures) in [
            ("tracking (a package's hops)", result.trackingMilliseconds), ("case history (timeline)", result.caseHistoryMilliseconds),
        ] {
            print(
                String(
                    format: "%@: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d queries",
                    name,
                    figures.p50,
                    figures.p99,
                    figures.max,
                    result.queries
                )
            )
        }
    }
}
