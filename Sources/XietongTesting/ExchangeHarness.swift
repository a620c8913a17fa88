public import AsyncHTTPClient
public import Foundation
import Glibc
import NIOCore
public import NIOHTTP1
import NIOSSL
public import XietongClient
public import XietongCore
public import XietongLocal
public import XietongNode
public import XietongTrust

/// Runs a real exchange for integration tests: a hub, nodes and simulated business systems as separate `xietong`
/// processes on loopback ports, each with its own data directory. Any of them can be killed with SIGKILL and
/// restarted on the same port.
public final class ExchangeHarness: @unchecked Sendable {
    // Mutable state is touched only from the test that owns the harness, one call at a time.

    public typealias Service = LocalProcesses.Entry

    public let directory: TemporaryDirectory
    public let client: HTTPClient
    public let exchange: LocalExchange
    public var services: [String: Service] { self.exchange.services }
    public var adminToken: String { self.exchange.adminToken }
    public var supervisorToken: String { self.exchange.supervisorToken }

    /// With `tls`, the exchange gets its own CA: the hub and the nodes use mutual TLS and sign packages (issue 6),
    /// and this harness's client trusts the CA (presenting no certificate: as a supervisor or administrator).
    public init(tls: Bool = false, environment: [String: String] = [:]) throws {
        self.directory = try TemporaryDirectory(prefix: "xietong-exchange")
        self.exchange = try LocalExchange(directory: self.directory.url, executable: Repository.executable, environment: environment)
        if tls {
            try self.exchange.enableTLS()
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .file(self.exchange.pki!.appendingPathComponent("ca.crt").path)
            self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: configuration))
        } else {
            self.client = HTTPClient(eventLoopGroupProvider: .singleton)
        }
    }

    /// A client presenting the certificate and key in `certificate`/`key` (PEM files), trusting the exchange's CA:
    /// to call the hub as a node would, or with a forged or revoked identity. Shut it down after use.
    public func client(certificate: String, key: String) throws -> HTTPClient {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(self.exchange.pki!.appendingPathComponent("ca.crt").path)
        configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: configuration))
    }

    deinit {
        try? self.client.syncShutdown()
    }

    public static func apiKey(_ organisation: String) -> String { LocalExchange.apiKey(organisation) }

    @discardableResult
    public func addHub(
        nodes: [String],
        name: String = "hub",
        database: String? = nil,
        blobDirectory: String? = nil,
        alertAfterSeconds: Double = 300,
        alertCheckSeconds: Double = 10,
        maxPackageAgeDays: Double = 36500,
        reminderDaysBefore: [Int] = [2, 0],
        bookingReminderHours: Int = 24,
        freeSpaceReserveMB: Double? = nil
    ) throws -> Service {
        try self.exchange.addHub(
            nodes: nodes,
            name: name,
            database: database,
            blobDirectory: blobDirectory,
            alertAfterSeconds: alertAfterSeconds,
            alertCheckSeconds: alertCheckSeconds,
            maxPackageAgeDays: maxPackageAgeDays,
            reminderDaysBefore: reminderDaysBefore,
            bookingReminderHours: bookingReminderHours,
            freeSpaceReserveMB: freeSpaceReserveMB
        )
    }

    @discardableResult
    public func addNode(
        _ organisation: String,
        pushTo business: String? = nil,
        lanes: Int = 4,
        alertAfterSeconds: Double = 300,
        serveTLS: Bool = false,
        retryMaxSeconds: Double = 1,
        freeSpaceReserveMB: Double? = nil,
        hub: String = "hub",
        witnesses: WitnessRequirement? = nil,
        exchangeDatabase: NodeConfiguration.ExchangeDatabaseSettings? = nil,
        deliverToExchangeDatabase: Bool = false
    ) throws -> Service {
        try self.exchange.addNode(
            organisation,
            pushTo: business,
            lanes: lanes,
            alertAfterSeconds: alertAfterSeconds,
            serveTLS: serveTLS,
            retryMaxSeconds: retryMaxSeconds,
            freeSpaceReserveMB: freeSpaceReserveMB,
            hub: hub,
            witnesses: witnesses,
            exchangeDatabase: exchangeDatabase,
            deliverToExchangeDatabase: deliverToExchangeDatabase
        )
    }

    public func addReceiver(_ organisation: String, failFirst: Int = 0, hub: String = "hub") throws {
        try self.exchange.addReceiver(organisation, failFirst: failFirst, hub: hub)
    }

    public func start(_ name: String) async throws { try await self.exchange.start(name) }
    public func startAll() async throws { try await self.exchange.startAll() }

    /// Kills a process at once (SIGKILL), as a power cut or `kill -9` would.
    public func kill9(_ name: String) async { await self.exchange.kill9(name) }

    /// Stops a process gracefully (SIGTERM, or `signal`) and waits for it.
    public func stop(_ name: String, signal: Int32 = SIGTERM) async { await self.exchange.stop(name, signal: signal) }

    public func log(_ name: String) -> String {
        (try? String(contentsOf: self.services[name]!.log, encoding: .utf8)) ?? ""
    }

    public typealias HarnessError = LocalProcesses.Failure

    // MARK: HTTP

    /// A node's or the hub's answer (the client's `Reply`), with the members the tests read.
    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
        public var headers: [(name: String, value: String)] = []
        public func header(_ name: String) -> String? { self.headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        public var text: String { String(decoding: self.body, as: UTF8.self) }
        public func json<T: Decodable>(_ type: T.Type) -> T? { try? JSONDecoder().decode(type, from: Data(self.body)) }

        init(_ reply: XietongClient.Reply) {
            self.status = reply.status
            self.body = reply.body
            self.headers = reply.headers
        }
    }

    /// An organisation's node, called with its business system's API key through this harness's client.
    public func node(_ organisation: String) -> NodeAPIClient {
        NodeAPIClient(baseURL: self.services[organisation]!.url, apiKey: Self.apiKey(organisation), client: self.client, timeout: .seconds(30))
    }

    /// The hub, called with `token` (the administrator's by default) through this harness's client.
    public func hub(token: String? = nil, name: String = "hub") -> HubAPIClient {
        HubAPIClient(baseURL: self.services[name]!.url, token: token ?? self.adminToken, client: self.client, timeout: .seconds(30))
    }

    /// Any request to a whole URL (a node, the hub, a business system, a console), with `key` as the bearer token.
    public func request(
        _ method: HTTPMethod,
        _ url: String,
        key: String? = nil,
        body: [UInt8]? = nil,
        headers: [(String, String)] = [],
        client: HTTPClient? = nil
    ) async throws -> Reply {
        let transport = APITransport(baseURL: "", bearer: key, client: client ?? self.client, timeout: .seconds(30))
        return Reply(try await transport.request(method, url, bytes: body, headers: headers))
    }

    public func post(_ url: String, key: String? = nil, body: [UInt8] = [], headers: [(String, String)] = []) async throws -> Reply {
        try await self.request(.POST, url, key: key, body: body, headers: headers)
    }

    public func patch(_ url: String, key: String? = nil, body: [UInt8] = [], headers: [(String, String)] = []) async throws -> Reply {
        try await self.request(.PATCH, url, key: key, body: body, headers: headers)
    }

    public func get(_ url: String, key: String? = nil) async throws -> Reply {
        let reply = try await self.request(.GET, url, key: key)
        guard reply.status < 500 else { throw HarnessError(message: "GET \(url): \(reply.status)") }
        return reply
    }

    /// Sends a package through an organisation's node, as a business system does: uploads its attachments, then
    /// posts it, retrying (with the same package, so the same idempotency key) until the node gives a receipt.
    public func send(_ xml: [UInt8], attachments: [[UInt8]] = [], from organisation: String, timeout: TimeInterval = 120) async throws -> Reply {
        let node = self.node(organisation)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                for file in attachments {
                    let reply = try await node.uploadAttachment(file)
                    guard reply.status == 201 else { throw HarnessError(message: "upload: \(reply.status) \(reply.text)") }
                }
                let reply = try await node.sendPackage(xml)
                if reply.status < 500 { return Reply(reply) }
            } catch {
                if Date() > deadline { throw error }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Sends the head of an HTTP request and only `cut` bytes of its body, then closes the connection: a transfer
    /// broken by the network (GZ-6).
    public static func sendCutRequest(port: Int, head: String, body: [UInt8], cut: Int) {
        guard let descriptor = LocalProcesses.connectLoopback(port: port) else { return }
        defer { close(descriptor) }
        let bytes = Array(head.utf8) + Array(body.prefix(cut))
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        usleep(300_000)
    }

    /// What a business system has received, in order.
    public func received(by organisation: String) async throws -> [ReceivedPackage] {
        let reply = try await self.get(self.services["business-\(organisation)"]!.url + "/received")
        return reply.json([ReceivedPackage].self) ?? []
    }

    public struct ReceivedPackage: Decodable, Sendable {
        public let packageId: String
        public let arrival: Int
        public let flow: String
        public let messageType: String
        public let unifiedCaseCode: String
        public let contentSHA256: String
        public let attachments: Int
    }

    /// Polls until `condition` holds, or fails after `timeout`.
    public func eventually(_ what: String, timeout: TimeInterval = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(message: "timed out waiting for: \(what)")
    }

    /// A node's status record of a package.
    public func status(of packageId: String, at organisation: String) async throws -> [PackageEvent] {
        let node = self.node(organisation)
        let reply = try await node.packageStatus(packageId)
        guard reply.status < 500 else { throw HarnessError(message: "GET \(node.baseURL)/api/v1/packages/\(packageId): \(reply.status)") }
        return reply.json(PackageStatus.self)?.events ?? []
    }
}

