public import Foundation
public import XietongCore
public import XietongHTTP
public import XietongStore
public import XietongTrust

/// An agency node's settings: a JSON file (`xietong.node/1`), then environment variables over it.
///
/// ```json
/// { "format": "xietong.node/1",
///   "organisation": "330106000101",
///   "listen": { "host": "127.0.0.1", "port": 8410 },
///   "dataDirectory": "node-data",
///   "hub": { "url": "http://127.0.0.1:8400", "token": "…" },
///   "businessSystems": [ { "name": "检察业务应用系统", "role": "businessSystem", "tokenSHA256": "…" } ],
///   "delivery": { "mode": "push", "url": "http://127.0.0.1:9000/receive" },
///   "lanes": 2, "deliveryLanes": 32, "retryBaseSeconds": 0.2, "retryMaxSeconds": 30, "alertAfterSeconds": 300 }
/// ```
///
/// Environment: `XIETONG_NODE_HOST`, `XIETONG_NODE_PORT`, `XIETONG_DATA_DIR`, `XIETONG_HUB_URL`,
/// `XIETONG_HUB_TOKEN`, `XIETONG_DELIVERY_URL`, `XIETONG_REGISTRY`, `XIETONG_CATALOG_OVERRIDE`.
public struct NodeConfiguration: Sendable, Codable {
    public typealias Listen = ListenAddress

    public struct Hub: Sendable, Codable {
        public var url: String
        public var token: String
        /// The committee's organisation code: the hub's certificate must name it (tree heads, issue 6).
        public var organisation: String

        public init(url: String, token: String, organisation: String = "330100000001") {
            self.url = url
            self.token = token
            self.organisation = organisation
        }

