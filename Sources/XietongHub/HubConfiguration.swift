public import Foundation
public import XietongCore
public import XietongHTTP
public import XietongStore
public import XietongTrust

/// The hub's settings: a JSON file (`xietong.hub/1`), then environment variables over it.
///
/// ```json
/// { "format": "xietong.hub/1",
///   "listen": { "host": "127.0.0.1", "port": 8400 },
///   "dataDirectory": "hub-data",
///   "database": "postgres://xietong@db.example:5432/xietong",
///   "blobDirectory": "/srv/xietong/blobs",
///   "organisation": "330100000001",
///   "registry": "organisations.json",
///   "catalogOverride": null,
///   "nodes": [ { "organisation": "330106000101", "token": "…" } ],
///   "adminToken": "…",
///   "users": [ { "name": "政法委监督员", "role": "supervisor", "tokenSHA256": "…" } ],
///   "alertAfterSeconds": 300, "alertCheckSeconds": 10, "maxPackageAgeDays": 30 }
/// ```
///
/// `database` is optional: without it the hub keeps `hub.sqlite` in the data directory. Several instances share one
/// PostgreSQL database and one blob directory (a shared file system), see docs/deploy.md.
///
/// Environment: `XIETONG_HUB_HOST`, `XIETONG_HUB_PORT`, `XIETONG_DATA_DIR`, `XIETONG_DATABASE`, `XIETONG_BLOB_DIR`,
/// `XIETONG_ADMIN_TOKEN`, `XIETONG_SUPERVISOR_TOKEN`,
/// `XIETONG_ALERT_AFTER_SECONDS`, `XIETONG_REGISTRY`, `XIETONG_CATALOG_OVERRIDE`.
public struct HubConfiguration: Sendable, Codable {
    public typealias Listen = ListenAddress

    /// A node allowed to connect, and the token it authenticates with. Mutual TLS replaces tokens later; the node is
    /// identified by organisation either way.
    public struct NodeCredential: Sendable, Codable {
        public var organisation: String
        public var token: String

        public init(organisation: String, token: String) {
            self.organisation = organisation
            self.token = token
        }
    }

    /// A peer hub this hub links to (issue 23): a provincial hub for a city's, a city's for the province's, or a
    /// sibling. Packages for the organisations it serves are accepted and checked here, then handed to it over the
    /// link; it reads them from this hub's link feed for it, as a node reads its own feed, and this hub reads its.
    public struct PeerHub: Sendable, Codable, Hashable {
        /// The link's name in logs, metrics and the console: letters, digits and `-`.
        public var name: String
        /// The peer hub's organisation code (its committee's), named in its certificate and its hops.
        public var organisation: String
        /// Where this hub reaches the peer (`https://…` with mutual TLS).
        public var url: String
        /// The organisations the peer serves: its agencies, and those of hubs beyond it.
        public var organisations: [String]
        /// The token the peer presents to this hub (without TLS; at least 16 characters).
        public var token: String?
        /// The token this hub presents to the peer (its `token` for this hub there).
        public var tokenAtPeer: String?
        /// The peer platform's CA certificate, trusted for the peer hub and the organisations it serves only (a
        /// cross-trust by explicit configuration); its signed revocation list beside it.
        public var caCertificate: String?
        public var revocationList: String?
        /// The witnesses of the peer's evidence log (issue 23, SZ-3): with it, this hub keeps only the peer's heads that
        /// `required` of them countersigned.
        public var witnesses: WitnessRequirement?
        /// The peer's committee supervises this hub (issue 23): a provincial committee reads, over the link, the
        /// supervision metadata this hub keeps of its agencies' cases (the deadline board, counters, cases, custody,
        /// reminders, statistics and timelines), as this hub's supervisors do, never a package's content.
        public var supervises: Bool?

        public init(
            name: String,
            organisation: String,
            url: String,
            organisations: [String],
            token: String? = nil,
            tokenAtPeer: String? = nil,
            caCertificate: String? = nil,
            revocationList: String? = nil
        ) {
            self.name = name
            self.organisation = organisation
            self.url = url
            self.organisations = organisations
            self.token = token
            self.tokenAtPeer = tokenAtPeer
            self.caCertificate = caCertificate
            self.revocationList = revocationList
        }
    }

