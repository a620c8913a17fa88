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
import XietongTrust

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
        var hubToken: [String: String]
        var apiKey: [String: String]
        var adminToken: String
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
        var endpoints = Endpoints(
            hub: LocalProcesses.freePort(),
            nodes: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, LocalProcesses.freePort()) }),
            businesses: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, LocalProcesses.freePort()) }),
            hubToken: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, "node-\($0)-\(UUID().uuidString)") }),
            apiKey: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, "key-\($0)-\(UUID().uuidString.prefix(8))") }),
            adminToken: "admin-\(UUID().uuidString)",
            hubURL: "",
            client: .shared
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var hubConfiguration = HubConfiguration()
        hubConfiguration.listen = .init(host: "127.0.0.1", port: endpoints.hub)
        hubConfiguration.dataDirectory = self.options.dataDirectory.appendingPathComponent("hub").path
        hubConfiguration.nodes = DemoCase.organisations.map { .init(organisation: $0, token: endpoints.hubToken[$0]!) }
        hubConfiguration.adminToken = endpoints.adminToken
        // The platform PKI (issue 6): a CA of the demo's own, the hub's and each node's certificate. Nodes and hub
        // then use mutual TLS, sign packages and receipts, and keep the evidence log's signed heads.
        let pki = self.options.dataDirectory.appendingPathComponent("pki")
        let authority =
            FileManager.default.fileExists(atPath: pki.appendingPathComponent("ca.crt").path)
            ? try CertificateAuthority.open(pki) : try CertificateAuthority.create(in: pki)
        for organisation in [hubConfiguration.organisation] + DemoCase.organisations
        where !FileManager.default.fileExists(atPath: TLSFiles.issued(by: pki, to: organisation).certificate) {
            try authority.issue(organisation: organisation)
        }
        hubConfiguration.tls = TLSFiles.issued(by: pki, to: hubConfiguration.organisation)
        // The web consoles' users (issue 7): the committee's supervisor and administrator, a clerk per agency.
        let password = { (who: String) in "demo-\(who)-\(UUID().uuidString.prefix(6).lowercased())" }
        for (user, role) in [("zfw-supervisor", Role.supervisor), ("zfw-admin", Role.administrator)] {
            let secret = password(user)
            hubConfiguration.users.append(Credential(name: user, role: role, token: secret))
            endpoints.users.append(
                ConsoleUser(
                    console: "https://127.0.0.1:\(endpoints.hub)/console",
                    organisation: hubConfiguration.organisation,
                    role: role.rawValue,
                    user: user,
                    password: secret
                )
            )
        }
        for organisation in DemoCase.organisations {
            let user = Self.clerkNames[organisation]!
            endpoints.users.append(
                ConsoleUser(
                    console: "https://127.0.0.1:\(endpoints.nodes[organisation]!)/console",
                    organisation: organisation,
                    role: Role.officer.rawValue,
                    user: user,
                    password: password(user)
                )
            )
        }
        hubConfiguration.treeHeadSeconds = 0.5
        var trust = TLSConfiguration.makeClientConfiguration()
        trust.trustRoots = .file(pki.appendingPathComponent("ca.crt").path)
        endpoints.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: trust))
        endpoints.hubURL = "https://127.0.0.1:\(endpoints.hub)"
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
            var node = NodeConfiguration(organisation: organisation)
            node.listen = .init(host: "127.0.0.1", port: endpoints.nodes[organisation]!)
            node.dataDirectory = self.options.dataDirectory.appendingPathComponent("node-\(organisation)").path
            node.hub = .init(url: endpoints.hubURL, token: endpoints.hubToken[organisation]!)
            node.tls = TLSFiles.issued(by: pki, to: organisation)
            // Business systems and officers reach the node over TLS too.
            node.serveTLS = true
            node.users = endpoints.users.filter { $0.organisation == organisation }.map {
                Credential(name: $0.user, role: .officer, token: $0.password)
            }
            node.businessSystems = [Credential(name: "business-\(organisation)", role: .businessSystem, token: endpoints.apiKey[organisation]!)]
            node.delivery = .init(mode: .push, url: "http://127.0.0.1:\(endpoints.businesses[organisation]!)/receive")
            node.retryBaseSeconds = 0.05
            node.retryMaxSeconds = 2
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
