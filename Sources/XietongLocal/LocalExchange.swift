public import Foundation
import XietongCore
import XietongHTTP
import XietongTrust

/// An exchange on this machine, one process per component: writes the configuration of a hub, nodes and simulated
/// business systems on free loopback ports and runs them with `LocalProcesses`. The integration tests and the
/// benchmarks build on it.
public final class LocalExchange: @unchecked Sendable {
    // Used by one test or benchmark at a time.
    public typealias Service = LocalProcesses.Entry

    public let directory: URL
    public let processes: LocalProcesses
    public var services: [String: Service] { self.processes.entries }
    public let adminToken = "admin-token-\(UUID().uuidString.prefix(8))"
    /// The committee's supervisor (issue 6): the hub keeps only its SHA-256.
    public let supervisorToken = "supervisor-token-\(UUID().uuidString.prefix(8))"
    var nodeTokens: [String: String] = [:]

    /// `environment` is added to every process's (`XIETONG_LOG_LEVEL`, say).
    public init(directory: URL, executable: URL, environment: [String: String] = [:]) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.processes = LocalProcesses(executable: executable, environment: environment)
    }

    public static func freePort() -> Int { LocalProcesses.freePort() }

    func file(_ name: String) -> URL { self.directory.appendingPathComponent(name) }

    public func write(_ text: String, to name: String) throws -> String {
        let url = self.directory.appendingPathComponent(name)
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

    /// The web console's officer of a node (`clerk-ORG`), and their password.
    public static func officer(_ organisation: String) -> (user: String, password: String) { ("clerk-\(organisation)", "officer-\(organisation)") }

    /// Declares the hub; start it with `start("hub")`.
    @discardableResult
    /// Several instances share one `database` (PostgreSQL) and one `blobDirectory`; each has its own `name`.
    public func addHub(
        nodes: [String],
        name: String = "hub",
        database: String? = nil,
        blobDirectory: String? = nil,
        alertAfterSeconds: Double = 300,
        alertCheckSeconds: Double = 10,
        maxPackageAgeDays: Double = 36500,
        reminderDaysBefore: [Int] = [2, 0],
        freeSpaceReserveMB: Double? = nil
    ) throws -> Service {
        let port = Self.freePort()
        let credentials = nodes.map { "{\"organisation\":\"\($0)\",\"token\":\"\(self.token(for: $0))\"}" }.joined(separator: ",")
        let storage =
            (database.map { ",\"database\":\"\($0)\"" } ?? "") + (blobDirectory.map { ",\"blobDirectory\":\"\($0)\"" } ?? "")
        let config = try self.write(
            """
            {"format":"xietong.hub/1","listen":{"host":"127.0.0.1","port":\(port)},"dataDirectory":"\(self.file(name).path)",
             "adminToken":"\(self.adminToken)","nodes":[\(credentials)],
             "users":[{"name":"监督员","role":"supervisor","tokenSHA256":"\(Credential.hash(self.supervisorToken))"}],"alertAfterSeconds":\(alertAfterSeconds),
             "alertCheckSeconds":\(alertCheckSeconds),"maxPackageAgeDays":\(maxPackageAgeDays),
             "reminderDaysBefore":\(reminderDaysBefore),"reminderCheckSeconds":\(alertCheckSeconds),"treeHeadSeconds":0.2\(Self.reserve(freeSpaceReserveMB))\(storage)\(try self.tlsEntry(Self.hubOrganisation))}
            """,
            to: "\(name).json"
        )
        return self.processes.declare(name, port: port, arguments: ["hub", "--config", config], log: self.file("\(name).log"), tls: self.pki != nil)
    }

    /// The `"freeSpaceReserveMB"` entry when one is set; without it, the services' default.
    static func reserve(_ megabytes: Double?) -> String { megabytes.map { ",\"freeSpaceReserveMB\":\($0)" } ?? "" }

    /// The platform CA's directory once `enableTLS()` made it: the hub and every node then use mutual TLS and sign
    /// packages (issue 6).
    public private(set) var pki: URL?
    public static let hubOrganisation = "330100000001"

    /// Creates a CA in the exchange's directory and issues the hub's certificate; hubs and nodes declared after
    /// this use mutual TLS.
    public func enableTLS() throws {
        let directory = self.directory.appendingPathComponent("pki")
        let authority = try CertificateAuthority.create(in: directory)
        try authority.issue(organisation: Self.hubOrganisation)
        self.pki = directory
    }

    /// The `"tls": …` entry for an organisation, issuing its certificate first if needed.
    func tlsEntry(_ organisation: String) throws -> String {
        guard let pki = self.pki else { return "" }
        let files = TLSFiles.issued(by: pki, to: organisation)
        if !FileManager.default.fileExists(atPath: files.certificate) {
            try CertificateAuthority.open(pki).issue(organisation: organisation)
        }
        return ",\"tls\":" + String(decoding: try CanonicalJSON.encode(files), as: UTF8.self)
    }

    /// Where nodes reach the hub: the `hub` service, unless set (for example to a load balancer in front of several
    /// instances).
    public var hubURL: String?

    /// Declares a node; with `pushTo`, it pushes to that business system's `/receive`. Without `lanes`, it has the
    /// node's default lanes to the hub.
    @discardableResult
    public func addNode(
        _ organisation: String,
        pushTo business: String? = nil,
        lanes: Int? = nil,
        alertAfterSeconds: Double = 300,
        serveTLS: Bool = false,
        retryMaxSeconds: Double = 1,
        freeSpaceReserveMB: Double? = nil
    ) throws -> Service {
        let port = Self.freePort()
        let delivery = business.map { "{\"mode\":\"push\",\"url\":\"http://127.0.0.1:\(self.services[$0]!.port)/receive\"}" } ?? "{\"mode\":\"pull\"}"
        let config = try self.write(
            """
            {"format":"xietong.node/1","organisation":"\(organisation)","listen":{"host":"127.0.0.1","port":\(port)},
             "dataDirectory":"\(self.file("node-\(organisation)").path)",
             "hub":{"url":"\(self.hubURL ?? self.services["hub"]!.url)","token":"\(self.token(for: organisation))"},
             "businessSystems":[{"name":"business-\(organisation)","role":"businessSystem","tokenSHA256":"\(Credential.hash(Self.apiKey(organisation)))"}],
             "users":[{"name":"\(Self.officer(organisation).user)","role":"officer","tokenSHA256":"\(Credential.hash(Self.officer(organisation).password))"}],
             "delivery":\(delivery),\(lanes.map { "\"lanes\":\($0)," } ?? "")"retryBaseSeconds":0.05,"retryMaxSeconds":\(retryMaxSeconds)\(Self.reserve(freeSpaceReserveMB)),"alertAfterSeconds":\(alertAfterSeconds)\(try self.tlsEntry(organisation)),"serveTLS":\(serveTLS && self.pki != nil)}
            """,
            to: "node-\(organisation).json"
        )
        return self.processes.declare(
            organisation,
            port: port,
            arguments: ["node", "--config", config],
            log: self.file("node-\(organisation).log"),
            tls: serveTLS && self.pki != nil
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
                "business-sim", "--org", organisation, "--port", String(port), "--data-dir", self.directory.appendingPathComponent(name).path,
                "--node", "http://127.0.0.1:\(nodePort)", "--api-key", Self.apiKey(organisation), "--fail-first", String(failFirst),
            ],
            log: self.file("\(name).log")
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

    public func start(_ name: String) async throws { try await self.processes.start(name) }

    /// Starts the hub, then the business systems, then the nodes.
    public func startAll() async throws {
        let names = self.services.keys
        let hubs = names.filter { $0.hasPrefix("hub") }.sorted()
        for name in hubs + names.filter({ $0.hasPrefix("business-") }).sorted()
            + names.filter({ !$0.hasPrefix("hub") && !$0.hasPrefix("business-") }).sorted()
        {
            try await self.start(name)
        }
    }

    public func kill9(_ name: String) { self.processes.kill9(name) }
    public func stop(_ name: String, signal: Int32 = SIGTERM) { self.processes.stop(name, signal: signal) }
}