    public var format: String = "xietong.hub/1"
    public var listen = Listen(port: 8400)
    public var dataDirectory = "hub-data"
    /// `postgres://…` or `sqlite:PATH`; nil for `hub.sqlite` in the data directory.
    public var database: String?
    /// Where attachments are kept; nil for `blobs` in the data directory. Shared by all instances.
    public var blobDirectory: String?
    /// Whether attachments go between the network and the disk around the page cache (direct I/O, the default); where
    /// the file system refuses it they go through the page cache anyway.
    public var blobDirectIO = true
    /// The committee's organisation code; the hub records its own hops under it.
    public var organisation = "330100000001"
    public var registry: String?
    public var catalogOverride: String?
    /// A holiday calendar (`xietong.holidays/1`) adding years to the bundled one, or replacing its years, for counting
    /// time limits: a year's State Council notice is loaded without a rebuild (issue 20).
    public var calendar: String?
    /// The kinds of case filing report (`xietong.filing-reports/1`, issue 26) replacing the bundled ones: which cases
    /// this committee has agencies report, who reports each and how soon.
    public var filingReportKinds: String?
    /// Days before a time limit's last day on which its agency is reminded; 0 is the last day itself. An open duty
    /// is also reminded the day after it (overdue). Default: 2 days before and on the day.
    public var reminderDaysBefore: [Int] = [2, 0]
    public var reminderCheckSeconds = 60.0
    /// Hours before a remote arraignment booking's start at which both sides are reminded of it (issue 26); checked
    /// every `reminderCheckSeconds`. Default: a day.
    public var bookingReminderHours = 24
    /// How often the evidence log's head is signed and sent to the nodes, when it has grown (issue 6).
    public var treeHeadSeconds = 2.0
    public var nodes: [NodeCredential] = []
    public var adminToken: String?
    /// Supervisors and administrators, each with the SHA-256 of their token (`xietong token new`, issue 6).
    public var users: [Credential] = []
    /// Mutual TLS (issue 6): the hub's certificate and key from `xietong pki issue`, the platform CA and its
    /// revocation list. With it, nodes are known by their client certificates (not tokens) and every package must
    /// carry its sender's signature.
    public var tls: TLSFiles?
    /// A package not delivered within this time raises an alert (GZ-5). Default 5 minutes.
    public var alertAfterSeconds = 300.0
    public var alertCheckSeconds = 10.0
    /// Packages created longer ago are refused as expired (ZJ-7.2.6).
    public var maxPackageAgeDays = 30.0
    /// Free space kept on the disks of the data directory and the blob store, in MiB (issue 19): below it, new
    /// packages and uploads are refused with 507 `store.disk-full` while accepted work drains. 0 turns it off.
    public var freeSpaceReserveMB = 64.0
    /// The bearer token Prometheus reads `GET /metrics` with (issue 22); `XIETONG_METRICS_TOKEN` sets it too.
    public var metricsToken: String?
    /// The peer hubs this hub links to (issue 23).
    public var peers: [PeerHub] = []
    /// A link whose oldest package has waited longer than this raises the link alert (issue 23). Default 10 minutes.
    public var linkAlertAfterSeconds = 600.0

    public init() {}

    /// The `tls` section with each peer's CA added as a linked platform (issue 23), trusted for the peer hub and the
    /// organisations it serves only: its certificate on the link, its tree heads, its agencies' package signatures.
    public var tlsWithPeers: TLSFiles? {
        guard var tls = self.tls else { return nil }
        tls.platforms =
            (tls.platforms ?? [])
            + self.peers.compactMap { peer in
                peer.caCertificate.map {
                    TLSFiles.LinkedPlatform(
                        caCertificate: $0,
                        revocationList: peer.revocationList,
                        organisations: peer.organisations + [peer.organisation]
                    )
                }
            }
        return tls
    }

    /// Which hub serves which organisation: this one, or one of its peers.
    public var federation: Federation {
        Federation(peers: self.peers.map { Federation.Peer(name: $0.name, hub: $0.organisation, organisations: Set($0.organisations)) })
    }

