import Testing
import XietongCore
import XietongStore

/// The `database` setting of the hub and the node (issue 4): the embedded default, or PostgreSQL by URL; a bad value
/// is a configuration error naming the setting.
@Suite struct DatabaseURLTests {
    @Test func withoutASettingTheDatabaseIsTheEmbeddedFileInTheDataDirectory() throws {
        #expect(try DatabaseURL.resolve(nil, dataDirectory: "/srv/hub", defaultFile: "hub.sqlite") == .sqlite(path: "/srv/hub/hub.sqlite"))
        #expect(
            try DatabaseURL.resolve("sqlite:/tmp/x.sqlite", dataDirectory: "/srv/hub", defaultFile: "hub.sqlite") == .sqlite(path: "/tmp/x.sqlite")
        )
    }

    @Test func aPostgresURLNamesServerUserAndDatabase() throws {
        let url = try DatabaseURL.parse("postgres://xietong:s%40cret@db.example:6432/hub?sslmode=require", path: "database")
        let server = DatabaseURL.PostgresServer(
            host: "db.example",
            port: 6432,
            user: "xietong",
            password: "s@cret",
            database: "hub",
            requireTLS: true
        )
        #expect(url == .postgres(server))
        #expect(url.redacted == "postgres://xietong:***@db.example:6432/hub?sslmode=require")
        #expect(!url.redacted.contains("cret"))
        #expect(try DatabaseURL.parse(url.url, path: "database") == url)
        #expect(try DatabaseURL.parse("postgresql://u@h/d", path: "database") == .postgres(.init(host: "h", user: "u", database: "d")))
    }

    @Test(arguments: [
        ("mysql://u@h/d", "postgres://"),
        ("postgres://h/d", "user name"),
        ("postgres://u@h", "database name"),
        ("postgres://u@h/d?x=1", "x=1"),
        ("postgres://u@h/d?sslmode=sometimes", "sslmode=sometimes"),
        ("sqlite:", "file path"),
    ])
    func aBadSettingIsAClearConfigurationError(setting: String, mentions: String) {
        #expect {
            try DatabaseURL.parse(setting, file: "hub.json", path: "database")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.code == .invalidValue && error.file == "hub.json" && error.path == "database" && error.description.contains(mentions)
                && !error.message.zh.isEmpty
        }
    }
}

extension DatabaseURLTests {
    /// A database password shows nowhere a value is printed or dumped (issue 19): not in the URL's description, not
    /// in the server's, not in a reflection of either.
    @Test func aPasswordIsNeverPrinted() throws {
        let url = try DatabaseURL.parse("postgres://xietong:s3cret-pass@db.example:5432/xietong_hub", path: "database")
        guard case .postgres(let server) = url else {
            Issue.record("not a PostgreSQL URL")
            return
        }
        for text in ["\(url)", String(reflecting: url), "\(server)", String(reflecting: server), "\([url])"] {
            #expect(!text.contains("s3cret-pass"), "a description holds the password")
        }
        #expect(server.url.contains("s3cret-pass"))
    }
}
