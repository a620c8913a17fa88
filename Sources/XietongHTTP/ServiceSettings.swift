public import Foundation
public import XietongCore
public import XietongStore

/// What the hub's and a node's settings have in common (issue 19, item 4): where they listen and keep their data,
/// the reference data they load, the free-space reserve, and the environment variables over each. One place reads
/// and checks them for both services.
public protocol ServiceSettings {
    /// `HUB` or `NODE`: the service's own variables are `XIETONG_HUB_…` or `XIETONG_NODE_…`.
    static var environmentRole: String { get }
    var listen: ListenAddress { get set }
    var dataDirectory: String { get set }
    var database: String? { get set }
    var blobDirectory: String? { get set }
    var blobDirectIO: Bool { get set }
    var registry: String? { get set }
    var catalogOverride: String? { get set }
    var freeSpaceReserveMB: Double { get set }
    /// The token Prometheus scrapes `/metrics` with (issue 22); monitoring users in `users` may scrape too.
    var metricsToken: String? { get set }
}

/// The environment variables every Xietong process knows: the services' (hub and node alike, as one environment
/// may hold both, the demo's and the tests' do) and the tools'.
public enum ServiceEnvironment {
    public static let shared = [
        "XIETONG_DATA_DIR", "XIETONG_DATABASE", "XIETONG_BLOB_DIR", "XIETONG_BLOB_DIRECT_IO", "XIETONG_REGISTRY",
        "XIETONG_CATALOG_OVERRIDE", "XIETONG_FREE_SPACE_RESERVE_MB", "XIETONG_LOG_LEVEL",
        "XIETONG_LOG_FORMAT", "XIETONG_METRICS_TOKEN", "XIETONG_OTLP_ENDPOINT",
    ]
    /// Read by other parts: the parent process a service watches, the tests' and benchmarks' switches.
    public static let others = [
        "XIETONG_PARENT_PID", "XIETONG_TEST_POSTGRES_URL", "XIETONG_TEST_OUTAGE_SECONDS", "XIETONG_UPDATE_EXAMPLES", "XIETONG_SCREENSHOTS",
        "XIETONG_BINARY", "XIETONG_TEST_STREAM_BYTES",
    ]
    public static let hub = [
        "XIETONG_HUB_HOST", "XIETONG_HUB_PORT", "XIETONG_ADMIN_TOKEN", "XIETONG_SUPERVISOR_TOKEN", "XIETONG_ALERT_AFTER_SECONDS",
        "XIETONG_CALENDAR",
    ]
    public static let node = [
        "XIETONG_NODE_HOST", "XIETONG_NODE_PORT", "XIETONG_HUB_URL", "XIETONG_HUB_TOKEN", "XIETONG_DELIVERY_URL",
        "XIETONG_OPEN_ACCESS", "XIETONG_EXCHANGE_DB_URL",
    ]
    public static var known: [String] { Self.shared + Self.others + Self.hub + Self.node }

    /// Refuses a `XIETONG_…` variable no part of Xietong reads (a typo), naming the nearest known one, and a bad
    /// `XIETONG_LOG_LEVEL` or `XIETONG_LOG_FORMAT`.
    public static func check(_ environment: [String: String]) throws(ConfigurationError) {
        let known = Set(Self.known)
        for name in environment.keys.sorted() where name.hasPrefix("XIETONG_") && !known.contains(name) {
            let nearest = SettingsShape.nearest(name, in: Self.known)
            throw ConfigurationError(
                .unknownKey,
                path: name,
                zh: "未知的环境变量 \(name)" + (nearest.map { "，是否应为 \($0)？" } ?? ""),
                en: "unknown environment variable \(name)" + (nearest.map { "; did you mean \($0)?" } ?? "")
            )
        }
        // The log's level and format (issue 22, item 4).
        _ = try LogFormat.chosen(in: environment)
    }
}

