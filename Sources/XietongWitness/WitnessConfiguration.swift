public import Foundation
public import XietongCore
public import XietongHTTP

/// A witness's settings (`xietong.witness/1`, issue 23): who it is, where it listens and keeps its mirror, and the hub
/// whose evidence log it witnesses.
///
/// ```json
/// { "format": "xietong.witness/1",
///   "name": "330106000201",
///   "listen": { "host": "127.0.0.1", "port": 8500 },
///   "dataDirectory": "witness-data",
///   "hub": { "url": "https://hub.example:8400", "organisation": "330100000001", "token": "…",
///            "caCertificate": "/etc/xietong/hub-ca.crt" },
///   "intervalSeconds": 1 }
/// ```
///
/// The hub lists the witness among its `users` with the role `witness` (its token's SHA-256). The witness signs with a
/// key of its own, `witness-key.pem` in its data directory (made at the first start); `witness-key.pub` beside it is
/// what nodes and peer hubs list in their `witnesses.publicKeys`.
public struct WitnessConfiguration: Sendable, Codable {
    public struct Hub: Sendable, Codable {
        public var url: String
        /// The hub's organisation code: its tree heads are signed in that name.
        public var organisation: String
        /// The witness's token at the hub (role `witness`).
        public var token: String
        /// The hub platform's CA, to reach an `https` hub and check the heads its certificate signs.
        public var caCertificate: String?

        public init(url: String, organisation: String, token: String, caCertificate: String? = nil) {
            self.url = url
            self.organisation = organisation
            self.token = token
            self.caCertificate = caCertificate
        }
    }

    public var format = "xietong.witness/1"
    /// The witnessing body's name in its countersignatures: its organisation code, or the name its operators choose.
    public var name: String
    public var listen = ListenAddress(port: 8500)
    public var dataDirectory = "witness-data"
    public var hub: Hub
    public var intervalSeconds = 1.0

    public init(name: String, hub: Hub) {
        self.name = name
        self.hub = hub
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, name, listen, dataDirectory, hub, intervalSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.format = try c.decode(String.self, forKey: .format)
        self.name = try c.decode(String.self, forKey: .name)
        self.listen = try c.decodeIfPresent(ListenAddress.self, forKey: .listen) ?? ListenAddress(port: 8500)
        self.dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? "witness-data"
        self.hub = try c.decode(Hub.self, forKey: .hub)
        self.intervalSeconds = try c.decodeIfPresent(Double.self, forKey: .intervalSeconds) ?? 1
    }

    public static let shape = SettingsShape.keys(
        CodingKeys.self,
        ["listen": .fields("host", "port"), "hub": .fields("url", "organisation", "token", "caCertificate")]
    )

    /// Reads and checks a witness's configuration file.
    public static func load(file: String) throws(ConfigurationError) -> WitnessConfiguration {
        let configuration = try DataFileDecoder.decode(WitnessConfiguration.self, contentsOf: URL(fileURLWithPath: file), shape: Self.shape)
        func wrong(_ path: String, _ zh: String, _ en: String) -> ConfigurationError {
            ConfigurationError(.invalidValue, file: file, path: path, zh: zh, en: en)
        }
        guard configuration.format == "xietong.witness/1" else {
            throw ConfigurationError(
                .format,
                file: file,
                path: "format",
                zh: "文件格式应为“xietong.witness/1”",
                en: "the format must be 'xietong.witness/1'"
            )
        }
        guard !configuration.name.isEmpty, configuration.name.count <= 64 else {
            throw wrong("name", "见证方名称应为 1 至 64 个字符", "the witness's name must have 1 to 64 characters")
        }
        guard let url = URL(string: configuration.hub.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw wrong("hub.url", "中心平台地址应为 http(s)://主机:端口", "the hub's address must be http(s)://host:port")
        }
        guard configuration.hub.organisation.count == 12, configuration.hub.organisation.allSatisfy(\.isNumber) else {
            throw wrong("hub.organisation", "组织机构代码应为 12 位数字", "the organisation code must be 12 digits")
        }
        guard configuration.hub.token.count >= 16 else {
            throw wrong("hub.token", "令牌至少 16 个字符", "a token must have at least 16 characters")
        }
        guard configuration.intervalSeconds > 0, configuration.intervalSeconds <= 3600 else {
            throw wrong("intervalSeconds", "间隔应在 0 到 3600 秒之间", "the interval must be between 0 and 3600 seconds")
        }
        if let ca = configuration.hub.caCertificate, !FileManager.default.isReadableFile(atPath: ca) {
            throw ConfigurationError(.missingFile, file: file, path: "hub.caCertificate", zh: "文件不存在：\(ca)", en: "no such file: \(ca)")
        }
        return configuration
    }

    /// The witness's signing key and its public half, in the data directory.
    public var keyFile: URL { URL(fileURLWithPath: self.dataDirectory).appendingPathComponent("witness-key.pem") }
    public var publicKeyFile: URL { URL(fileURLWithPath: self.dataDirectory).appendingPathComponent("witness-key.pub") }
}
