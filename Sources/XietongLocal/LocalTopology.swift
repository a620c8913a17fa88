public import Foundation
import XietongCore
public import XietongHTTP
public import XietongHub
public import XietongNode
public import XietongTrust
public import XietongWitness

/// An exchange on this machine, decided once: a hub and agency nodes on loopback ports, in one folder, with their
/// secrets (each node's hub token, each business system's API key, each node's officer), their TLS files from a CA
/// in the folder, their free-space reserve and retry settings. Its methods return the typed configurations the
/// services load; `LocalExchange` writes them to files and runs them as processes, the demo runs them in-process.
public struct LocalTopology: Sendable {
    /// A web console's user and password.
    public typealias Officer = (user: String, password: String)

    /// The committee's organisation code, under which the hub records its own hops and is issued its certificate.
    public static let hubOrganisation = "330100000001"
    /// The provincial committee's code: the second hub of a federated exchange (issue 23), the city's peer.
    public static let provinceHubOrganisation = "330000000001"

    /// Where each service keeps its data, its configuration file and its log, and the CA (`pki`).
    public let directory: URL
    /// Nil: the fixed secrets of the tests (`node-token-ORG-test`, `api-key-ORG`, `clerk-ORG`/`officer-ORG`), the
    /// same in every run. Otherwise each secret is derived from this seed, unguessable without it.
    let seed: String?
    public let adminToken: String
    /// The committee's supervisor (issue 6): the hub keeps only its SHA-256.
    public let supervisorToken: String
    /// The hub's console users; by default the supervisor `监督员` with `supervisorToken`.
    public var hubUsers: [Credential]
    /// Officers by organisation, where they are not `officer(for:)`'s default.
    public var officers: [String: Officer] = [:]
    /// Free space kept on each service's disks, in MiB; nil for the services' default.
    public var freeSpaceReserveMB: Double?
    /// How soon a node retries the hub or its business system, and how long it waits at most.
    public var retryBaseSeconds = 0.05
    public var retryMaxSeconds = 1.0
    /// The platform CA's directory once `enableTLS()` made or opened it: the hub and every node then use mutual TLS
    /// and sign packages (issue 6).
    public private(set) var pki: URL?
    /// A second platform's CA (issue 23), `directory/pki-province`, once `enableProvinceTLS` made it: the province's hub
    /// and agencies have certificates from it, and each platform trusts the other's CA for the other's organisations.
    public private(set) var provincePKI: URL?
    var provinceOrganisations: Set<String> = []
    var cityOrganisations: Set<String> = []

    /// `random` secrets for an exchange people use (the demo); fixed ones, readable in logs, for the tests.
    public init(directory: URL, randomSecrets: Bool = false) {
        self.directory = directory
        self.seed = randomSecrets ? Credential.newToken() : nil
        self.adminToken = randomSecrets ? "admin-\(UUID().uuidString)" : "admin-token-\(UUID().uuidString.prefix(8))"
        self.supervisorToken = randomSecrets ? "supervisor-\(UUID().uuidString)" : "supervisor-token-\(UUID().uuidString.prefix(8))"
        self.hubUsers = [Credential(name: "监督员", role: .supervisor, token: self.supervisorToken)]
    }

    // MARK: Decisions

    /// A free loopback port, never handed out twice in this process.
    public static func claimPort() -> Int { LocalProcesses.freePort() }

    /// Where a service listens: loopback, on `port`.
    public static func listen(_ port: Int) -> ListenAddress { ListenAddress(host: "127.0.0.1", port: port) }

    /// A service's URL on loopback: `https` when it serves TLS.
    public static func url(port: Int, tls: Bool) -> String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    /// A hub's or node's URL: `https` once TLS is enabled.
    public func hubURL(port: Int) -> String { Self.url(port: port, tls: self.pki != nil) }

    /// A secret of this topology: `fixed` without a seed, else derived from the seed.
    func secret(_ prefix: String, _ purpose: String, fixed: String) -> String {
        guard let seed = self.seed else { return fixed }
        return "\(prefix)-\(Credential.hash("\(seed)/\(purpose)").prefix(32))"
    }

    /// The token a node authenticates to the hub with (without TLS).
    public func hubToken(for organisation: String) -> String {
        self.secret("node-\(organisation)", "hub/\(organisation)", fixed: "node-token-\(organisation)-test")
    }

    /// The token the hub `from` presents to its peer hub `to` over their link (issue 23), without TLS.
    public func linkToken(from: String, to: String) -> String {
        self.secret("link-\(from)-\(to)", "link/\(from)/\(to)", fixed: "link-token-\(from)-\(to)-test")
    }

