public import Foundation
public import XietongHub
public import XietongNode
public import XietongTrust
import XietongWitness

/// An exchange on this machine, one process per component: the hub's and the nodes' configurations, decided by a
/// `LocalTopology`, written to files and run with `LocalProcesses`, beside simulated business systems. The
/// integration tests and the benchmarks build on it.
public final class LocalExchange: @unchecked Sendable {
    // Used by one test or benchmark at a time.
    public typealias Service = LocalProcesses.Entry

    public var directory: URL { self.topology.directory }
    public let processes: LocalProcesses
    public var services: [String: Service] { self.processes.entries }
    /// The topology's decisions: ports, secrets, TLS files, reserve and retries.
    public private(set) var topology: LocalTopology
    public var adminToken: String { self.topology.adminToken }
    /// The committee's supervisor (issue 6): the hub keeps only its SHA-256.
    public var supervisorToken: String { self.topology.supervisorToken }

    /// `environment` is added to every process's (`XIETONG_LOG_LEVEL`, say).
    public init(directory: URL, executable: URL, environment: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.topology = LocalTopology(directory: directory)
        self.processes = LocalProcesses(executable: executable, environment: environment)
    }

    func file(_ name: String) -> URL { self.directory.appendingPathComponent(name) }

    /// The token `organisation`'s node authenticates to the hub with.
    public func token(for organisation: String) -> String { self.topology.hubToken(for: organisation) }

    /// The API key of `organisation`'s business system (the tests' fixed one).
    public static func apiKey(_ organisation: String) -> String { LocalTopology.fixedAPIKey(organisation) }

    /// The web console's officer of a node (`clerk-ORG`), and their password.
    public static func officer(_ organisation: String) -> (user: String, password: String) {
        LocalTopology.fixedOfficer(organisation)
    }

