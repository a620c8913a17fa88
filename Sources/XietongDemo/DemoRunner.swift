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
import XietongWitness

/// `xietong demo`: two linked hubs (issue 23), as in a city whose hub is a sub-centre of the provincial platform: the
/// city's, serving the police, procuratorate, court and justice bureau, and the province's, serving the prison; five
/// agency nodes, each on its own platform's hub with a simulated business system; all on the embedded store in one
/// process and on loopback. Then the case of `DemoCase` played through them, with every hop shown as it happens, the
/// far hub's too when a package crosses the link.
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

    /// One of the demo's two hubs (issue 23): the city's, or the province's.
    struct HubSite {
        /// How the narration names it: `市级中心平台 city hub`.
        var label: String
        /// The committee it runs for, under which it records its own hops.
        var organisation: String
        var port: Int
        /// `https://…` (mutual TLS with its nodes and with the other hub, issue 6).
        var url: String
        /// Its platform's CA certificate, which issued its certificate and its agencies'.
        var ca: String
        /// The agencies whose nodes connect to it.
        var organisations: [String]
    }

    struct Endpoints {
        /// The city's hub, and the provincial hub it is linked to.
        var city: HubSite
        var province: HubSite
        var nodes: [String: Int]
        var businesses: [String: Int]
        var apiKey: [String: String]
        /// Both hubs' administrator token.
        var adminToken: String
        /// The token `/metrics` answers (issue 22).
        var metricsToken = ""
        /// Trusts both platforms' CAs: for calls to the hubs and to the nodes.
        var client: HTTPClient
        /// The web consoles' demo users (issue 7).
        var users: [ConsoleUser] = []
        /// The witness of the city hub's evidence log, run by the provincial committee (issue 23, SZ-3): its status
        /// page and its public key.
        var witnessURL = ""
        var witnessKey = ""

        var hubs: [HubSite] { [self.city, self.province] }

        /// The hub `organisation`'s node connects to.
        func hub(serving organisation: String) -> HubSite {
            self.province.organisations.contains(organisation) ? self.province : self.city
        }
    }

    /// A demo user of a web console, as printed and written to `console.json`.
    public struct ConsoleUser: Sendable, Codable {
        public var console: String
        public var organisation: String
        public var role: String
        public var user: String
        public var password: String
    }

    /// The node consoles' users: one clerk per agency.
    static let clerkNames = [
        DemoCase.police: "ga-clerk", DemoCase.procuratorate: "jcy-clerk", DemoCase.court: "fy-clerk", DemoCase.justiceBureau: "sfj-clerk",
        DemoCase.prison: "jy-clerk", DemoCase.detentionHouse: "kss-clerk",
    ]

    /// Each hub's committee users: the city's 政法委 (`zfw-…`) and the province's 省委政法委 (`sz-…`).
    static let committeeUsers = [
        LocalTopology.hubOrganisation: [("zfw-supervisor", Role.supervisor), ("zfw-admin", Role.administrator)],
        LocalTopology.provinceHubOrganisation: [("sz-supervisor", Role.supervisor), ("sz-admin", Role.administrator)],
    ]

    /// Runs the demo. Returns true when every package arrived intact.
    public func run() async throws -> Bool {
        // The exchange's configuration is the one a local topology decides (as for `LocalExchange`'s processes), with
        // secrets of this run's own; here its services run in this process.
        var topology = LocalTopology(directory: self.options.dataDirectory, randomSecrets: true)
        // Two platforms, each with a PKI of its own (issues 6 and 23): the city's CA issues the city hub's and the city
        // agencies' certificates, the province's the provincial hub's and the prison's. Nodes and hubs then use mutual
        // TLS, sign packages and receipts, and keep the evidence logs' signed heads; each platform trusts the other's
        // CA for the other's organisations only.
        try topology.enableTLS()
        try topology.enableProvinceTLS(province: DemoCase.provinceOrganisations, city: DemoCase.cityOrganisations)
        topology.retryMaxSeconds = 2
        let (cityPort, provincePort) = (LocalTopology.claimPort(), LocalTopology.claimPort())
        var endpoints = Endpoints(
            city: HubSite(
                label: "市级中心平台 city hub",
                organisation: LocalTopology.hubOrganisation,
                port: cityPort,
                url: topology.hubURL(port: cityPort),
                ca: topology.pki!.appendingPathComponent("ca.crt").path,
                organisations: DemoCase.cityOrganisations
            ),
            province: HubSite(
                label: "省级中心平台 provincial hub",
                organisation: LocalTopology.provinceHubOrganisation,
                port: provincePort,
                url: topology.hubURL(port: provincePort),
                ca: topology.provincePKI!.appendingPathComponent("ca.crt").path,
                organisations: DemoCase.provinceOrganisations
            ),
            nodes: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, LocalTopology.claimPort()) }),
            businesses: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, LocalTopology.claimPort()) }),
            apiKey: Dictionary(uniqueKeysWithValues: DemoCase.organisations.map { ($0, topology.apiKey(for: $0)) }),
            adminToken: topology.adminToken,
            client: .shared
        )
        endpoints.metricsToken = topology.metricsToken
        // The web consoles' users (issue 7): each committee's supervisor and administrator at its own hub, a clerk per
        // agency at its node.
        let password = { (who: String) in "demo-\(who)-\(UUID().uuidString.prefix(6).lowercased())" }
        var hubUsers: [String: [Credential]] = [:]
        for site in endpoints.hubs {
            for (user, role) in Self.committeeUsers[site.organisation] ?? [] {
                let secret = password(user)
                hubUsers[site.organisation, default: []].append(Credential(name: user, role: role, token: secret))
                endpoints.users.append(
                    ConsoleUser(console: "\(site.url)/console", organisation: site.organisation, role: role.rawValue, user: user, password: secret)
                )
            }
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
        var trust = TLSConfiguration.makeClientConfiguration()
        // Business systems reach each node, and the narration each hub, under that platform's CA: the client trusts both.
        trust.trustRoots = .certificates(
            try NIOSSLCertificate.fromPEMFile(endpoints.city.ca) + NIOSSLCertificate.fromPEMFile(endpoints.province.ca)
        )
        endpoints.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: trust))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // The provincial committee witnesses the city hub's evidence log (issue 23, SZ-3): the city hub lets it in.
        topology.witnesses[LocalTopology.hubOrganisation] = [LocalTopology.provinceHubOrganisation]
        let witnessPort = LocalTopology.claimPort()
        let witness = try topology.witness(
            LocalTopology.provinceHubOrganisation,
            port: witnessPort,
            hubURL: endpoints.city.url,
            hubOrganisation: LocalTopology.hubOrganisation
        )
        endpoints.witnessURL = "http://127.0.0.1:\(witnessPort)"
        endpoints.witnessKey = witness.publicKeyFile.path
        // Each hub names the other as its peer, serving the other's agencies, as `LocalExchange.addFederation` does.
        var city = try topology.hub(port: cityPort, nodes: DemoCase.cityOrganisations)
        city.peers = [
            topology.peer(
                "province",
                organisation: LocalTopology.provinceHubOrganisation,
                port: provincePort,
                organisations: DemoCase.provinceOrganisations,
                from: "city"
            )
        ]
        var province = try topology.hub(
            name: "hub-province",
            port: provincePort,
            nodes: DemoCase.provinceOrganisations,
            organisation: LocalTopology.provinceHubOrganisation
        )
        province.peers = [
            topology.peer(
                "city",
                organisation: LocalTopology.hubOrganisation,
                port: cityPort,
                organisations: DemoCase.cityOrganisations,
                from: "province"
            )
        ]
        for var hubConfiguration in [city, province] {
            // The committee's console users, and the witness the topology lets in.
            hubConfiguration.users = (hubUsers[hubConfiguration.organisation] ?? []) + hubConfiguration.users.filter { $0.role == .witness }
            hubConfiguration.treeHeadSeconds = 0.5
            // The case's open limit (the procuratorate's 10-day protest window) is far off: remind well ahead, and
            // check often, so that the demo shows a reminder arriving.
            hubConfiguration.reminderDaysBefore = [15, 2, 0]
            hubConfiguration.reminderCheckSeconds = 1
            let (hub, _) = try await HubApplication.build(
                configuration: hubConfiguration,
                registry: self.registry,
                catalog: self.catalog,
                logger: self.logger
            )
            services.append(.init(service: hub))
        }
        services.append(.init(service: try await WitnessApplication.build(configuration: witness, logger: self.logger).0))
        for organisation in DemoCase.organisations {
            var business = BusinessSystemSimulator.Configuration(
                organisation: organisation,
                dataDirectory: self.options.dataDirectory.appendingPathComponent("business-\(organisation)").path,
                nodeURL: "https://127.0.0.1:\(endpoints.nodes[organisation]!)",
                apiKey: endpoints.apiKey[organisation]!
            )
            business.port = endpoints.businesses[organisation]!
            services.append(.init(service: try await BusinessSystemSimulator.build(business, httpClient: endpoints.client, logger: self.logger).0))
            // Business systems and officers reach the node over TLS too, with a certificate of its platform's CA.
            let hub = endpoints.hub(serving: organisation)
            let node = try topology.node(
                organisation,
                port: endpoints.nodes[organisation]!,
                hubURL: hub.url,
                businessPort: endpoints.businesses[organisation]!,
                serveTLS: true,
                hubOrganisation: hub.organisation
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