    /// The link from the hub `local` to its peer hub `name` (issue 23), serving `organisations`, reached on `port`
    /// (whose scheme follows TLS), with the two tokens of the link.
    public func peer(
        _ name: String,
        organisation: String,
        port: Int,
        organisations: [String],
        from local: String
    ) -> HubConfiguration.PeerHub {
        HubConfiguration.PeerHub(
            name: name,
            organisation: organisation,
            url: self.hubURL(port: port),
            organisations: organisations,
            token: self.pki == nil ? self.linkToken(from: name, to: local) : nil,
            tokenAtPeer: self.pki == nil ? self.linkToken(from: local, to: name) : nil,
            caCertificate: self.pki(for: organisation)?.appendingPathComponent("ca.crt").path,
            revocationList: self.pki(for: organisation)?.appendingPathComponent("revoked.json").path
        )
    }

    /// The token a witness reads a hub's evidence log and hands in its countersignatures with (issue 23).
    public func witnessToken(for witness: String) -> String {
        self.secret("witness-\(witness)", "witness/\(witness)", fixed: "witness-token-\(witness)-test")
    }

    /// The witness `name` (its data in `directory/witness-NAME`) of the hub at `hubURL` run by `organisation`, on
    /// `port`; its key is made now, so that nodes and hubs configured after this can name its public key
    /// (`WitnessConfiguration.publicKeyFile`).
    public func witness(_ name: String, port: Int, hubURL: String, hubOrganisation: String = Self.hubOrganisation) throws -> WitnessConfiguration {
        var witness = WitnessConfiguration(
            name: name,
            hub: WitnessConfiguration.Hub(
                url: hubURL,
                organisation: hubOrganisation,
                token: self.witnessToken(for: name),
                caCertificate: self.pki(for: hubOrganisation)?.appendingPathComponent("ca.crt").path
            )
        )
        witness.listen = Self.listen(port)
        witness.dataDirectory = self.directory.appendingPathComponent("witness-\(name)").path
        witness.intervalSeconds = 0.5
        let signer = try HubSigner(keyFile: witness.keyFile)
        if let publicKey = signer.publicKey { try Data(publicKey.utf8).write(to: witness.publicKeyFile, options: .atomic) }
        return witness
    }

    /// The witnesses of each hub (by organisation) the topology's hubs let in: a user of role `witness` each.
    public var witnesses: [String: [String]] = [:]

    /// The token Prometheus reads every service's `/metrics` with (issue 22).
    public var metricsToken: String { self.secret("metrics", "metrics", fixed: "metrics-token-test") }

    /// The API key of an organisation's business system.
    public func apiKey(for organisation: String) -> String {
        self.secret("key-\(organisation)", "business/\(organisation)", fixed: Self.fixedAPIKey(organisation))
    }

    /// The API key of a business system in the tests' topologies (without random secrets).
    public static func fixedAPIKey(_ organisation: String) -> String { "api-key-\(organisation)" }

    /// The node console's officer in the tests' topologies (without random secrets).
    public static func fixedOfficer(_ organisation: String) -> Officer { ("clerk-\(organisation)", "officer-\(organisation)") }

    /// The officer of an organisation's node console.
    public func officer(for organisation: String) -> Officer {
        self.officers[organisation]
            ?? (
                Self.fixedOfficer(organisation).user,
                self.secret("officer-\(organisation)", "officer/\(organisation)", fixed: Self.fixedOfficer(organisation).password)
            )
    }

    /// The name a business system has at its node.
    public static func businessSystem(_ organisation: String) -> String { "business-\(organisation)" }

    /// Opens the CA in `directory/pki` (making it the first time) and issues the hub's certificate: the hub and the
    /// nodes configured after this use mutual TLS.
    public mutating func enableTLS() throws {
        let directory = self.directory.appendingPathComponent("pki")
        let authority =
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca.crt").path)
            ? try CertificateAuthority.open(directory) : try CertificateAuthority.create(in: directory, platform: "杭州市委政法委 Hangzhou city")
        self.pki = directory
        if !FileManager.default.fileExists(atPath: TLSFiles.issued(by: directory, to: Self.hubOrganisation).certificate) {
            try authority.issue(organisation: Self.hubOrganisation)
        }
    }

    /// Makes the province's own CA (issue 23) after `enableTLS()`: its hub and the `province` organisations get their
    /// certificates from it; the `city` ones and the committee's hub keep the first CA's.
    public mutating func enableProvinceTLS(province: [String], city: [String]) throws {
        let directory = self.directory.appendingPathComponent("pki-province")
        let authority =
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca.crt").path)
            ? try CertificateAuthority.open(directory) : try CertificateAuthority.create(in: directory, platform: "浙江省委政法委 Zhejiang province")
        self.provincePKI = directory
        self.provinceOrganisations = Set(province + [Self.provinceHubOrganisation])
        self.cityOrganisations = Set(city + [Self.hubOrganisation])
        if !FileManager.default.fileExists(atPath: TLSFiles.issued(by: directory, to: Self.provinceHubOrganisation).certificate) {
            try authority.issue(organisation: Self.provinceHubOrganisation)
        }
    }

