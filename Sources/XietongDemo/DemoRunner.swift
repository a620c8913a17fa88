import AsyncHTTPClient
public import Foundation
import Hummingbird
public import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import UnixSignals
import XietongClient
public import XietongCore
import XietongHTTP
import XietongHub
import XietongLocal
import XietongNode
import XietongStore

/// `xietong demo`: a hub and five agency nodes (police, procuratorate, court, justice bureau, prison), each with a
/// simulated business system, on the embedded store in one process and on loopback; then the case of `DemoCase`
/// played through them, with every hop shown as it happens.
public struct DemoRunner: Sendable {
    public struct Options: Sendable {
        public var dataDirectory: URL
        public var dossierMegabytes = 6
        public var once = false
        public var output: @Sendable (String) -> Void = { print($0) }

        public init(dataDirectory: URL) {
            self.dataDirectory = dataDirectory
        }
    }

    public let options: Options
    let registry: OrganisationRegistry
    let catalog: FlowCatalog
    let logger: Logger
    let run = String(UUID().uuidString.prefix(8)).lowercased()

    public init(options: Options, registry: OrganisationRegistry, catalog: FlowCatalog, logger: Logger) {
        self.options = options
        self.registry = registry
        self.catalog = catalog
        self.logger = logger
    }

    struct Endpoints {
        var hub: Int
        var nodes: [String: Int]
        var businesses: [String: Int]
        var apiKey: [String: String]
        var adminToken: String
        /// The token `/metrics` answers (issue 22).
        var metricsToken = ""
        /// `https://…` (mutual TLS with the nodes, issue 6).
        var hubURL: String
        /// Trusts the demo's CA: for calls to the hub.
        var client: HTTPClient
        /// The web consoles' demo users (issue 7).
        var users: [ConsoleUser] = []
    }

    /// A demo user of a web console, as printed and written to `console.json`.
    public struct ConsoleUser: Sendable, Codable {
        public var console: String
        public var organisation: String
        public var role: String
        public var user: String
        public var password: String
    }

    /// The console users' names: the committee's, then one clerk per agency.
    static let clerkNames = [
        DemoCase.police: "ga-clerk", DemoCase.procuratorate: "jcy-clerk", DemoCase.court: "fy-clerk", DemoCase.justiceBureau: "sfj-clerk",
        DemoCase.prison: "jy-clerk",
    ]

    /// Runs the demo. Returns true when every package arrived intact.
    public func run() async throws -> Bool {
        // The exchange's configuration is the one a local topology decides (as for `LocalExchange`'s processes), with
        // secrets of this run's own; here its services run in this process.
        var topology = LocalTopology(directory: self.options.dataDirectory, randomSecrets: true)
        // The platform PKI (issue 6): a CA of the demo's own, the hub's and each node's certificate. Nodes and hub
        // then use mutual TLS, sign packages and receipts, and keep the evidence log's signed heads.
        try topology.enableTLS()
        topology.retryMaxSeconds = 2
        let hubPort = LocalTopology.claimPort()
        var endpoints = Endpoints(
            hub: hubPort,
            nodes: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, LocalTopology.claimPort()) }),
            businesses: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, LocalTopology.claimPort()) }),
            apiKey: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, topology.apiKey(for: $0)) }),
            adminToken: topology.adminToken,
            hubURL: topology.hubURL(port: hubPort),
            client: .shared
        )
        endpoints.metricsToken = topology.metricsToken
        // The web consoles' users (issue 7): the committee's supervisor and administrator, a clerk per agency.
        let password = { (who: String) in "demo-\(who)-\(UUID().uuidString.prefix(6).lowercased())" }
        topology.hubUsers = []
        for (user, role) in [("zfw-supervisor", Role.supervisor), ("zfw-admin", Role.administrator)] {
            let secret = password(user)
            topology.hubUsers.append(Credential(name: user, role: role, token: secret))
            endpoints.users.append(
                ConsoleUser(
                    console: "https://127.0.0.1:\(endpoints.hub)/console",
                    organisation: LocalTopology.hubOrganisation,
                    role: role.rawValue,
                    user: user,
                    password: secret
                )
            )
        }
        for organisation in DemoCase.organisations {
            let clerk = (user: Self.clerkNames[organisation]!, password: password(Self.clerkNames[organisation]!))
            topology.officers[organisation] = clerk
            endpoints.users.append(
                ConsoleUser(
                    console: "https://127.0.0.1:\(endpoints.nodes[organisation]!)/console",
                    organisation: organisation,
                    role: Role.officer.rawValue,
                    user: clerk.user,
                    password: clerk.password
                )
            )
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var hubConfiguration = try topology.hub(port: hubPort, nodes: DemoCase.organisations)
        hubConfiguration.treeHeadSeconds = 0.5
        var trust = TLSConfiguration.makeClientConfiguration()
        trust.trustRoots = .file(topology.pki!.appendingPathComponent("ca.crt").path)
        endpoints.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: trust))
        // The case's open limit (the procuratorate's 10-day protest window) is far off: remind well ahead, and check
        // often, so that the demo shows a reminder arriving.
        hubConfiguration.reminderDaysBefore = [15, 2, 0]
        hubConfiguration.reminderCheckSeconds = 1
        let (hub, _) = try await HubApplication.build(
            configuration: hubConfiguration,
            registry: self.registry,
            catalog: self.catalog,
            logger: self.logger
        )
        services.append(.init(service: hub))
        for organisation in DemoCase.organisations {
            var business = BusinessSystemSimulator.Configuration(
                organisation: organisation,
                dataDirectory: self.options.dataDirectory.appendingPathComponent("business-\(organisation)").path,
                nodeURL: "https://127.0.0.1:\(endpoints.nodes[organisation]!)",
                apiKey: endpoints.apiKey[organisation]!
            )
            business.port = endpoints.businesses[organisation]!
            services.append(.init(service: try await BusinessSystemSimulator.build(business, httpClient: endpoints.client, logger: self.logger).0))
            // Business systems and officers reach the node over TLS too.
            let node = try topology.node(
                organisation,
                port: endpoints.nodes[organisation]!,
                hubURL: endpoints.hubURL,
                businessPort: endpoints.businesses[organisation]!,
                serveTLS: true
            )
            services.append(
                .init(
                    service: try await NodeApplication.build(configuration: node, registry: self.registry, catalog: self.catalog, logger: self.logger)
                        .0
                )
            )
        }
        let outcome = Outcome()
        services.append(
            .init(
                service: Scenario(runner: self, endpoints: endpoints, outcome: outcome),
                successTerminationBehavior: self.options.once ? .gracefullyShutdownGroup : .ignore
            )
        )
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: self.logger)
        )
        do {
            try await group.run()
        } catch {
            try? await endpoints.client.shutdown()
            throw error
        }
        try? await endpoints.client.shutdown()
        return await outcome.intact
    }

    actor Outcome {
        var intact = false
        func set(_ value: Bool) { self.intact = value }
    }
}