extension ServiceSettings {
    /// Applies the shared environment variables, after checking that every `XIETONG_…` variable is known.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        try ServiceEnvironment.check(environment)
        let role = Self.environmentRole
        if let host = environment["XIETONG_\(role)_HOST"] { self.listen.host = host }
        if let port = environment["XIETONG_\(role)_PORT"] {
            self.listen.port = try ConfigurationError.port("XIETONG_\(role)_PORT", Int(port), text: port)
        }
        if let directory = environment["XIETONG_DATA_DIR"] { self.dataDirectory = directory }
        if let database = environment["XIETONG_DATABASE"] { self.database = database }
        if let blobs = environment["XIETONG_BLOB_DIR"] { self.blobDirectory = blobs }
        if let direct = environment["XIETONG_BLOB_DIRECT_IO"] {
            self.blobDirectIO = try ConfigurationError.flag("XIETONG_BLOB_DIRECT_IO", direct)
        }
        if let registry = environment["XIETONG_REGISTRY"] { self.registry = registry }
        if let override = environment["XIETONG_CATALOG_OVERRIDE"] { self.catalogOverride = override }
        if let token = environment["XIETONG_METRICS_TOKEN"] { self.metricsToken = token }
        if let reserve = environment["XIETONG_FREE_SPACE_RESERVE_MB"] {
            self.freeSpaceReserveMB = try ConfigurationError.number("XIETONG_FREE_SPACE_RESERVE_MB", reserve)
        }
    }

    /// Checks the shared settings.
    public func checkShared(file: String?) throws(ConfigurationError) {
        if let token = self.metricsToken, token.count < 16 {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "metricsToken",
                zh: "监控令牌过短：至少 16 个字符（可用 xietong token new 生成）",
                en: "the metrics token is too short: at least 16 characters (xietong token new makes one)"
            )
        }
        _ = try ConfigurationError.port("listen.port", self.listen.port, file: file)
        _ = try ConfigurationError.number("freeSpaceReserveMB", String(self.freeSpaceReserveMB), file: file)
    }

    /// The blob store's folder: `blobDirectory`, or `blobs` in the data directory.
    public var blobLocation: URL {
        self.blobDirectory.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: self.dataDirectory).appendingPathComponent("blobs")
    }

    /// Who may read `/metrics`: the metrics token, and the configured users of role `monitor`.
    public func scrapers(users: [Credential]) -> [Credential] {
        users.filter { $0.role == .monitor } + (self.metricsToken.map { [Credential(name: "metrics", role: .monitor, token: $0)] } ?? [])
    }

    /// The free-space reserve on the data directory's and the blob store's disks.
    public var diskReserve: DiskReserve {
        DiskReserve(folders: [self.dataDirectory, self.blobLocation.path], reserveBytes: Int64(self.freeSpaceReserveMB * 1_048_576))
    }
}

extension ServiceSettings {
    /// Checks that each file a setting names can be read: a missing certificate used to surface as a trap at start
    /// with the file never named (issue 19).
    public func checkFiles(_ files: [(path: String, setting: String)], file: String?) throws(ConfigurationError) {
        for entry in files where !FileManager.default.isReadableFile(atPath: entry.path) {
            let exists = FileManager.default.fileExists(atPath: entry.path)
            throw ConfigurationError(
                .missingFile,
                file: file,
                path: entry.setting,
                zh: exists ? "无法读取文件 \(entry.path)" : "文件不存在：\(entry.path)",
                en: exists ? "cannot read the file \(entry.path)" : "no such file: \(entry.path)"
            )
        }
    }

    /// Checks that the address to listen on can be bound now: a busy port is named at start with exit code 2,
    /// instead of a trap or a process that neither serves nor stops (issue 19). Port 0 (any free one) always can.
    public func checkListenAddress(origin: String = "listen.port") throws(ConfigurationError) {
        guard self.listen.port != 0 else { return }
        let host = self.listen.host
        let port = self.listen.port
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            throw ConfigurationError(
                .invalidValue,
                path: "listen.host",
                zh: "无法解析监听地址 \(host)",
                en: "cannot resolve the address to listen on: \(host)"
            )
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 else { return }
        let code = errno
        let reason: LocalizedText =
            switch code {
            case EADDRINUSE: LocalizedText(zh: "已被其他进程占用", en: "is already in use by another process")
            case EACCES: LocalizedText(zh: "无权绑定（1024 以下的端口需要特权）", en: "may not be bound by this user (ports below 1024 need privileges)")
            case EADDRNOTAVAIL: LocalizedText(zh: "不是本机的地址", en: "is not an address of this machine")
            default: LocalizedText(zh: "无法绑定（errno \(code)）", en: "cannot be bound (errno \(code))")
            }
        throw ConfigurationError(
            .portUnavailable,
            path: origin,
            zh: "监听地址 \(host):\(port) \(reason.zh)",
            en: "the address to listen on, \(host):\(port), \(reason.en)"
        )
    }
}