    /// The CA directory that issues `organisation`'s certificate.
    func pki(for organisation: String) -> URL? {
        self.provinceOrganisations.contains(organisation) ? self.provincePKI : self.pki
    }

    /// An organisation's TLS files once TLS is enabled, its certificate issued first if needed; with a second
    /// platform, the other platform's CA as a linked one, for its agencies' signatures.
    public func tls(for organisation: String) throws -> TLSFiles? {
        guard let pki = self.pki(for: organisation) else { return nil }
        var files = TLSFiles.issued(by: pki, to: organisation)
        if !FileManager.default.fileExists(atPath: files.certificate) {
            try CertificateAuthority.open(pki).issue(organisation: organisation)
        }
        if let provincePKI = self.provincePKI, let cityPKI = self.pki {
            let province = self.provinceOrganisations.contains(organisation)
            let other = province ? cityPKI : provincePKI
            files.platforms = [
                TLSFiles.LinkedPlatform(
                    caCertificate: other.appendingPathComponent("ca.crt").path,
                    revocationList: other.appendingPathComponent("revoked.json").path,
                    organisations: (province ? self.cityOrganisations : self.provinceOrganisations).sorted()
                )
            ]
        }
        return files
    }

    // MARK: Configurations

    /// The hub `name` (its data in `directory/name`) on `port`, knowing `nodes`; the committee's unless another
    /// `organisation` is given (a peer hub's, issue 23).
    public func hub(name: String = "hub", port: Int, nodes: [String], organisation: String = Self.hubOrganisation) throws -> HubConfiguration {
        var hub = HubConfiguration()
        hub.organisation = organisation
        hub.listen = Self.listen(port)
        hub.dataDirectory = self.directory.appendingPathComponent(name).path
        hub.nodes = nodes.map { HubConfiguration.NodeCredential(organisation: $0, token: self.hubToken(for: $0)) }
        hub.adminToken = self.adminToken
        hub.users =
            self.hubUsers
            + (self.witnesses[organisation] ?? []).map { Credential(name: $0, role: .witness, token: self.witnessToken(for: $0)) }
        hub.metricsToken = self.metricsToken
        hub.tls = try self.tls(for: organisation)
        // A hub trusts its peers' CAs through `peers` (issue 23), not as a node does.
        hub.tls?.platforms = nil
        if let reserve = self.freeSpaceReserveMB { hub.freeSpaceReserveMB = reserve }
        return hub
    }

    /// An organisation's node (its data in `directory/node-ORG`) on `port`, reaching the hub at `hubURL`, with its
    /// business system's key and its officer; with `businessPort`, it pushes to that business system's `/receive`,
    /// else the business system pulls. `serveTLS` serves the business systems over TLS too, once TLS is enabled.
    public func node(
        _ organisation: String,
        port: Int,
        hubURL: String,
        businessPort: Int? = nil,
        serveTLS: Bool = false,
        hubOrganisation: String = Self.hubOrganisation
    ) throws -> NodeConfiguration {
        var node = NodeConfiguration(organisation: organisation)
        node.listen = Self.listen(port)
        node.dataDirectory = self.directory.appendingPathComponent("node-\(organisation)").path
        node.hub = NodeConfiguration.Hub(url: hubURL, token: self.hubToken(for: organisation), organisation: hubOrganisation)
        node.businessSystems = [Credential(name: Self.businessSystem(organisation), role: .businessSystem, token: self.apiKey(for: organisation))]
        let officer = self.officer(for: organisation)
        node.users = [Credential(name: officer.user, role: .officer, token: officer.password)]
        node.delivery =
            businessPort.map { NodeConfiguration.Delivery(mode: .push, url: "\(Self.url(port: $0, tls: false))/receive") }
            ?? NodeConfiguration.Delivery(mode: .pull)
        node.tls = try self.tls(for: organisation)
        node.serveTLS = serveTLS && node.tls != nil
        node.metricsToken = self.metricsToken
        node.retryBaseSeconds = self.retryBaseSeconds
        node.retryMaxSeconds = self.retryMaxSeconds
        if let reserve = self.freeSpaceReserveMB { node.freeSpaceReserveMB = reserve }
        return node
    }

    // MARK: Files

    /// Writes a configuration as the file `xietong hub --config` or `xietong node --config` loads (`HubConfiguration`
    /// and `NodeConfiguration` encode to the keys they decode): `directory/name`, returning its path.
    @discardableResult
    public func write(_ configuration: some Encodable, to name: String) throws -> String {
        let url = self.directory.appendingPathComponent(name)
        try CanonicalJSON.pretty(configuration).write(to: url)
        return url.path
    }
}
