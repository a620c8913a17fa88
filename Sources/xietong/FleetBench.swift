import ArgumentParser
import Foundation
import XietongDemo
import XietongLocal
import XietongStore

/// `xietong bench fleet` (issue 25, part 5; GUI-4): one hub and hundreds of node connections.
struct FleetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Run a hub with N node connections over mutual TLS, and measure its latency, memory and fairness at a paced rate.",
        discussion: """
            The nodes are simulated in this process (feed long poll, signed package sends, fetches, tree-head checks, \
            reports), each with its own certificate; the hub is the real one. Half the nodes are police stations that \
            send, half procuratorates that receive. With --burst, the senders then send as fast as they can.
            """
    )

    @Option(help: "Node connections (even, 2–\(FleetBenchmark.maximumNodes)).") var nodes = 500
    @Option(help: "Packages/s of the paced phase, spread over the senders.") var rate = 100.0
    @Option(help: "Seconds of the paced phase.") var seconds = 60.0
    @Option(help: "Packages sent as fast as the senders go after the paced phase (0: none).") var burst = 0
    @Option(
        help: "The hub's database: an empty postgres://… database, or 'postgres' for a throw-away durable server (default: the embedded SQLite)."
    ) var hubDatabase: String?
    @Option(help: "Hub instances on that PostgreSQL database; node i connects to instance i mod N.") var hubInstances = 1
    @Option(help: "Seconds between the tree heads the hub signs and sends to every node (default: the hub's default).")
    var treeHeadSeconds: Double?
    @Option(help: "Working directory (default: a temporary one, removed afterwards).") var dataDir: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard self.nodes >= 2, self.nodes % 2 == 0, self.nodes <= FleetBenchmark.maximumNodes else {
            throw ValidationError("--nodes: an even number from 2 to \(FleetBenchmark.maximumNodes), not \(self.nodes)")
        }
        guard self.rate > 0, self.seconds > 0, self.burst >= 0 else {
            throw ValidationError("--rate and --seconds must be positive, --burst not negative")
        }
        guard (self.treeHeadSeconds ?? 1) > 0 else { throw ValidationError("--tree-head-seconds must be positive") }
        guard self.hubInstances >= 1, self.hubInstances <= 8 else { throw ValidationError("--hub-instances: 1 to 8") }
        guard self.hubInstances == 1 || self.hubDatabase != nil else {
            throw ValidationError("--hub-instances \(self.hubInstances) needs --hub-database: instances share one PostgreSQL database")
        }
    }

    func run() async throws {
        let directory =
            self.dataDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("xietong-fleet-\(UUID().uuidString.prefix(8))")
        var benchmark = FleetBenchmark(executable: Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]), directory: directory)
        benchmark.nodes = self.nodes
        benchmark.hubInstances = self.hubInstances
        if let seconds = self.treeHeadSeconds { benchmark.treeHeadSeconds = seconds }
        benchmark.hubDatabase =
            self.hubDatabase == "postgres" ? try await ThrowawayPostgres(durable: true).newDatabase(prefix: "fleet").url : self.hubDatabase
        defer { if self.dataDir == nil { try? FileManager.default.removeItem(at: directory) } }
        let result = try await benchmark.run(rate: self.rate, seconds: self.seconds, burst: self.burst) { printError($0) }
        if self.json {
            printJSON(result)
        } else {
            Self.print(result)
        }
    }

    static func print(_ result: FleetBenchmark.Result) {
        let line = { (text: String) in Swift.print(text) }
        line(
            "fleet: \(result.nodes) nodes over mutual TLS, \(result.hubInstances) hub instance(s) on \(result.hubDatabase); all connected in "
                + String(format: "%.1f s", result.connectSeconds)
        )
        line(
            String(
                format: "paced: %d packages at %.0f/s, %d delivered in %.1f s",
                result.pacedPackages,
                result.rate,
                result.pacedDelivered,
                result.pacedSeconds
            )
        )
        for (name, figures) in [
            ("through the hub (send to the receiver's feed)", result.throughHubMilliseconds), ("send request", result.sendMilliseconds),
            ("report request", result.reportMilliseconds),
        ] {
            line(String(format: "  %@: p50 %.1f ms, p99 %.1f ms, max %.1f ms", name, figures.p50, figures.p99, figures.max))
        }
        line(String(format: "  the worst receiver's own p99: %.1f ms", result.worstReceiverP99Milliseconds))
        line(
            String(
                format: "  nodes starved (a package missing or no feed answer): %d; the longest any feed waited for an answer: %.1f s",
                result.nodesStarved,
                result.longestFeedSilenceSeconds
            )
        )
        for (name, memory) in result.hubResidentMB.sorted(by: { $0.key < $1.key }) where memory.count == 3 {
            line(
                String(
                    format: "  %@ RSS: %.0f MB at the start of the paced phase, %.0f MB at its end, peak %.0f MB",
                    name,
                    memory[0],
                    memory[1],
                    memory[2]
                )
            )
        }
        line("  tree heads checked by the nodes: \(result.treeHeadsChecked), evidence alarms: \(result.evidenceAlarms)")
        if result.burstPackages > 0 {
            line(
                String(
                    format: "burst: %d packages in %.1f s = %.0f packages/s",
                    result.burstPackages,
                    result.burstSeconds,
                    result.burstPackagesPerSecond
                )
            )
        }
        line(
            "CPU ms per package: "
                + result.cpuMillisecondsPerPackage.sorted(by: { $0.key < $1.key }).map { String(format: "%@ %.2f", $0.key, $0.value) }
                .joined(separator: ", ")
        )
        if result.retries > 0 { line("retried after a passing failure (feed polls and sends): \(result.retries)") }
        if result.problemCount > 0 {
            line("problems: \(result.problemCount); the first:")
            for problem in result.problems { line("  \(problem)") }
        }
    }
}
