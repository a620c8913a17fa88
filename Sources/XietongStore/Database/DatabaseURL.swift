import Foundation
public import Logging
public import XietongCore

/// Where a component keeps its database: the embedded SQLite file (the default), or a PostgreSQL server given as
/// `postgres://user:password@host:port/database` (`?sslmode=require` for TLS).
public enum DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresServer)

    public struct PostgresServer: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        public var requireTLS: Bool

        public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, requireTLS: Bool = false) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.requireTLS = requireTLS
        }

        /// The server without its password: what a log line or a dump shows.
        public var description: String {
            var shown = self
            shown.password = self.password == nil ? nil : "***"
            return shown.url
        }

        public var customMirror: Mirror { Mirror(self, children: ["url": self.description], displayStyle: .struct) }

        public var url: String {
            let credentials = self.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? self.user
            let secret = self.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
            return "postgres://\(credentials)\(secret)@\(self.host):\(self.port)/\(self.database)\(self.requireTLS ? "?sslmode=require" : "")"
        }
    }

    /// Reads a database setting. `path` names the setting in errors (for example `database` or `XIETONG_DATABASE`).
    public static func parse(_ text: String, file: String? = nil, path: String) throws(ConfigurationError) -> DatabaseURL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            let filePath = String(trimmed.dropFirst("sqlite:".count))
            guard !filePath.isEmpty else {
                throw ConfigurationError(.invalidValue, file: file, path: path, zh: "SQLite 地址缺少文件路径", en: "the SQLite URL has no file path")
            }
            return .sqlite(path: filePath)
        }
        guard trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: path,
                zh: "数据库地址应以 postgres:// 或 sqlite: 开头",
                en: "a database URL starts with postgres:// or sqlite:"
            )
        }
        guard let components = URLComponents(string: trimmed), let host = components.host, !host.isEmpty else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: path,
                zh: "PostgreSQL 地址无法解析或缺少主机",
                en: "the PostgreSQL URL cannot be read or has no host"
            )
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConfigurationError(.invalidValue, file: file, path: path, zh: "PostgreSQL 地址缺少用户名", en: "the PostgreSQL URL has no user name")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw ConfigurationError(.invalidValue, file: file, path: path, zh: "PostgreSQL 地址缺少数据库名", en: "the PostgreSQL URL has no database name")
        }
        var requireTLS = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "require"), ("sslmode", "verify-full"): requireTLS = true
            case ("sslmode", "disable"), ("sslmode", "prefer"), ("sslmode", nil): requireTLS = false
            default:
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: path,
                    zh: "不支持的 PostgreSQL 参数：\(item.name)",
                    en: "unsupported PostgreSQL URL parameter: \(item.name)=\(item.value ?? "")"
                )
            }
        }
        return .postgres(
            PostgresServer(
                host: host,
                port: components.port ?? 5432,
                user: user.removingPercentEncoding ?? user,
                password: components.password.map { $0.removingPercentEncoding ?? $0 },
                database: database.removingPercentEncoding ?? database,
                requireTLS: requireTLS
            )
        )
    }

    /// A component's database: the `database` setting when given, otherwise the SQLite file `defaultFile` in the
    /// data directory.
    public static func resolve(
        _ setting: String?,
        dataDirectory: String,
        defaultFile: String,
        file: String? = nil
    ) throws(ConfigurationError) -> DatabaseURL {
        guard let setting, !setting.isEmpty else {
            return .sqlite(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent(defaultFile).path)
        }
        return try Self.parse(setting, file: file, path: "database")
    }

    /// The full URL, password included, for configuration files.
    public var url: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let server): server.url
        }
    }

    /// The URL without its password, for logs and messages.
    public var redacted: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .postgres(var server):
            server.password = server.password == nil ? nil : "***"
            return server.url
        }
    }

    public var description: String { self.redacted }

    /// Opens the database and applies the migrations not yet applied.
    public func open(migrations: [Migration], logger: Logger) async throws(StoreError) -> any SQLDatabase {
        switch self {
        case .sqlite(let path): try await SQLiteDatabase.open(path: path, migrations: migrations, logger: logger)
        case .postgres: try await PostgresDatabase.open(self, migrations: migrations, logger: logger)
        }
    }
}
