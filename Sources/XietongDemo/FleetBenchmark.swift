import AsyncHTTPClient
public import Foundation
import Synchronization
import XietongCore
import XietongHTTP
import XietongHub
import XietongLocal
import XietongTrust

/// `xietong bench fleet` (issue 25, part 5; GUI-4: a city's hub serves 500 and more connected units): one hub, or
/// several instances on one PostgreSQL database, and `nodes` node connections from this process.
///
/// Each simulated node is an organisation of the registry with a certificate of its own, and speaks the node protocol
/// to the hub over mutual TLS as `xietong node` does: it long-polls its feed, sends signed packages, fetches each
/// delivery and checks its bytes against the hub's record, checks each signed tree head with the hub's consistency
/// proof, and reports its hops. It keeps nothing on disk and does not check the sender's signature again, which is
/// what makes 500 of them light enough for one process; the hub cannot tell them from nodes.
///
/// Half the nodes are police stations that send, half procuratorates that receive, in pairs. A paced phase spreads
/// `rate` packages/s over the senders and measures the hub's latency, its memory over time and whether any
/// connection waited; an optional burst sends as fast as every sender can, for the fleet's throughput.
public struct FleetBenchmark: Sendable {
    public let executable: URL
    public let directory: URL
    /// Node connections: an even number, up to `maximumNodes`.
    public var nodes = 500
    /// The hub's database (`postgres://…`); nil for the embedded SQLite.
    public var hubDatabase: String?
    /// Hub instances on `hubDatabase` (PostgreSQL only); node `i` connects to instance `i % hubInstances`.
    public var hubInstances = 1
    /// The services' log level.
    public var logLevel = "warning"
    /// How often the hub signs a tree head that every node's feed then carries (the hub's default unless set).
    public var treeHeadSeconds = HubConfiguration().treeHeadSeconds
    let run = String(UUID().uuidString.prefix(8)).lowercased()

    /// The registry's codes leave room for this many: 1,000 police stations and 1,000 procuratorates.
    public static let maximumNodes = 2000

    public init(executable: URL, directory: URL) {
        self.executable = executable
        self.directory = directory
    }

    /// What the fleet's run measured.
    public struct Result: Sendable, Codable {
        public var nodes: Int
        public var hubInstances: Int
        public var hubDatabase: String
        /// From the hub's start to every node's first answered feed poll (TLS handshakes included).
        public var connectSeconds: Double
        public var rate: Double
        public var pacedSeconds: Double
        public var pacedPackages: Int
        /// Packages that reached their receiver, of the paced phase.
        public var pacedDelivered: Int
        /// From the sender's request to the receiver's feed answering with the package: the hub's whole part.
        public var throughHubMilliseconds: Percentiles
        /// The sender's batch request, until its receipt.
        public var sendMilliseconds: Percentiles
        /// A report of hops, until its outcomes.
        public var reportMilliseconds: Percentiles
        /// Per receiver, its own p99 through the hub: the worst receiver's.
        public var worstReceiverP99Milliseconds: Double
        /// Nodes that missed a package or whose feed was never answered in the paced phase.
        public var nodesStarved: Int
        /// The longest any node's feed went unanswered in the paced phase (tree heads reach every feed every few
        /// seconds, so this stays near the head interval when no connection waits).
        public var longestFeedSilenceSeconds: Double
        /// Each hub instance's resident memory at the start and the end of the paced phase, and its peak, in MiB.
        public var hubResidentMB: [String: [Double]]
        public var treeHeadsChecked: Int
        public var evidenceAlarms: Int
        public var burstPackages: Int
        public var burstSeconds: Double
        public var burstPackagesPerSecond: Double
        /// CPU milliseconds per package over the run: each hub instance's, and this process's (the 500 nodes).
        public var cpuMillisecondsPerPackage: [String: Double]
        /// The first failures seen (a refused package, an unexpected report outcome, a failed request), and their count.
        public var problems: [String]
        public var problemCount: Int
        /// Feed polls and sends that failed in passing (a connection, a timeout) and were tried again.
        public var retries: Int
    }

