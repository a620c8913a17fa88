import ArgumentParser
import Foundation
import XietongDemo
import XietongLocal
import XietongNode
import XietongStore

/// Every production figure beside a peer measured on the same machine in the same run (issue 25): the exchange on
/// SQLite, on PostgreSQL and with mutual TLS; pgbench on the same PostgreSQL; a durable single-hop RabbitMQ relay with
/// the same load; the dossier against fio's sequential write rate and against curl uploads to nginx.
struct CompareBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure the exchange and its peers (pgbench, RabbitMQ, fio, nginx) in one run and print the figures and their ratios.",
        discussion: """
            Peers are found on this machine; with --install, missing ones are installed (apt-get install -y \
            postgresql-contrib fio nginx-core curl rabbitmq-server; pip install pika). A peer that cannot run is \
            reported with how to make it run, and the rest goes on. PostgreSQL is a throw-away durable server of its own \
            (initdb, fsync on), used by both the exchange and pgbench.
            """
    )

    @Option(help: "Packages in each exchange's throughput phase.") var packages = 4000
    @Option(help: "Rounds of the three exchange runs, alternated (the figures of each round are printed).") var rounds = 1
    @Option(help: "Seconds of each latency phase.") var seconds = 10.0
    @Option(help: "The dossier's size, for example 1GiB or 256MiB.") var dossierSize = "1GiB"
    @Option(help: "Uploads to nginx whose median is reported.") var uploads = 5
    @Option(help: "Messages in the RabbitMQ relay's throughput phase.") var relayMessages = 6000
    @Option(help: "Peers to leave out: exchange, pgbench, rabbitmq, disk, dossier, nginx (repeatable).") var skip: [String] = []
    @Flag(help: "Install missing peers with apt-get and pip.") var install = false
    @Flag(help: "Print the result as JSON.") var json = false

    static let parts = ["exchange", "pgbench", "rabbitmq", "disk", "dossier", "nginx"]

    func validate() throws {
        guard self.packages >= 100, self.rounds >= 1, self.rounds <= 10, self.uploads >= 1, self.uploads <= 20 else {
            throw ValidationError("--packages at least 100, --rounds 1 to 10, --uploads 1 to 20")
        }
        guard DossierBench.bytes(self.dossierSize).map({ $0 > 0 && $0 <= 64 << 30 }) == true else {
            throw ValidationError("--dossier-size must be like 1GiB, 256MiB or 500MB (at most 64 GiB)")
        }
        for part in self.skip where !Self.parts.contains(part) {
            throw ValidationError("--skip \(part): one of \(Self.parts.joined(separator: ", "))")
        }
    }

    struct Report: Codable {
        var machine: String
        var date: String
        var exchange: [Round] = []
        var pgbenchTransactionsPerSecond: Double?
        var relay: PeerBenchmarks.Relay?
        var disk: PeerBenchmarks.Disk?
        var dossierMBPerSecond: Double?
        var nginxUploadsMBPerSecond: [Double]?
        var skipped: [String: String] = [:]
    }

    struct Round: Codable {
        var sqlite: ExchangeBenchmark.ExchangeResult
        var postgres: ExchangeBenchmark.ExchangeResult
        /// The PostgreSQL server's CPU (its processes and backends) per package of the run.
        var postgresServerCPUMillisecondsPerPackage: Double?
        var tls: ExchangeBenchmark.ExchangeResult
    }

    func run() async throws {
        var report = Report(machine: Self.machine(), date: ISO8601DateFormatter().string(from: Date()))
        let log: @Sendable (String) -> Void = { printError($0) }
        let postgres = ThrowawayPostgres(durable: true)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-compare-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }

        /// Runs a part unless it is left out; a part that fails is reported and the rest goes on.
        func part(_ name: String, _ body: () async throws -> Void) async {
            guard !self.skip.contains(name) else { return }
            do { try await body() } catch { report.skipped[name] = "\(error)" }
        }
        await part("exchange") { try await self.exchangeRounds(into: &report, postgres: postgres, log: log) }
        await part("pgbench") {
            if case .postgres(let server) = try await postgres.newDatabase(prefix: "pgbench") {
                report.pgbenchTransactionsPerSecond = try PeerBenchmarks.pgbench(on: server, install: self.install, progress: log)
            }
        }
        await part("rabbitmq") {
            report.relay = try PeerBenchmarks.rabbitRelay(
                messages: self.relayMessages,
                size: 4096,
                rate: 500,
                seconds: self.seconds,
                in: scratch.appendingPathComponent("rabbitmq"),
                install: self.install,
                progress: log
            )
        }
        await part("disk") { report.disk = try PeerBenchmarks.disk(in: scratch.appendingPathComponent("fio"), install: self.install, progress: log) }
        let dossierBytes = DossierBench.bytes(self.dossierSize)!
        await part("dossier") {
            log("dossier: \(self.dossierSize) from business system to business system…")
            report.dossierMBPerSecond = try await ExchangeBenchmark.inDirectory(nil).finishing(keepingDirectory: false) {
                try await $0.dossier(bytes: dossierBytes, progress: log).megabytesPerSecond
            }
        }
        await part("nginx") {
            report.nginxUploadsMBPerSecond = try PeerBenchmarks.nginxUploads(
                bytes: dossierBytes,
                runs: self.uploads,
                in: scratch.appendingPathComponent("nginx"),
                install: self.install,
                progress: log
            )
        }
        if self.json {
            printJSON(report)
        } else {
            for line in Self.lines(report) { print(line) }
        }
    }

    /// The three exchange runs, `rounds` times alternated; a failing run is reported and ends them.
    func exchangeRounds(into report: inout Report, postgres: ThrowawayPostgres, log: @escaping @Sendable (String) -> Void) async throws {
        for round in 1...self.rounds {
            log("round \(round) of \(self.rounds): the exchange on SQLite…")
            let sqlite = try await self.exchange(hubDatabase: nil, tls: false, rate: nil, log: log)
            log("round \(round): the exchange on PostgreSQL…")
            let database = try await postgres.newDatabase(prefix: "exchange").url
            let server = await postgres.serverProcess()
            let before = server.flatMap(ProcessCPU.treeSeconds(of:))
            let onPostgres = try await self.exchange(hubDatabase: database, tls: false, rate: nil, log: log)
            let after = server.flatMap(ProcessCPU.treeSeconds(of:))
            let total = Double(50 + onPostgres.packages + onPostgres.latencyPackages)
            let serverCPU = before.flatMap { start in after.map { ($0 - start) * 1000 / total } }
            log("round \(round): the exchange with mutual TLS and signatures, latency at 500 packages/s…")
            let tls = try await self.exchange(hubDatabase: nil, tls: true, rate: 500, log: log)
            report.exchange.append(Round(sqlite: sqlite, postgres: onPostgres, postgresServerCPUMillisecondsPerPackage: serverCPU, tls: tls))
        }
    }

    func exchange(
        hubDatabase: String?,
        tls: Bool,
        rate: Double?,
        log: @escaping @Sendable (String) -> Void
    ) async throws
        -> ExchangeBenchmark.ExchangeResult
    {
        var benchmark = ExchangeBenchmark.inDirectory(nil)
        benchmark.hubDatabase = hubDatabase
        benchmark.tls = tls
        return try await benchmark.finishing(keepingDirectory: false) {
            try await $0.exchange(
                packages: self.packages,
                workers: 64,
                seconds: self.seconds,
                lanes: NodeConfiguration(organisation: "").lanes,
                latencyRate: rate,
                progress: log
            )
        }
    }

    static func machine() -> String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory) GiB"
    }

    /// The figures, each with its peer and the goal of issue 25.
    static func lines(_ report: Report) -> [String] {
        var lines = ["machine: \(report.machine); date: \(report.date)"]
        func f(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.2f", value) }
        func cpu(_ result: ExchangeBenchmark.ExchangeResult) -> String {
            result.cpuMillisecondsPerPackage.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value))" }.joined(separator: ", ")
        }
        for (index, round) in report.exchange.enumerated() {
            let label = "round \(index + 1)"
            for (name, result) in [("SQLite hub", round.sqlite), ("PostgreSQL hub", round.postgres), ("SQLite hub, mutual TLS", round.tls)] {
                lines.append(
                    "\(label) exchange, \(name): \(f(result.packagesPerSecond)) packages/s; p50 \(f(result.p50Milliseconds)) ms, p99 \(f(result.p99Milliseconds)) ms at \(f(result.latencyRate))/s"
                )
                lines.append(
                    "\(label)   CPU ms per package: \(cpu(result))"
                        + (name == "PostgreSQL hub"
                            ? round.postgresServerCPUMillisecondsPerPackage.map { ", the PostgreSQL server \(f($0))" } ?? "" : "")
                )
                if name == "SQLite hub, mutual TLS", result.packagesPerSecond < result.latencyRate {
                    lines.append("\(label)   (the latency phase's rate is above the throughput measured: its p99 is a queue's, not the exchange's)")
                }
            }
            let ratio = round.postgres.packagesPerSecond / max(round.sqlite.packagesPerSecond, 0.001)
            lines.append(
                "\(label) ratio PostgreSQL hub / SQLite hub: \(f(ratio)) (goal ≥ 1.0); p99 at half rate \(f(round.postgres.p99Milliseconds)) ms (goal ≤ 100)"
            )
            if let tps = report.pgbenchTransactionsPerSecond {
                lines.append("\(label) ratio PostgreSQL hub packages/s / pgbench -N transactions/s: \(f(round.postgres.packagesPerSecond / tps))")
            }
            if let relay = report.relay {
                lines.append(
                    "\(label) ratio TLS exchange (2 hops) / RabbitMQ relay (1 hop): \(f(round.tls.packagesPerSecond / max(relay.messagesPerSecond, 0.001))) (goal ≥ 1.0); p99 at 500/s \(f(round.tls.p99Milliseconds / max(relay.p99Milliseconds, 0.001)))× the relay's (goal ≤ 2)"
                )
            }
        }
        if let tps = report.pgbenchTransactionsPerSecond { lines.append("pgbench -N, 16 clients, fsync on: \(f(tps)) transactions/s") }
        if let relay = report.relay {
            lines.append(
                "RabbitMQ relay, durable queue, persistent 4 KiB messages, confirms, 32 publishers, manual acks: \(f(relay.messagesPerSecond)) messages/s; p50 \(f(relay.p50Milliseconds)) ms, p99 \(f(relay.p99Milliseconds)) ms at \(f(relay.latencyRate))/s"
            )
            lines.append(
                "  CPU ms per message: client \(f(relay.clientCPUMillisecondsPerMessage)), broker \(f(relay.brokerCPUMillisecondsPerMessage))"
                    + (relay.clientCPUMillisecondsPerMessage > relay.brokerCPUMillisecondsPerMessage
                        ? " (the Python client costs more than the broker: the relay's figure is a floor)" : "")
            )
        }
        if let disk = report.disk {
            lines.append(
                "fio: \(f(disk.syncedWritesPerSecond)) 4 KiB writes/s with fdatasync; \(f(disk.sequentialMBPerSecond)) MB/s sequential direct writes"
            )
        }
        if let dossier = report.dossierMBPerSecond {
            lines.append("dossier end to end (written durably 4 times): \(f(dossier)) MB/s")
            if let disk = report.disk {
                let bound = disk.sequentialMBPerSecond / 4
                lines.append("  ratio to the disk's bound (\(f(bound)) MB/s, a quarter of fio's sequential rate): \(f(dossier / bound)) (goal ≥ 0.6)")
            }
        }
        if let uploads = report.nginxUploadsMBPerSecond, !uploads.isEmpty {
            let sorted = uploads.sorted()
            lines.append(
                "curl -T to nginx on loopback, then sync: median \(f(sorted[sorted.count / 2])) MB/s of \(uploads.count) (\(sorted.map(f).joined(separator: ", ")))"
            )
        }
        for (part, reason) in report.skipped.sorted(by: { $0.key < $1.key }) { lines.append("skipped \(part): \(reason)") }
        return lines
    }
}
