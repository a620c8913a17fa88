public import AsyncHTTPClient
public import Foundation
import Glibc
import NIOCore
public import NIOHTTP1
public import XietongCore
public import XietongDemo

/// Runs a real exchange for integration tests: a hub, nodes and simulated business systems as separate `xietong`
/// processes on loopback ports, each with its own data directory. Any of them can be killed with SIGKILL and
/// restarted on the same port.
public final class ExchangeHarness: @unchecked Sendable {
    // Mutable state is touched only from the test that owns the harness, one call at a time.

    public typealias Service = LocalProcesses.Entry

    public let directory: TemporaryDirectory
    public let client: HTTPClient
    public let processes = LocalProcesses(executable: Repository.executable)
    public var services: [String: Service] { self.processes.entries }
    public let adminToken = "admin-token-for-tests-000"
    var nodeTokens: [String: String] = [:]

    public init() throws {
        self.directory = try TemporaryDirectory(prefix: "xietong-exchange")
        self.client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    deinit {
        try? self.client.syncShutdown()
    }

    public static func freePort() -> Int { LocalProcesses.freePort() }

    func write(_ text: String, to name: String) throws -> String {
        let url = self.directory.file(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    public func token(for organisation: String) -> String {
        if let token = self.nodeTokens[organisation] { return token }
        let token = "node-token-\(organisation)-test"
        self.nodeTokens[organisation] = token
        return token
    }

    public static func apiKey(_ organisation: String) -> String { "api-key-\(organisation)" }

    /// Declares the hub; start it with `start("hub")`.
    @discardableResult
    public func addHub(
        nodes: [String],
        alertAfterSeconds: Double = 300,
        alertCheckSeconds: Double = 10,
        maxPackageAgeDays: Double = 36500
    ) throws -> Service {
        let port = Self.freePort()
        let credentials = nodes.map { "{\"organisation\":\"\($0)\",\"token\":\"\(self.token(for: $0))\"}" }.joined(separator: ",")
        let config = try self.write(
            """
            {"format":"xietong.hub/1","listen":{"host":"127.0.0.1","port":\(port)},"dataDirectory":"\(self.directory.file("hub").path)",
             "adminToken":"\(self.adminToken)","nodes":[\(credentials)],"alertAfterSeconds":\(alertAfterSeconds),
             "alertCheckSeconds":\(alertCheckSeconds),"maxPackageAgeDays":\(maxPackageAgeDays)}
            """,
            to: "hub.json"
        )
        return self.processes.declare("hub", port: port, arguments: ["hub", "--config", config], log: self.directory.file("hub.log"))
    }

    /// Declares a node; with `pushTo`, it pushes to that business system's `/receive`.
    @discardableResult
    public func addNode(_ organisation: String, pushTo business: String? = nil, lanes: Int = 4, alertAfterSeconds: Double = 300) throws -> Service {
        let port = Self.freePort()
        let hub = self.services["hub"]!
        let delivery = business.map { "{\"mode\":\"push\",\"url\":\"http://127.0.0.1:\(self.services[$0]!.port)/receive\"}" } ?? "{\"mode\":\"pull\"}"
        let config = try self.write(
            """
            {"format":"xietong.node/1","organisation":"\(organisation)","listen":{"host":"127.0.0.1","port":\(port)},
             "dataDirectory":"\(self.directory.file("node-\(organisation)").path)",
             "hub":{"url":"\(hub.url)","token":"\(self.token(for: organisation))"},"apiKeys":["\(Self.apiKey(organisation))"],
             "delivery":\(delivery),"lanes":\(lanes),"retryBaseSeconds":0.05,"retryMaxSeconds":1,"alertAfterSeconds":\(alertAfterSeconds)}
            """,
            to: "node-\(organisation).json"
        )
        return self.processes.declare(
            organisation,
            port: port,
            arguments: ["node", "--config", config],
            log: self.directory.file("node-\(organisation).log")
        )
    }

    /// Declares a simulated business system of `organisation`; its node is added after it (it needs its port).
    @discardableResult
    public func addBusinessSystem(_ organisation: String, nodePort: Int, failFirst: Int = 0) throws -> Service {
        let port = Self.freePort()
        let name = "business-\(organisation)"
        return self.processes.declare(
            name,
            port: port,
            arguments: [
                "business-sim", "--org", organisation, "--port", String(port), "--data-dir", self.directory.file(name).path,
                "--node", "http://127.0.0.1:\(nodePort)", "--api-key", Self.apiKey(organisation), "--fail-first", String(failFirst),
            ],
            log: self.directory.file("\(name).log")
        )
    }

    /// A receiving organisation with a push-mode node and its business system, wired together.
    public func addReceiver(_ organisation: String, failFirst: Int = 0) throws {
        let nodePort = Self.freePort()
        try self.addBusinessSystem(organisation, nodePort: nodePort, failFirst: failFirst)
        let node = try self.addNode(organisation, pushTo: "business-\(organisation)")
        // Re-declare the node on the port its business system was told about.
        let config = node.arguments[2]
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"port\":\(node.port)", with: "\"port\":\(nodePort)")
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        self.processes.declare(organisation, port: nodePort, arguments: node.arguments, log: node.log)
    }

    public func start(_ name: String) async throws {
        try await self.processes.start(name)
    }

    public func startAll() async throws {
        for name in ["hub"] + self.services.keys.filter({ $0.hasPrefix("business-") }).sorted()
            + self.services.keys.filter({ $0 != "hub" && !$0.hasPrefix("business-") }).sorted()
        {
            try await self.start(name)
        }
    }

    /// Kills a process at once (SIGKILL), as a power cut or `kill -9` would.
    public func kill9(_ name: String) { self.processes.kill9(name) }

    /// Stops a process gracefully (SIGTERM) and waits for it.
    public func stop(_ name: String) { self.processes.stop(name) }

    public func log(_ name: String) -> String {
        (try? String(contentsOf: self.services[name]!.log, encoding: .utf8)) ?? ""
    }

    public typealias HarnessError = LocalProcesses.Failure

    // MARK: HTTP

    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
        public var text: String { String(decoding: self.body, as: UTF8.self) }
        public func json<T: Decodable>(_ type: T.Type) -> T? { try? JSONDecoder().decode(type, from: Data(self.body)) }
    }

    public func request(
        _ method: HTTPMethod,
        _ url: String,
        key: String? = nil,
        body: [UInt8]? = nil,
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await self.client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: Array(collected.readableBytesView))
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
        let node = self.services[organisation]!
        let key = Self.apiKey(organisation)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                for file in attachments {
                    let reply = try await self.request(.POST, node.url + "/api/v1/attachments", key: key, body: file)
                    guard reply.status == 201 else { throw HarnessError(message: "upload: \(reply.status) \(reply.text)") }
                }
                let reply = try await self.request(.POST, node.url + "/api/v1/packages", key: key, body: xml)
                if reply.status < 500 { return reply }
            } catch {
                if Date() > deadline { throw error }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Sends the head of an HTTP request and only `cut` bytes of its body, then closes the connection: a transfer
    /// broken by the network (GZ-6).
    public static func sendCutRequest(port: Int, head: String, body: [UInt8], cut: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
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
        struct Status: Decodable { let events: [PackageEvent] }
        let reply = try await self.get(self.services[organisation]!.url + "/api/v1/packages/\(packageId)", key: Self.apiKey(organisation))
        return reply.json(Status.self)?.events ?? []
    }
}