        enum CodingKeys: String, CodingKey { case url, token, organisation }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.url = try c.decode(String.self, forKey: .url)
            self.token = try c.decodeIfPresent(String.self, forKey: .token) ?? ""
            self.organisation = try c.decodeIfPresent(String.self, forKey: .organisation) ?? "330100000001"
        }
    }

    /// How incoming packages reach the business system (ZJ-7.1.3.2, ZJ-7.2.3 c).
    public struct Delivery: Sendable, Codable {
        public enum Mode: String, Sendable, Codable, CaseIterable {
            /// The node POSTs each package to `url` and retries until it answers 2xx.
            case push
            /// The business system lists, downloads and acknowledges packages itself.
            case pull
            /// The node writes each package into the exchange database's inbound tables (issue 24).
            case exchangeDatabase

            public init(from decoder: any Decoder) throws {
                self = try ConfigurationError.choice(Mode.self, from: decoder)
            }
        }

        public var mode: Mode
        public var url: String?

        public init(mode: Mode, url: String? = nil) {
            self.mode = mode
            self.url = url
        }
    }

    public var format = "xietong.node/1"
    public var organisation = ""
    public var listen = Listen(port: 8410)
    public var dataDirectory = "node-data"
    /// `postgres://…` (a large agency) or `sqlite:PATH`; nil for `node.sqlite` in the data directory.
    public var database: String?
    /// Where attachments are kept; nil for `blobs` in the data directory.
    public var blobDirectory: String?
    /// Whether attachments go between the network and the disk around the page cache (direct I/O, the default); where
    /// the file system refuses it they go through the page cache anyway.
    public var blobDirectIO = true
    public var hub = Hub(url: "http://127.0.0.1:8400", token: "")
    /// The business systems that may call the node, each with the SHA-256 of its key (`xietong token new`), which
    /// it sends as `Authorization: Bearer …` (issue 6). Reads are logged under the system's name.
    public var businessSystems: [Credential] = []
    /// Plain keys, for development: each acts as a business system named `apiKeys[N]`. With neither these nor
    /// `businessSystems`, no key is required (development only).
    public var apiKeys: [String] = []
    /// Mutual TLS with the hub and signed packages (issue 6): the node's certificate and key from `xietong pki
    /// issue`, the platform CA and its revocation list. The hub's URL is then `https://…`.
    public var tls: TLSFiles?
    /// The agency's officers who log in to the node's web console, each with the SHA-256 of their token (role
    /// `officer`).
    public var users: [Credential] = []
    /// Serve the business systems' API over TLS too, with the same certificate (they trust the platform CA).
    public var serveTLS = false
    public var delivery = Delivery(mode: .pull)
    /// Parallel lanes to the hub; a case always uses the same lane, so its messages stay in order. Each lane sends
    /// the packages at its head in one request (up to 32), so fewer lanes carry more per request, and the hub does
    /// less per package. On the benchmark's machine 4 lanes kept the throughput of 16 and halved p99 at 500
    /// packages/s, and 2 kept the throughput of 4 and cut p99 by a further quarter (1 lane lost a tenth of the
    /// throughput; docs/performance.md). The cost: a case's attachment is uploaded to the hub in its lane, so a large
    /// dossier holds up the other cases of its lane (half of them with 2 lanes) while it uploads. Agencies that send
    /// large dossiers often should set more lanes.
    public var lanes = 2
    /// Parallel deliveries to the business system in push mode; a case's packages are always pushed by the same
    /// worker, in order. Each delivery waits for the business system's durable commit and then the node's own, so
    /// the lanes, not the CPU, had capped the receiving side: 8 lanes gave 887–976 packages/s in the benchmark, 32
    /// gave 1,027–1,320 with less CPU per package, their commits shared (docs/performance.md, 2026-11-21). The node
    /// keeps one connection per lane to the business system.
    public var deliveryLanes = 32
    public var retryBaseSeconds = 0.2
    public var retryMaxSeconds = 30.0
    /// A package the hub has not confirmed within this time raises an alert at the sender (GZ-5). Default 5 minutes.
    public var alertAfterSeconds = 300.0
    public var registry: String?
    public var catalogOverride: String?
    /// Free space kept on the disks of the data directory and the blob store, in MiB (issue 19): below it, new
    /// packages and uploads are refused with 507 `store.disk-full` while accepted work drains. 0 turns it off.
    public var freeSpaceReserveMB = 64.0
    /// The bearer token Prometheus reads `GET /metrics` with (issue 22); `XIETONG_METRICS_TOKEN` sets it too.
    public var metricsToken: String?
    /// Lets any caller use the node without a key: for development only, and refused with keys configured. Without
    /// keys and without it, the node does not start (issue 19).
    public var openAccess = false
    /// Witnesses of the hub's evidence log (issue 23, SZ-3): with it, the node keeps only heads that `required` of the
    /// listed witnesses countersigned.
    public var witnesses: WitnessRequirement?
    /// The business system's exchange database (中间库, issue 24; ZJ-7.1.3.1 b): the node sends the packages it writes
    /// there, and with `delivery.mode` `exchangeDatabase` writes incoming ones into it.
    public var exchangeDatabase: ExchangeDatabaseSettings?
    /// The standard documents' templates (`xietong.document-templates/1`, issue 26) replacing the bundled ones: a
    /// province's own wording.
    public var documentTemplates: String?

    /// How the node reaches an exchange database, and how often it reads it.
    public struct ExchangeDatabaseSettings: Sendable, Codable, CustomStringConvertible, CustomReflectable {
        /// `postgres://user:password@host:port/database` or `sqlite:PATH`; `XIETONG_EXCHANGE_DB_URL` sets it too.
        public var url: String
        /// The folder outbound files named by `file_path` must be in (after links are followed); nil: any regular file
        /// the node may read.
        public var fileRoot: String?
        /// How often new outbound rows are looked for.
        public var pollIntervalSeconds = 1.0
        /// How often every outbound row is compared with what was read (ZJ-7.1.2.3 d), besides when a broken
        /// increment is seen.
        public var reconcileIntervalSeconds = 300.0
        /// Delivered files up to this size go into `xt_inbound_attachment.content`; larger ones are read from the node.
        public var inlineAttachmentLimitMB = 16.0

        public init(url: String) {
            self.url = url
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, fileRoot, pollIntervalSeconds, reconcileIntervalSeconds, inlineAttachmentLimitMB
        }

        /// The settings without the database's password: what a log line or a dump shows.
        public var description: String {
            let url = (try? DatabaseURL.parse(self.url, path: "exchangeDatabase.url"))?.redacted ?? "(unreadable URL)"
            return "exchangeDatabase(\(url), poll \(self.pollIntervalSeconds) s, reconcile \(self.reconcileIntervalSeconds) s)"
        }

        public var customMirror: Mirror { Mirror(self, children: ["description": self.description], displayStyle: .struct) }

        /// Why the node may not read `path` as an outbound file (nil: it may): only regular files, within `fileRoot`.
        public func refusal(ofPath path: String) -> LocalizedText? {
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            var status = stat()
            guard stat(resolved, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, FileManager.default.isReadableFile(atPath: resolved) else {
                return LocalizedText(zh: "节点无法读取文件 \(path)（须为可读的普通文件）", en: "the node cannot read \(path) (it must be a readable regular file)")
            }
            if let root = self.fileRoot {
                let folder = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
                guard resolved.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
                    return LocalizedText(zh: "文件 \(path) 不在允许的目录 \(root) 内", en: "the file \(path) is outside the allowed folder \(root)")
                }
            }
            return nil
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.url = try c.decode(String.self, forKey: .url)
            self.fileRoot = try c.decodeIfPresent(String.self, forKey: .fileRoot)
            self.pollIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .pollIntervalSeconds) ?? 1
            self.reconcileIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .reconcileIntervalSeconds) ?? 300
            self.inlineAttachmentLimitMB = try c.decodeIfPresent(Double.self, forKey: .inlineAttachmentLimitMB) ?? 16
        }

        /// The database, checked; errors name `exchangeDatabase.url`.
        public func location(file: String?) throws(ConfigurationError) -> DatabaseURL {
            try DatabaseURL.parse(self.url, file: file, path: "exchangeDatabase.url")
        }
    }

    public init(organisation: String = "") {
        self.organisation = organisation
    }

    /// The keys a node's configuration file may hold (typos are errors, issue 19).
    public static let shape = SettingsShape.keys(
        CodingKeys.self,
        [
            "listen": .fields("host", "port"), "hub": .fields("url", "token", "organisation"),
            "businessSystems": .array(.fields("name", "role", "tokenSHA256")), "users": .array(.fields("name", "role", "tokenSHA256")),
            "tls": TLSFiles.shape, "delivery": .fields("mode", "url"), "apiKeys": .array(.value),
            "witnesses": .fields("required", "publicKeys"),
            "exchangeDatabase": .fields("url", "fileRoot", "pollIntervalSeconds", "reconcileIntervalSeconds", "inlineAttachmentLimitMB"),
        ]
    )

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, organisation, listen, dataDirectory, database, blobDirectory, blobDirectIO, hub, businessSystems, apiKeys, tls, serveTLS, users,
            delivery,
            lanes,
            deliveryLanes,
            retryBaseSeconds,
            retryMaxSeconds,
            alertAfterSeconds,
            registry,
            catalogOverride,
            freeSpaceReserveMB, metricsToken,
            openAccess, witnesses, exchangeDatabase, documentTemplates
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = NodeConfiguration()
        self.format = try c.decode(String.self, forKey: .format)
        self.organisation = try c.decode(String.self, forKey: .organisation)
        self.listen = try c.decodeIfPresent(Listen.self, forKey: .listen) ?? defaults.listen
        self.dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? defaults.dataDirectory
        self.database = try c.decodeIfPresent(String.self, forKey: .database)
        self.blobDirectory = try c.decodeIfPresent(String.self, forKey: .blobDirectory)
        self.blobDirectIO = try c.decodeIfPresent(Bool.self, forKey: .blobDirectIO) ?? defaults.blobDirectIO
        self.hub = try c.decode(Hub.self, forKey: .hub)
        self.businessSystems = try c.decodeIfPresent([Credential].self, forKey: .businessSystems) ?? []
        self.apiKeys = try c.decodeIfPresent([String].self, forKey: .apiKeys) ?? []
        self.tls = try c.decodeIfPresent(TLSFiles.self, forKey: .tls)
        self.users = try c.decodeIfPresent([Credential].self, forKey: .users) ?? []
        self.serveTLS = try c.decodeIfPresent(Bool.self, forKey: .serveTLS) ?? false
        self.delivery = try c.decodeIfPresent(Delivery.self, forKey: .delivery) ?? defaults.delivery
        self.lanes = try c.decodeIfPresent(Int.self, forKey: .lanes) ?? defaults.lanes
        self.deliveryLanes = try c.decodeIfPresent(Int.self, forKey: .deliveryLanes) ?? defaults.deliveryLanes
        self.retryBaseSeconds = try c.decodeIfPresent(Double.self, forKey: .retryBaseSeconds) ?? defaults.retryBaseSeconds
        self.retryMaxSeconds = try c.decodeIfPresent(Double.self, forKey: .retryMaxSeconds) ?? defaults.retryMaxSeconds
        self.alertAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .alertAfterSeconds) ?? defaults.alertAfterSeconds
        self.registry = try c.decodeIfPresent(String.self, forKey: .registry)
        self.catalogOverride = try c.decodeIfPresent(String.self, forKey: .catalogOverride)
        self.freeSpaceReserveMB = try c.decodeIfPresent(Double.self, forKey: .freeSpaceReserveMB) ?? defaults.freeSpaceReserveMB
        self.metricsToken = try c.decodeIfPresent(String.self, forKey: .metricsToken)
        self.openAccess = try c.decodeIfPresent(Bool.self, forKey: .openAccess) ?? false
        self.witnesses = try c.decodeIfPresent(WitnessRequirement.self, forKey: .witnesses)
        self.exchangeDatabase = try c.decodeIfPresent(ExchangeDatabaseSettings.self, forKey: .exchangeDatabase)
        self.documentTemplates = try c.decodeIfPresent(String.self, forKey: .documentTemplates)
    }

    public static func load(
        file: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> NodeConfiguration {
        var configuration = NodeConfiguration()
        if let file {
            configuration = try DataFileDecoder.decode(NodeConfiguration.self, contentsOf: URL(fileURLWithPath: file), shape: Self.shape)
        }
        try configuration.applyEnvironment(environment)
        if let url = environment["XIETONG_HUB_URL"] { configuration.hub.url = url }
        if let token = environment["XIETONG_HUB_TOKEN"] { configuration.hub.token = token }
        if let url = environment["XIETONG_DELIVERY_URL"] { configuration.delivery = Delivery(mode: .push, url: url) }
        if let url = environment["XIETONG_EXCHANGE_DB_URL"] {
            if configuration.exchangeDatabase == nil {
                configuration.exchangeDatabase = ExchangeDatabaseSettings(url: url)
            } else {
                configuration.exchangeDatabase?.url = url
            }
        }
        if let open = environment["XIETONG_OPEN_ACCESS"] { configuration.openAccess = try ConfigurationError.flag("XIETONG_OPEN_ACCESS", open) }
        try configuration.check(file: file)
        return configuration
    }

    /// The database: `database`, or `node.sqlite` in the data directory.
    public func databaseLocation(file: String? = nil) throws(ConfigurationError) -> DatabaseURL {
        try DatabaseURL.resolve(self.database, dataDirectory: self.dataDirectory, defaultFile: "node.sqlite", file: file)
    }

    /// The business systems' credentials: `businessSystems`, and each plain `apiKeys` entry.
    /// The officers of the web console.
    public var officers: CredentialSet { CredentialSet(self.users.filter { $0.role == .officer }) }

    public var credentials: CredentialSet {
        CredentialSet(
            self.businessSystems
                + self.apiKeys.enumerated().map { Credential(name: "apiKeys[\($0.offset)]", role: .businessSystem, token: $0.element) }
        )
    }

    /// The standard documents' templates: the `documentTemplates` file's, else the bundled ones.
    public func templates() throws(ConfigurationError) -> DocumentTemplates {
        guard let file = self.documentTemplates else { return try DocumentTemplates.bundled() }
        return try DocumentTemplates.load(URL(fileURLWithPath: file))
    }

    public func check(file: String?) throws(ConfigurationError) {
        _ = try self.databaseLocation(file: file)
        try self.checkShared(file: file)
        try self.checkFiles(self.tls?.settings ?? [], file: file)
        try self.witnesses?.check(file: file, path: "witnesses")
        _ = try self.templates()
        // A typo in the credentials' key used to start a node open to any caller (issue 19): no credentials is an
        // error unless the configuration says the node is open, for development.
        if self.credentials.credentials.isEmpty && !self.openAccess {
            throw ConfigurationError(
                .openNode,
                file: file,
                path: "businessSystems",
                zh: "没有配置业务系统的接口密钥，任何人都可调用本节点。请用 xietong token new 生成密钥填入 businessSystems；仅在开发时可设 \"openAccess\": true",
                en: "no business-system keys are configured, so anyone could call this node. Add keys to businessSystems (`xietong token new`); "
                    + "only for development, set \"openAccess\": true"
            )
        }
        if self.openAccess && !self.credentials.credentials.isEmpty {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "openAccess",
                zh: "已配置接口密钥时不能设 openAccess",
                en: "openAccess cannot be set together with keys"
            )
        }
        for (index, system) in self.businessSystems.enumerated() {
            guard system.role == .businessSystem else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "businessSystems[\(index)].role",
                    zh: "业务系统的角色应为 businessSystem",
                    en: "a business system's role must be businessSystem"
                )
            }
            guard CredentialSet.isHash(system.tokenSHA256) else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "businessSystems[\(index)].tokenSHA256",
                    zh: "应为密钥的 SHA-256（64 位十六进制），可用 xietong token new 生成",
                    en: "must be the key's SHA-256 (64 hex digits); `xietong token new` makes one"
                )
            }
        }
        guard self.format == "xietong.node/1" else {
            throw ConfigurationError(.format, file: file, path: "format", zh: "文件格式应为“xietong.node/1”", en: "the format must be 'xietong.node/1'")
        }
        guard self.organisation.count == 12, self.organisation.allSatisfy(\.isNumber) else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "organisation",
                zh: "组织机构代码应为 12 位数字",
                en: "the organisation code must be 12 digits"
            )
        }
        guard URL(string: self.hub.url)?.scheme?.hasPrefix("http") == true else {
            throw ConfigurationError(.invalidValue, file: file, path: "hub.url", zh: "中心平台地址无效", en: "the hub URL must be http(s)://…")
        }
        guard !self.hub.token.isEmpty else {
            throw ConfigurationError(.missingField, file: file, path: "hub.token", zh: "缺少中心平台令牌", en: "the hub token is required")
        }
        if self.delivery.mode == .push, self.delivery.url.flatMap(URL.init(string:))?.scheme?.hasPrefix("http") != true {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "delivery.url",
                zh: "推送模式需要业务系统接收地址",
                en: "push delivery needs the business system's http(s) URL"
            )
        }
        guard (1...NodeSchema.caseBuckets).contains(self.deliveryLanes) else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "deliveryLanes",
                zh: "推送通道数应在 1 至 64 之间",
                en: "deliveryLanes must be between 1 and 64"
            )
        }
        try self.checkExchangeDatabase(file: file)
        guard (1...64).contains(self.lanes) else {
            throw ConfigurationError(.invalidValue, file: file, path: "lanes", zh: "通道数应在 1 至 64 之间", en: "lanes must be between 1 and 64")
        }
    }
}