    /// Runs the fleet: connects every node, sends `rate` packages/s for `seconds`, then `burst` packages as fast as
    /// the senders go (none when 0).
    public func run(rate: Double, seconds: Double, burst: Int, progress: @Sendable (String) -> Void) async throws -> Result {
        guard self.nodes >= 2, self.nodes % 2 == 0, self.nodes <= Self.maximumNodes else {
            throw LocalProcesses.Failure(message: "--nodes: an even number from 2 to \(Self.maximumNodes)")
        }
        guard self.hubInstances >= 1, self.hubInstances == 1 || self.hubDatabase != nil else {
            throw LocalProcesses.Failure(message: "--hub-instances: several instances share one PostgreSQL database (--hub-database)")
        }
        let pairs = self.nodes / 2
        let exchange = try LocalExchange(directory: self.directory, executable: self.executable, environment: ["XIETONG_LOG_LEVEL": self.logLevel])
        defer { exchange.processes.stopAll() }
        try exchange.enableTLS()
        let parties = (0..<pairs).flatMap { [Self.police($0), Self.procuratorate($0)] }
        let registry = try self.writeRegistry(pairs: pairs)
        let instances = (0..<self.hubInstances).map { $0 == 0 ? "hub" : "hub-\($0 + 1)" }
        for name in instances {
            try exchange.addHub(
                nodes: parties.map(\.organisationCode),
                name: name,
                database: self.hubDatabase,
                blobDirectory: self.hubInstances > 1 ? self.directory.appendingPathComponent("hub-blobs").path : nil,
                registry: registry,
                treeHeadSeconds: self.treeHeadSeconds
            )
        }
        progress("issuing \(self.nodes) node certificates…")
        var members: [Member] = []
        for (index, party) in parties.enumerated() {
            guard let files = try exchange.topology.tls(for: party.organisationCode) else { break }
            members.append(
                try Member(
                    party: party,
                    identity: Identity(files),
                    hubURL: exchange.services[instances[index % instances.count]]!.url,
                    token: exchange.token(for: party.organisationCode)
                )
            )
        }
        do {
            let result = try await self.measure(
                exchange,
                members,
                instances: instances,
                rate: rate,
                seconds: seconds,
                burst: burst,
                progress: progress
            )
            for member in members { try? await member.client.shutdown() }
            return result
        } catch {
            for member in members { try? await member.client.shutdown() }
            throw error
        }
    }