    /// The keys a hub's configuration file may hold (typos are errors, issue 19).
    public static let shape = SettingsShape.keys(
        CodingKeys.self,
        [
            "listen": .fields("host", "port"), "nodes": .array(.fields("organisation", "token")),
            "users": .array(.fields("name", "role", "tokenSHA256")), "tls": TLSFiles.shape,
            "reminderDaysBefore": .array(.value),
            "peers": .array(
                .object([
                    "name": .value, "organisation": .value, "url": .value, "organisations": .value, "token": .value, "tokenAtPeer": .value,
                    "caCertificate": .value, "revocationList": .value, "witnesses": .fields("required", "publicKeys"), "supervises": .value,
                ])
            ),
        ]
    )

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, listen, dataDirectory, database, blobDirectory, blobDirectIO, organisation, registry, catalogOverride, calendar,
            filingReportKinds,
            reminderDaysBefore,
            reminderCheckSeconds, bookingReminderHours, treeHeadSeconds, nodes, adminToken, users, tls,
            alertAfterSeconds,
            alertCheckSeconds,
            maxPackageAgeDays,
            freeSpaceReserveMB, metricsToken, peers, linkAlertAfterSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = HubConfiguration()
        self.format = try c.decode(String.self, forKey: .format)
        self.listen = try c.decodeIfPresent(Listen.self, forKey: .listen) ?? defaults.listen
        self.dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? defaults.dataDirectory
        self.database = try c.decodeIfPresent(String.self, forKey: .database)
        self.blobDirectory = try c.decodeIfPresent(String.self, forKey: .blobDirectory)
        self.blobDirectIO = try c.decodeIfPresent(Bool.self, forKey: .blobDirectIO) ?? defaults.blobDirectIO
        self.organisation = try c.decodeIfPresent(String.self, forKey: .organisation) ?? defaults.organisation
        self.registry = try c.decodeIfPresent(String.self, forKey: .registry)
        self.catalogOverride = try c.decodeIfPresent(String.self, forKey: .catalogOverride)
        self.calendar = try c.decodeIfPresent(String.self, forKey: .calendar)
        self.filingReportKinds = try c.decodeIfPresent(String.self, forKey: .filingReportKinds)
        self.reminderDaysBefore = try c.decodeIfPresent([Int].self, forKey: .reminderDaysBefore) ?? defaults.reminderDaysBefore
        self.reminderCheckSeconds = try c.decodeIfPresent(Double.self, forKey: .reminderCheckSeconds) ?? defaults.reminderCheckSeconds
        self.bookingReminderHours = try c.decodeIfPresent(Int.self, forKey: .bookingReminderHours) ?? defaults.bookingReminderHours
        self.treeHeadSeconds = try c.decodeIfPresent(Double.self, forKey: .treeHeadSeconds) ?? defaults.treeHeadSeconds
        self.nodes = try c.decodeIfPresent([NodeCredential].self, forKey: .nodes) ?? []
        self.adminToken = try c.decodeIfPresent(String.self, forKey: .adminToken)
        self.users = try c.decodeIfPresent([Credential].self, forKey: .users) ?? []
        self.tls = try c.decodeIfPresent(TLSFiles.self, forKey: .tls)
        self.alertAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .alertAfterSeconds) ?? defaults.alertAfterSeconds
        self.alertCheckSeconds = try c.decodeIfPresent(Double.self, forKey: .alertCheckSeconds) ?? defaults.alertCheckSeconds
        self.maxPackageAgeDays = try c.decodeIfPresent(Double.self, forKey: .maxPackageAgeDays) ?? defaults.maxPackageAgeDays
        self.freeSpaceReserveMB = try c.decodeIfPresent(Double.self, forKey: .freeSpaceReserveMB) ?? defaults.freeSpaceReserveMB
        self.metricsToken = try c.decodeIfPresent(String.self, forKey: .metricsToken)
        self.peers = try c.decodeIfPresent([PeerHub].self, forKey: .peers) ?? []
        self.linkAlertAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .linkAlertAfterSeconds) ?? defaults.linkAlertAfterSeconds
    }

    /// Reads a configuration file (or starts from the defaults) and applies the environment.
    public static func load(
        file: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> HubConfiguration {
        var configuration = HubConfiguration()
        if let file {
            configuration = try DataFileDecoder.decode(HubConfiguration.self, contentsOf: URL(fileURLWithPath: file), shape: Self.shape)
            guard configuration.format == "xietong.hub/1" else {
                throw ConfigurationError(.format, file: file, path: "format", zh: "文件格式应为“xietong.hub/1”", en: "the format must be 'xietong.hub/1'")
            }
        }
        try configuration.applyEnvironment(environment)
        if let token = environment["XIETONG_ADMIN_TOKEN"] { configuration.adminToken = token }
        if let token = environment["XIETONG_SUPERVISOR_TOKEN"] {
            configuration.users.append(Credential(name: "supervisor", role: .supervisor, token: token))
        }
        if let seconds = environment["XIETONG_ALERT_AFTER_SECONDS"] {
            configuration.alertAfterSeconds = try ConfigurationError.number("XIETONG_ALERT_AFTER_SECONDS", seconds, allowsZero: false)
        }
        if let calendar = environment["XIETONG_CALENDAR"] { configuration.calendar = calendar }
        try configuration.check(file: file)
        return configuration
    }

    /// The database: `database`, or `hub.sqlite` in the data directory.
    public func databaseLocation(file: String? = nil) throws(ConfigurationError) -> DatabaseURL {
        try DatabaseURL.resolve(self.database, dataDirectory: self.dataDirectory, defaultFile: "hub.sqlite", file: file)
    }

    /// The kinds of filing report: the `filingReportKinds` file's, else the bundled ones.
    public func filingReportCatalog() throws(ConfigurationError) -> FilingReportKinds {
        guard let file = self.filingReportKinds else { return try FilingReportKinds.bundled() }
        return try FilingReportKinds.load(URL(fileURLWithPath: file))
    }

    /// The holiday calendar: the bundled one, with the years of the `calendar` file added (a year in both is the
    /// file's).
    public func legalCalendar() throws(ConfigurationError) -> LegalCalendar {
        let bundled = try LegalCalendar.bundled()
        guard let calendar = self.calendar else { return bundled }
        let file = try LegalCalendar.load(URL(fileURLWithPath: calendar))
        if let problem = file.problems(file: calendar).first { throw problem }
        return bundled.merging(file)
    }

    func check(file: String?) throws(ConfigurationError) {
        try self.checkShared(file: file)
        try self.checkFiles(self.tls?.settings ?? [], file: file)
        _ = try self.databaseLocation(file: file)
        _ = try self.legalCalendar()
        if let wrong = self.reminderDaysBefore.firstIndex(where: { !(0...366).contains($0) }) {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "reminderDaysBefore[\(wrong)]",
                zh: "提醒天数应在 0 到 366 之间",
                en: "reminder days must be between 0 and 366"
            )
        }
        guard (1...168).contains(self.bookingReminderHours) else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "bookingReminderHours",
                zh: "提审预约提醒时数应在 1 到 168 之间",
                en: "bookingReminderHours must be between 1 and 168"
            )
        }
        var tokens: Set<String> = []
        for (index, node) in self.nodes.enumerated() {
            guard node.organisation.count == 12, node.organisation.allSatisfy(\.isNumber) else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "nodes[\(index)].organisation",
                    zh: "组织机构代码应为 12 位数字",
                    en: "the organisation code must be 12 digits"
                )
            }
            guard self.tls != nil || node.token.count >= 16 else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "nodes[\(index)].token",
                    zh: "令牌至少 16 个字符",
                    en: "a token must have at least 16 characters"
                )
            }
            guard self.tls != nil || tokens.insert(node.token).inserted else {
                throw ConfigurationError(.duplicate, file: file, path: "nodes[\(index)].token", zh: "令牌重复", en: "the token is used twice")
            }
        }
        try self.checkPeers(file: file, tokens: &tokens)
        var names: Set<String> = []
        for (index, user) in self.users.enumerated() {
            guard [.supervisor, .administrator, .monitor, .witness].contains(user.role) else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "users[\(index)].role",
                    zh: "用户角色应为 supervisor、administrator、monitor 或 witness",
                    en: "a user's role must be supervisor, administrator, monitor or witness"
                )
            }
            guard CredentialSet.isHash(user.tokenSHA256) else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "users[\(index)].tokenSHA256",
                    zh: "应为令牌的 SHA-256（64 位十六进制），可用 xietong token new 生成",
                    en: "must be the token's SHA-256 (64 hex digits); `xietong token new` makes one"
                )
            }
            guard names.insert(user.name).inserted else {
                throw ConfigurationError(.duplicate, file: file, path: "users[\(index)].name", zh: "用户名重复", en: "the user name is used twice")
            }
        }
    }

    /// The peers' names, codes, addresses, organisations, tokens and CA files (issue 23): a mistake here would send
    /// an agency's packages to the wrong platform or open the link to anyone, so each is checked and named.
    func checkPeers(file: String?, tokens: inout Set<String>) throws(ConfigurationError) {
        var names: Set<String> = []
        var served = Set(self.nodes.map(\.organisation))
        for (index, peer) in self.peers.enumerated() {
            let path = "peers[\(index)]"
            func wrong(_ field: String, _ zh: String, _ en: String) -> ConfigurationError {
                ConfigurationError(.invalidValue, file: file, path: "\(path).\(field)", zh: zh, en: en)
            }
            guard !peer.name.isEmpty, peer.name.count <= 40, peer.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw wrong("name", "链路名称应为 1 至 40 个字母、数字或“-”", "a link's name must be 1 to 40 letters, digits or '-'")
            }
            guard names.insert(peer.name).inserted else {
                throw ConfigurationError(.duplicate, file: file, path: "\(path).name", zh: "链路名称重复", en: "the link's name is used twice")
            }
            guard Self.isOrganisationCode(peer.organisation), peer.organisation != self.organisation else {
                throw wrong(
                    "organisation",
                    "对端中心平台的组织机构代码应为 12 位数字，且不同于本平台",
                    "the peer hub's organisation code must be 12 digits, and not this hub's"
                )
            }
            guard let url = URL(string: peer.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw wrong("url", "对端中心平台地址应为 http(s)://主机:端口", "the peer hub's address must be http(s)://host:port")
            }
            guard self.tls == nil || url.scheme == "https" else {
                throw wrong("url", "启用双向 TLS 时，对端地址须为 https://", "with mutual TLS the peer's address must be https://")
            }
            guard !self.nodes.contains(where: { $0.organisation == peer.organisation }),
                !self.peers.contains(where: { $0.organisations.contains(peer.organisation) })
            else {
                throw wrong(
                    "organisation",
                    "对端中心平台的代码不能同时是本平台节点或某一对端所服务的机构",
                    "the peer hub's code cannot also be a node of this hub or an organisation a peer serves"
                )
            }
            guard !peer.organisations.isEmpty else {
                throw wrong("organisations", "须列出对端服务的机构", "list the organisations the peer serves")
            }
            for (position, organisation) in peer.organisations.enumerated() {
                guard Self.isOrganisationCode(organisation), organisation != self.organisation else {
                    throw wrong("organisations[\(position)]", "组织机构代码应为 12 位数字", "the organisation code must be 12 digits")
                }
                guard served.insert(organisation).inserted else {
                    throw ConfigurationError(
                        .duplicate,
                        file: file,
                        path: "\(path).organisations[\(position)]",
                        zh: "机构 \(organisation) 已由本平台的节点或另一对端服务",
                        en: "the organisation \(organisation) is already served by a node of this hub or by another peer"
                    )
                }
            }
            if self.tls == nil {
                for (field, token) in [("token", peer.token), ("tokenAtPeer", peer.tokenAtPeer)] {
                    guard let token, token.count >= 16 else {
                        throw wrong(field, "未启用 TLS 时须配置至少 16 个字符的链路令牌", "without TLS the link needs a token of at least 16 characters")
                    }
                    guard field == "tokenAtPeer" || tokens.insert(token).inserted else {
                        throw ConfigurationError(.duplicate, file: file, path: "\(path).\(field)", zh: "令牌重复", en: "the token is used twice")
                    }
                }
            } else if peer.caCertificate == nil {
                throw wrong("caCertificate", "启用双向 TLS 时须配置对端平台的 CA 证书", "with mutual TLS the peer platform's CA certificate is required")
            }
            try self.checkFiles(
                [peer.caCertificate.map { ($0, "\(path).caCertificate") }, peer.revocationList.map { ($0, "\(path).revocationList") }].compactMap {
                    $0
                },
                file: file
            )
            try peer.witnesses?.check(file: file, path: "\(path).witnesses")
        }
    }

    static func isOrganisationCode(_ code: String) -> Bool { code.count == 12 && code.allSatisfy(\.isNumber) }

    /// Supervisors and administrators: `users`, and `adminToken` as the administrator `admin`.
    public var credentials: CredentialSet {
        // Monitoring users read `/metrics` only (`scrapers`): they are nobody to the API and the console.
        CredentialSet(
            self.users.filter { $0.role != .monitor } + (self.adminToken.map { [Credential(name: "admin", role: .administrator, token: $0)] } ?? [])
        )
    }
}

extension HubConfiguration: ServiceSettings {
    public static let environmentRole = "HUB"
}