extension NodeConfiguration: ServiceSettings {
    public static let environmentRole = "NODE"
}

extension NodeConfiguration {
    /// The exchange database's settings (issue 24), each refused by name.
    func checkExchangeDatabase(file: String?) throws(ConfigurationError) {
        guard let settings = self.exchangeDatabase else {
            if self.delivery.mode == .exchangeDatabase {
                throw ConfigurationError(
                    .missingField,
                    file: file,
                    path: "exchangeDatabase",
                    zh: "投递方式为 exchangeDatabase 时须配置中间库 exchangeDatabase.url",
                    en: "delivery mode exchangeDatabase needs exchangeDatabase.url"
                )
            }
            return
        }
        _ = try settings.location(file: file)
        let ranges: [(String, Double, ClosedRange<Double>)] = [
            ("pollIntervalSeconds", settings.pollIntervalSeconds, 0.1...3600),
            ("reconcileIntervalSeconds", settings.reconcileIntervalSeconds, 10...86400 * 7),
            // A file up to the limit is bound into the delivering transaction whole.
            ("inlineAttachmentLimitMB", settings.inlineAttachmentLimitMB, 0...64),
        ]
        for (name, value, range) in ranges where !range.contains(value) {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "exchangeDatabase.\(name)",
                zh: "应在 \(range.lowerBound) 至 \(range.upperBound) 之间",
                en: "must be between \(range.lowerBound) and \(range.upperBound)"
            )
        }
    }
}