    /// Starts the hub, connects the nodes and runs the phases.
    func measure(
        _ exchange: LocalExchange,
        _ members: [Member],
        instances: [String],
        rate: Double,
        seconds: Double,
        burst: Int,
        progress: @Sendable (String) -> Void
    ) async throws -> Result {
        let pairs = members.count / 2
        progress("starting \(instances.count) hub instance(s)…")
        try await exchange.startAll()
        let log = FleetLog(nodes: members.map(\.organisation))
        let started = Date()
        let cpuAtStart = ProcessCPU.seconds(of: getpid()) ?? 0
        let pollers = Task {
            await withTaskGroup(of: Void.self) { group in
                for member in members { group.addTask { await member.poll(log: log) } }
            }
        }
        defer { pollers.cancel() }

        progress("connecting \(self.nodes) nodes (mutual TLS, feed long poll)…")
        try await log.waitUntil("every node's first feed answer", timeout: 300) { $0.answeredNodes == members.count }
        let connectSeconds = Date().timeIntervalSince(started)
        progress("warming up: one package per pair…")
        var index = 0
        await withTaskGroup(of: Void.self) { group in
            for pair in 0..<pairs {
                let number = index + pair
                group.addTask { await members[2 * pair].send(to: members[2 * pair + 1], index: number, run: self.run, phase: .warmUp, log: log) }
            }
        }
        index += pairs
        try await log.waitUntil("the warm-up's deliveries", timeout: 300) { $0.allDelivered(.warmUp) }

        let count = max(1, Int(rate * seconds))
        progress(String(format: "paced: %d packages at %.0f packages/s over %d senders…", count, rate, pairs))
        let memory = MemorySamples()
        let sampler = Task {
            while !Task.isCancelled {
                memory.add(instances.map { exchange.processes.residentBytes($0) ?? 0 })
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await log.beginPacedPhase()
        let phaseStart = Date()
        await withTaskGroup(of: Void.self) { group in
            for step in 0..<count {
                let wait = phaseStart.addingTimeInterval(Double(step) / rate).timeIntervalSinceNow
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                let pair = step % pairs
                let number = index + step
                group.addTask { await members[2 * pair].send(to: members[2 * pair + 1], index: number, run: self.run, phase: .paced, log: log) }
            }
        }
        index += count
        try await log.waitUntil("the paced phase's deliveries", timeout: 600) { $0.allDelivered(.paced) }
        let pacedSeconds = Date().timeIntervalSince(phaseStart)
        await log.endPacedPhase()
        sampler.cancel()
        memory.add(instances.map { exchange.processes.residentBytes($0) ?? 0 })

        var burstSeconds = 0.0
        if burst > 0 {
            progress("burst: \(burst) packages from \(pairs) senders at once…")
            let burstStart = Date()
            let first = index
            await withTaskGroup(of: Void.self) { group in
                for pair in 0..<pairs {
                    group.addTask {
                        for step in stride(from: pair, to: burst, by: pairs) {
                            await members[2 * pair].send(to: members[2 * pair + 1], index: first + step, run: self.run, phase: .burst, log: log)
                        }
                    }
                }
            }
            try await log.waitUntil("the burst's deliveries", timeout: 1800) { $0.allDelivered(.burst) }
            burstSeconds = Date().timeIntervalSince(burstStart)
        }
        pollers.cancel()
        await pollers.value

        let packages = Double(pairs + count + burst)
        var cpu = ["nodes (this process)": ((ProcessCPU.seconds(of: getpid()) ?? 0) - cpuAtStart) * 1000 / packages]
        var resident: [String: [Double]] = [:]
        let samples = memory.all
        for (position, name) in instances.enumerated() {
            cpu[name] = (exchange.processes.cpuSeconds(name) ?? 0) * 1000 / packages
            let series = samples.map { Double($0[position]) / 1_048_576 }
            resident[name] = [series.first ?? 0, series.last ?? 0, Double(exchange.processes.peakResidentBytes(name) ?? 0) / 1_048_576]
        }
        let figures = await log.figures()
        return Result(
            nodes: self.nodes,
            hubInstances: self.hubInstances,
            hubDatabase: self.hubDatabase == nil ? "sqlite" : "postgresql",
            connectSeconds: connectSeconds,
            rate: rate,
            pacedSeconds: pacedSeconds,
            pacedPackages: count,
            pacedDelivered: figures.pacedDelivered,
            throughHubMilliseconds: figures.throughHub,
            sendMilliseconds: figures.send,
            reportMilliseconds: figures.report,
            worstReceiverP99Milliseconds: figures.worstReceiverP99,
            nodesStarved: figures.starved,
            longestFeedSilenceSeconds: figures.longestSilence,
            hubResidentMB: resident,
            treeHeadsChecked: figures.treeHeads,
            evidenceAlarms: figures.alarms,
            burstPackages: burst,
            burstSeconds: burstSeconds,
            burstPackagesPerSecond: burst > 0 ? Double(burst) / burstSeconds : 0,
            cpuMillisecondsPerPackage: cpu,
            problems: figures.problems,
            problemCount: figures.problemCount,
            retries: await log.retries
        )
    }

    // MARK: The fleet's organisations

    /// The `index`th police station: organisation `3301061nnnnn`, agency `5nnn`.
    static func police(_ index: Int) -> CasePackage.Party {
        .init(organisationCode: "3301061" + Self.digits(index, 5), agencyCode: "5" + Self.digits(index, 3))
    }

    /// The `index`th procuratorate, the police station's partner: organisation `3301062nnnnn`, agency `6nnn`.
    static func procuratorate(_ index: Int) -> CasePackage.Party {
        .init(organisationCode: "3301062" + Self.digits(index, 5), agencyCode: "6" + Self.digits(index, 3))
    }

    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Writes the fleet's organisation registry (the committee and every pair), checked as the hub will load it.
    func writeRegistry(pairs: Int) throws -> String {
        struct Entry: Encodable {
            var code: String
            var agencyCode: String
            var kind: String
            var division: String
            var name: LocalizedText
        }
        struct File: Encodable {
            var format = OrganisationRegistry.fileFormat
            var organisations: [Entry]
        }
        var entries = [
            Entry(
                code: LocalTopology.hubOrganisation,
                agencyCode: "1001",
                kind: AgencyKind.politicalLegalCommittee.rawValue,
                division: "330100",
                name: LocalizedText(zh: "中共杭州市委政法委员会", en: "Hangzhou Political-Legal Committee")
            )
        ]
        for index in 0..<pairs {
            let (police, procuratorate) = (Self.police(index), Self.procuratorate(index))
            entries.append(
                Entry(
                    code: police.organisationCode,
                    agencyCode: police.agencyCode,
                    kind: AgencyKind.police.rawValue,
                    division: "330106",
                    name: LocalizedText(zh: "模拟公安机关 \(index + 1)", en: "Simulated police station \(index + 1)")
                )
            )
            entries.append(
                Entry(
                    code: procuratorate.organisationCode,
                    agencyCode: procuratorate.agencyCode,
                    kind: AgencyKind.procuratorate.rawValue,
                    division: "330106",
                    name: LocalizedText(zh: "模拟人民检察院 \(index + 1)", en: "Simulated procuratorate \(index + 1)")
                )
            )
        }
        let url = self.directory.appendingPathComponent("fleet-organisations.json")
        try CanonicalJSON.pretty(File(organisations: entries)).write(to: url)
        _ = try OrganisationRegistry(contentsOf: url, divisions: CodeSets.bundled().division)
        return url.path
    }
}

/// The phases of a fleet run: each package belongs to one.
enum FleetPhase: Sendable {
    case warmUp, paced, burst
}

/// Each hub instance's resident bytes, sampled once a second.
final class MemorySamples: Sendable {
    private let samples = Mutex<[[Int]]>([])
    func add(_ sample: [Int]) { self.samples.withLock { $0.append(sample) } }
    var all: [[Int]] { self.samples.withLock { $0 } }
}