    /// Declares the hub; start it with `start("hub")`. Several instances share one `database` (PostgreSQL) and one
    /// `blobDirectory`; each has its own `name`. It signs a tree head every `treeHeadSeconds` while the evidence log
    /// grows: 0.2 s here, so that tests see heads soon; a deployment's default is `HubConfiguration().treeHeadSeconds`.
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
        freeSpaceReserveMB: Double? = nil,
        organisation: String = LocalTopology.hubOrganisation,
        port: Int? = nil,
        peers: [HubConfiguration.PeerHub] = [],
        linkAlertAfterSeconds: Double = 600,
        registry: String? = nil,
        treeHeadSeconds: Double = 0.2
    ) throws -> Service {
        let port = port ?? LocalTopology.claimPort()
        var topology = self.topology
        topology.freeSpaceReserveMB = freeSpaceReserveMB
        var hub = try topology.hub(name: name, port: port, nodes: nodes, organisation: organisation)
        hub.peers = peers
        hub.linkAlertAfterSeconds = linkAlertAfterSeconds
        hub.registry = registry
        self.hubOrganisations[name] = organisation
        hub.database = database
        hub.blobDirectory = blobDirectory
        hub.alertAfterSeconds = alertAfterSeconds
        hub.alertCheckSeconds = alertCheckSeconds
        hub.maxPackageAgeDays = maxPackageAgeDays
        hub.reminderDaysBefore = reminderDaysBefore
        hub.reminderCheckSeconds = alertCheckSeconds
        hub.bookingReminderHours = bookingReminderHours
        hub.treeHeadSeconds = treeHeadSeconds
        let config = try self.topology.write(hub, to: "\(name).json")
        return self.processes.declare(name, port: port, arguments: ["hub", "--config", config], log: self.file("\(name).log"), tls: hub.tls != nil)
    }

    /// The platform CA's directory once `enableTLS()` made it: the hub and every node then use mutual TLS and sign
    /// packages (issue 6).
    public var pki: URL? { self.topology.pki }
    public static let hubOrganisation = LocalTopology.hubOrganisation

    /// Creates a CA in the exchange's directory and issues the hub's certificate; hubs and nodes declared after
    /// this use mutual TLS.
    public func enableTLS() throws { try self.topology.enableTLS() }

    /// Where nodes reach the hub: the `hub` service, unless set (for example to a load balancer in front of several
    /// instances).
    public var hubURL: String?
    /// Each declared hub's organisation, by service name (a federated exchange has two, issue 23).
    var hubOrganisations: [String: String] = [:]

    /// Declares two linked hubs (issue 23): `hub`, the city's, with `cityNodes`, and `hub-province`, the province's,
    /// with `provinceNodes`; each serves its own nodes and names the other's as its peer's. The province's hub may have
    /// a registry of its own (`provinceRegistry`), so that a far hub's refusal can be seen.
    public func addFederation(
        cityNodes: [String],
        provinceNodes: [String],
        alertCheckSeconds: Double = 10,
        linkAlertAfterSeconds: Double = 600,
        provinceMaxPackageAgeDays: Double = 36500,
        provinceSupervisesCity: Bool = false,
        provinceRegistry: String? = nil
    ) throws {
        let (cityPort, provincePort) = (self.hubPorts["hub"] ?? LocalTopology.claimPort(), self.hubPorts["hub-province"] ?? LocalTopology.claimPort())
        let province = LocalTopology.provinceHubOrganisation
        // With TLS, the province has a CA of its own; each hub trusts the other's for the other's organisations.
        if self.topology.pki != nil { try self.topology.enableProvinceTLS(province: provinceNodes, city: cityNodes) }
        try self.addHub(
            nodes: cityNodes,
            alertCheckSeconds: alertCheckSeconds,
            port: cityPort,
            peers: [
                {
                    var peer = self.topology.peer("province", organisation: province, port: provincePort, organisations: provinceNodes, from: "city")
                    peer.supervises = provinceSupervisesCity
                    return peer
                }()
            ],
            linkAlertAfterSeconds: linkAlertAfterSeconds
        )
        try self.addHub(
            nodes: provinceNodes,
            name: "hub-province",
            alertCheckSeconds: alertCheckSeconds,
            maxPackageAgeDays: provinceMaxPackageAgeDays,
            organisation: province,
            port: provincePort,
            peers: [
                self.topology.peer("city", organisation: LocalTopology.hubOrganisation, port: cityPort, organisations: cityNodes, from: "province")
            ],
            linkAlertAfterSeconds: linkAlertAfterSeconds,
            registry: provinceRegistry
        )
    }

    /// Declares a node; with `pushTo`, it pushes to that business system's `/receive`. Without `lanes`, it has the
    /// node's default lanes to the hub. Without `port`, it listens on a free one.
    @discardableResult
    public func addNode(
        _ organisation: String,
        port: Int? = nil,
        pushTo business: String? = nil,
        lanes: Int? = nil,
        alertAfterSeconds: Double = 300,
        serveTLS: Bool = false,
        retryMaxSeconds: Double = 1,
        freeSpaceReserveMB: Double? = nil,
        hub: String = "hub",
        witnesses: WitnessRequirement? = nil,
        exchangeDatabase: NodeConfiguration.ExchangeDatabaseSettings? = nil,
        deliverToExchangeDatabase: Bool = false
    ) throws -> Service {
        let port = port ?? LocalTopology.claimPort()
        var topology = self.topology
        topology.retryMaxSeconds = retryMaxSeconds
        topology.freeSpaceReserveMB = freeSpaceReserveMB
        var node = try topology.node(
            organisation,
            port: port,
            hubURL: hub == "hub" ? self.hubURL ?? self.services[hub]!.url : self.services[hub]!.url,
            businessPort: business.map { self.services[$0]!.port },
            serveTLS: serveTLS,
            hubOrganisation: self.hubOrganisations[hub] ?? LocalTopology.hubOrganisation
        )
        if let lanes { node.lanes = lanes }
        node.witnesses = witnesses
        node.alertAfterSeconds = alertAfterSeconds
        // An exchange database (issue 24): the node takes what its business system writes there, and with
        // `deliverToExchangeDatabase` writes what it receives there too.
        node.exchangeDatabase = exchangeDatabase
        if deliverToExchangeDatabase { node.delivery = NodeConfiguration.Delivery(mode: .exchangeDatabase) }
        let config = try self.topology.write(node, to: "node-\(organisation).json")
        return self.processes.declare(
            organisation,
            port: port,
            arguments: ["node", "--config", config],
            log: self.file("node-\(organisation).log"),
            tls: node.serveTLS
        )
    }

    /// Declares a witness `name` of the hub service `hub` (issue 23): the hubs declared after this let it in. Returns
    /// the witness's public key file, for nodes and peers that require it.
    @discardableResult
    public func addWitness(_ name: String, of hub: String = "hub", organisation: String = LocalTopology.hubOrganisation) throws -> String {
        self.topology.witnesses[organisation, default: []].append(name)
        let port = LocalTopology.claimPort()
        // The hub's port is known once it is declared; a witness declared first reaches it through `hubPorts`.
        let hubURL = self.services[hub].map(\.url) ?? self.topology.hubURL(port: self.hubPorts[hub] ?? 0)
        let witness = try self.topology.witness(name, port: port, hubURL: hubURL, hubOrganisation: organisation)
        let config = try self.topology.write(witness, to: "witness-\(name).json")
        _ = self.processes.declare("witness-\(name)", port: port, arguments: ["witness", "--config", config], log: self.file("witness-\(name).log"))
        return witness.publicKeyFile.path
    }

    /// Ports claimed for hubs not declared yet (a witness declared before its hub).
    public var hubPorts: [String: Int] = [:]

    /// Declares a simulated business system of `organisation`; its node is added after it (it needs its port).
    @discardableResult
    public func addBusinessSystem(_ organisation: String, nodePort: Int, failFirst: Int = 0) throws -> Service {
        let port = LocalTopology.claimPort()
        let name = LocalTopology.businessSystem(organisation)
        return self.processes.declare(
            name,
            port: port,
            arguments: [
                "business-sim", "--org", organisation, "--port", String(port), "--data-dir", self.directory.appendingPathComponent(name).path,
                "--node", LocalTopology.url(port: nodePort, tls: false), "--api-key", self.topology.apiKey(for: organisation), "--fail-first",
                String(failFirst),
            ],
            log: self.file("\(name).log")
        )
    }

    /// A receiving organisation with a push-mode node and its business system, wired together, on the hub `hub`.
    public func addReceiver(_ organisation: String, failFirst: Int = 0, hub: String = "hub") throws {
        let nodePort = LocalTopology.claimPort()
        try self.addBusinessSystem(organisation, nodePort: nodePort, failFirst: failFirst)
        try self.addNode(organisation, port: nodePort, pushTo: LocalTopology.businessSystem(organisation), hub: hub)
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

    public func kill9(_ name: String) async { await self.processes.kill9(name) }
    public func stop(_ name: String, signal: Int32 = SIGTERM) async { await self.processes.stop(name, signal: signal) }
}
