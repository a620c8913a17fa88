import AsyncHTTPClient
import Crypto
public import Foundation
import NIOCore
import NIOHTTP1
import XietongClient
import XietongCore
import XietongHTTP
import XietongLocal
import XietongStore

/// The exchange benchmarks of docs/performance.md, on a hub and two nodes on loopback (each its own process, with
/// durable storage: SQLite with full fsync, blobs synced before rename).
public struct ExchangeBenchmark: Sendable {
    public let executable: URL
    public let directory: URL
    let client: HTTPClient
    let run = String(UUID().uuidString.prefix(8)).lowercased()
    /// The hub's database (`postgres://…`); nil for the embedded SQLite.
    public var hubDatabase: String?
    /// Mutual TLS and signed packages between the nodes and the hub (issue 6).
    public var tls = false
    /// The services' log level: `warning` (the default here), or `info` to measure with a line per request as a
    /// service logs by default (issue 22).
    public var logLevel = "warning"
    /// The receiver on a provincial hub linked to the sender's city hub (issue 23): each package crosses the link, three
    /// hops and two hubs instead of two hops and one.
    public var federated = false
    static let sender = "330106000101"
    static let receiver = "330106000201"

    public init(executable: URL, directory: URL) {
        self.executable = executable
        self.directory = directory
        self.client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .xietong(connectionsPerHost: 256)
        )
    }

    public func shutdown() async { try? await self.client.shutdown() }

    func topology(lanes: Int) async throws -> LocalExchange {
        let exchange = try LocalExchange(
            directory: self.directory,
            executable: self.executable,
            environment: ["XIETONG_LOG_LEVEL": self.logLevel]
        )
        if self.tls { try exchange.enableTLS() }
        if self.federated {
            try exchange.addFederation(cityNodes: [Self.sender], provinceNodes: [Self.receiver])
            try exchange.addNode(Self.sender, lanes: lanes)
            try exchange.addReceiver(Self.receiver, hub: "hub-province")
        } else {
            try exchange.addHub(nodes: [Self.sender, Self.receiver], database: self.hubDatabase)
            try exchange.addNode(Self.sender, lanes: lanes)
            try exchange.addReceiver(Self.receiver)
        }
        try await exchange.startAll()
        return exchange
    }

    /// A package of about `size` bytes from the police to the procuratorate, in its own case, optionally naming an
    /// attachment.
    static func package(run: String, index: Int, caseNumber: Int, size: Int = 4096, attachment: (sha256: String, size: Int)? = nil) -> [UInt8] {
        CasePackageWriter.bytes(Self.casePackage(run: run, index: index, caseNumber: caseNumber, size: size, attachment: attachment))
    }

    /// The package of `package(run:index:caseNumber:size:attachment:)`, before it is written: from a police
    /// `sender` to a procuratorate `receiver` (by default the demo registry's).
    static func casePackage(
        run: String,
        index: Int,
        caseNumber: Int,
        size: Int = 4096,
        attachment: (sha256: String, size: Int)? = nil,
        sender: CasePackage.Party = .init(organisationCode: Self.sender, agencyCode: "1101"),
        receiver: CasePackage.Party = .init(organisationCode: Self.receiver, agencyCode: "1201")
    ) -> CasePackage {
        let sequence = String(caseNumber + 1)
        let code = "20261120" + sender.agencyCode + sender.organisationCode + String(repeating: "0", count: 8 - sequence.count) + sequence
        var package = CasePackage(
            envelope: .init(
                packageId: UUID().uuidString.lowercased(),
                idempotencyKey: "\(run)-\(index)",
                flow: "arrestApproval",
                messageType: "arrestRequest",
                sender: sender,
                receiver: receiver,
                unifiedCaseCode: code,
                agencyCaseNumber: "杭西公（刑）字〔2026〕\(10000 + caseNumber)号",
                createdAt: "2026-11-20T09:00:00+08:00"
            ),
            body: .init(
                caseInfo: .init(name: "基准测试案件 \(caseNumber)", category: "criminal", division: "330106", filedOn: "2026-11-02"),
                persons: [
                    .init(
                        id: "p1",
                        role: "suspect",
                        name: "张某某",
                        idCardNumber: ResidentIDNumber.build(division: "330106", birth: "19900315", order: 123, male: true)?.rawValue,
                        gender: "1",
                        birthDate: "1990-03-15"
                    )
                ],
                charges: [.init(personRef: "p1", name: "盗窃罪", lawArticle: "刑法第264条")]
            )
        )
        if let attachment {
            package.attachments = [
                .init(
                    id: "a1",
                    name: "卷宗.pdf",
                    mediaType: "application/pdf",
                    size: attachment.size,
                    sha256: attachment.sha256,
                    location: "attachments/dossier.pdf"
                )
            ]
            package.body.documents = [.init(id: "d1", title: "侦查卷宗", issuedOn: "2026-11-20", attachmentRefs: ["a1"])]
        }
        let base = CasePackageWriter.bytes(package).count
        package.body.remarks = String(repeating: "案情摘要。", count: max(0, (size - base - 20) / 15))
        return package
    }

    /// The sending business system's client of its node: calls may wait long under the benchmarks' load.
    func sender(_ exchange: LocalExchange) -> NodeAPIClient {
        NodeAPIClient(
            baseURL: exchange.services[Self.sender]!.url,
            apiKey: LocalExchange.apiKey(Self.sender),
            client: self.client,
            timeout: .minutes(30)
        )
    }

    func receivedCount(_ exchange: LocalExchange) async throws -> Int {
        let response = try await self.client.execute(
            HTTPClientRequest(url: exchange.services["business-\(Self.receiver)"]!.url + "/stats"),
            timeout: .seconds(10)
        )
        let body = try await response.body.collect(upTo: 1 << 16)
        return (try? JSONDecoder().decode([String: Int].self, from: Data(body.readableBytesView)))?["received"] ?? 0
    }

    func waitForReceived(_ exchange: LocalExchange, _ count: Int, timeout: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await self.receivedCount(exchange) < count {
            guard Date() < deadline else {
                throw LocalProcesses.Failure(message: "only \(try await self.receivedCount(exchange)) of \(count) arrived")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func send(_ exchange: LocalExchange, _ xml: [UInt8]) async throws {
        let reply = try await self.sender(exchange).sendPackage(xml)
        guard reply.status == 202 || reply.status == 200 else {
            throw LocalProcesses.Failure(message: "send refused: \(reply.status) \(reply.text)")
        }
    }

    public struct ExchangeResult: Sendable, Codable {
        public var packageBytes: Int
        public var packages: Int
        public var seconds: Double
        public var packagesPerSecond: Double
        public var latencyRate: Double
        public var latencyPackages: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
        public var peakResidentMB: [String: Double]
        /// Each process's CPU milliseconds per package over the whole run (warm-up, throughput and latency).
        public var cpuMillisecondsPerPackage: [String: Double]
    }

    /// Throughput with `workers` concurrent senders, then latency for `seconds` at `latencyRate` packages/s (by
    /// default half the throughput measured).
    public func exchange(
        packages: Int,
        workers: Int,
        seconds: Double,
        lanes: Int,
        latencyRate requestedRate: Double? = nil,
        progress: @Sendable (String) -> Void
    ) async throws -> ExchangeResult {
        let exchange = try await self.topology(lanes: lanes)
        defer { exchange.processes.stopAll() }
        let sample = Self.package(run: self.run, index: 0, caseNumber: 0)
        progress("warming up…")
        for index in 0..<50 { try await self.send(exchange, Self.package(run: self.run + "w", index: index, caseNumber: 900 + index % 10)) }
        try await self.waitForReceived(exchange, 50, timeout: 120)

        progress("throughput: \(packages) packages of \(sample.count) bytes from \(workers) concurrent senders…")
        let payloads = (0..<packages).map { Self.package(run: self.run, index: $0, caseNumber: $0 % workers) }
        let start = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for index in stride(from: worker, to: packages, by: workers) { try await self.send(exchange, payloads[index]) }
                }
            }
            try await group.waitForAll()
        }
        try await self.waitForReceived(exchange, 50 + packages, timeout: 600)
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(packages) / elapsed

        let latencyRate = max(1, requestedRate ?? rate / 2)
        let count = max(1, Int(latencyRate * seconds))
        progress(String(format: "latency: %d packages at %.0f packages/s…", count, latencyRate))
        let sent = SentTimes()
        let paced = (0..<count).map { Self.package(run: self.run + "l", index: $0, caseNumber: 2000 + $0) }
        let phaseStart = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                let due = phaseStart.addingTimeInterval(Double(index) / latencyRate)
                let wait = due.timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                group.addTask {
                    let xml = paced[index]
                    let id = Self.packageId(xml)
                    await sent.set(id, Date())
                    try await self.send(exchange, xml)
                }
            }
            try await group.waitForAll()
        }
        try await self.waitForReceived(exchange, 50 + packages + count, timeout: 600)
        let response = try await self.client.execute(
            HTTPClientRequest(url: exchange.services["business-\(Self.receiver)"]!.url + "/received"),
            timeout: .seconds(60)
        )
        let received = try JSONDecoder().decode(
            [BusinessSystemSimulator.Received].self,
            from: Data(try await response.body.collect(upTo: 256 << 20).readableBytesView)
        )
        var latencies: [Double] = []
        for item in received {
            if let sentAt = await sent.get(item.packageId), let arrived = Timestamp.date(item.receivedAt) {
                latencies.append(arrived.timeIntervalSince(sentAt) * 1000)
            }
        }
        let figures = Percentiles(latencies)
        var rss: [String: Double] = [:]
        var cpu: [String: Double] = [:]
        let total = Double(50 + packages + count)
        for (name, _) in exchange.services {
            rss[name] = Double(exchange.processes.peakResidentBytes(name) ?? 0) / 1_048_576
            cpu[name] = (exchange.processes.cpuSeconds(name) ?? 0) * 1000 / total
        }
        return ExchangeResult(
            packageBytes: sample.count,
            packages: packages,
            seconds: elapsed,
            packagesPerSecond: rate,
            latencyRate: latencyRate,
            latencyPackages: latencies.count,
            p50Milliseconds: figures.p50,
            p99Milliseconds: figures.p99,
            maxMilliseconds: figures.max,
            peakResidentMB: rss,
            cpuMillisecondsPerPackage: cpu
        )
    }

    static func packageId(_ xml: [UInt8]) -> String {
        let text = String(decoding: xml.prefix(600), as: UTF8.self)
        guard let start = text.range(of: "<PackageId>"), let end = text.range(of: "</PackageId>") else { return "" }
        return String(text[start.upperBound..<end.lowerBound])
    }

    actor SentTimes {
        var times: [String: Date] = [:]
        func set(_ id: String, _ date: Date) { self.times[id] = date }
        func get(_ id: String) -> Date? { self.times[id] }
    }

    public struct DossierResult: Sendable, Codable {
        public var bytes: Int
        public var uploadSeconds: Double
        public var totalSeconds: Double
        public var megabytesPerSecond: Double
        public var peakResidentMB: [String: Double]
    }

    /// One dossier of `bytes` from the sending business system to the receiving one: resumable upload to the node,
    /// node to hub, hub to node, node to business system, each hop streamed, hashed and synced to disk.
    public func dossier(bytes: Int, progress: @Sendable (String) -> Void) async throws -> DossierResult {
        let exchange = try await self.topology(lanes: 2)
        defer { exchange.processes.stopAll() }
        progress("writing a \(bytes >> 20) MiB dossier…")
        let file = self.directory.appendingPathComponent("dossier.bin")
        let sha256 = try Self.writeDossier(to: file, bytes: bytes)
        let node = self.sender(exchange)
        progress("sending it end to end…")
        let start = Date()
        let created = try await node.createUpload(sha256: sha256, size: bytes)
        guard created.status == 201, let uploadId = try? NodeAPIClient.uploadId(in: created) else {
            throw LocalProcesses.Failure(message: "upload refused: \(created.status) \(created.text)")
        }
        let patched = try await node.appendUpload(
            uploadId,
            at: 0,
            body: .stream(FileChunks(url: file, chunkSize: 1 << 20), length: .known(Int64(bytes)))
        )
        guard patched.status == 204 else { throw LocalProcesses.Failure(message: "upload failed: \(patched.status) \(patched.text)") }
        let uploaded = Date().timeIntervalSince(start)
        try await self.send(exchange, Self.package(run: self.run, index: 0, caseNumber: 0, size: 0, attachment: (sha256, bytes)))
        try await self.waitForReceived(exchange, 1, timeout: 3600)
        let total = Date().timeIntervalSince(start)
        var rss: [String: Double] = [:]
        for (name, _) in exchange.services { rss[name] = Double(exchange.processes.peakResidentBytes(name) ?? 0) / 1_048_576 }
        try? FileManager.default.removeItem(at: file)
        return DossierResult(
            bytes: bytes,
            uploadSeconds: uploaded,
            totalSeconds: total,
            megabytesPerSecond: Double(bytes) / 1_048_576 / total,
            peakResidentMB: rss
        )
    }

    /// Writes `bytes` of distinct 1 MiB blocks, synced, and returns their SHA-256.
    static func writeDossier(to url: URL, bytes: Int) throws -> String {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw LocalProcesses.Failure(message: "cannot create \(url.path)")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var generator = SystemRandomNumberGenerator()
        for index in block.indices { block[index] = UInt8.random(in: 0...255, using: &generator) }
        var written = 0
        var counter: UInt64 = 0
        while written < bytes {
            counter += 1
            withUnsafeBytes(of: counter) { counterBytes in for (offset, byte) in counterBytes.enumerated() { block[offset] = byte } }
            let size = min(block.count, bytes - written)
            let chunk = Data(block.prefix(size))
            hasher.update(data: chunk)
            try handle.write(contentsOf: chunk)
            written += size
        }
        // On the disk before the clock starts, as a business system's stored dossier would be.
        try handle.synchronize()
        return hasher.finalize().hex
    }
}