extension ExchangeHarness {
    /// Sends each case's packages one after another, as a business system would, and the cases concurrently.
    public func sendCases(_ cases: [[PackageFactory.Made]], from sender: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for packages in cases {
                group.addTask {
                    for made in packages {
                        let reply = try await self.send(made.xml, attachments: [made.attachment], from: sender)
                        guard reply.status == 202 || reply.status == 200 else {
                            throw HarnessError(message: "send refused: \(reply.status) \(reply.text)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// What is wrong with what `receiver`'s business system got, against the delivery guarantees: every package
    /// exactly once, byte-identical (GZ-1), each case's packages in the order sent. Empty when all hold.
    public func deliveryProblems(of cases: [[PackageFactory.Made]], at receiver: String) async throws -> [String] {
        let received = try await self.received(by: receiver)
        let sent = cases.joined()
        var problems: [String] = []
        if received.count != sent.count { problems.append("received \(received.count) packages, sent \(sent.count)") }
        if Set(received.map(\.packageId)) != Set(sent.map(\.packageId)) { problems.append("the received packages are not the sent ones") }
        let hashes = Dictionary(uniqueKeysWithValues: sent.map { ($0.packageId, $0.sha256) })
        for package in received where hashes[package.packageId] != package.contentSHA256 {
            problems.append("\(package.packageId) arrived altered")
        }
        for packages in cases {
            let arrived = received.filter { $0.unifiedCaseCode == packages[0].caseCode }.sorted { $0.arrival < $1.arrival }.map(\.packageId)
            if arrived != packages.map(\.packageId) { problems.append("case \(packages[0].caseCode) arrived out of order") }
        }
        return problems
    }

    /// Waits until the sender's node has heard of every package's delivery (ZJ-5.2.2 b).
    public func waitUntilTheSenderKnowsEveryDelivery(of cases: [[PackageFactory.Made]], sender: String) async throws {
        try await self.eventually("the sender learns of every delivery", timeout: 60) {
            for made in cases.joined() where !(try await self.status(of: made.packageId, at: sender).contains { $0.hop == .delivered }) {
                return false
            }
            return true
        }
    }
}
