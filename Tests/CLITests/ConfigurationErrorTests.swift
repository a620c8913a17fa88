import Foundation
import Glibc
import Testing
import XietongCore
import XietongHTTP
import XietongLocal
import XietongNode
import XietongTesting

/// Configuration mistakes as an IT centre makes them (issue 19, item 4), each tried on the real `xietong hub` or
/// `xietong node`: every one exits with code 2 at once, never traps, and names the file, the key and what is wrong
/// in Chinese and English, with the nearest valid key or the valid values.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ConfigurationErrorTests {
    static let keyHash = Credential.hash("a-business-system-key")

    static func node(_ directory: TemporaryDirectory, port: Int = 0, _ extra: String = "", keys: Bool = true) -> String {
        let systems = keys ? #","businessSystems":[{"name":"b","role":"businessSystem","tokenSHA256":"\#(Self.keyHash)"}]"# : ""
        return """
            {"format":"xietong.node/1","organisation":"330106000101","listen":{"host":"127.0.0.1","port":\(port)},
             "dataDirectory":"\(directory.file("node").path)","hub":{"url":"http://127.0.0.1:1","token":"t"}\(systems)\(extra)}
            """
    }

    static func hub(_ directory: TemporaryDirectory, port: Int = 0, _ extra: String = "") -> String {
        """
        {"format":"xietong.hub/1","listen":{"host":"127.0.0.1","port":\(port)},"dataDirectory":"\(directory.file("hub").path)",
         "nodes":[{"organisation":"330106000101","token":"a-node-token-of-32-characters-xx"}],"adminToken":"an-admin-token-of-32-characters-x"\(extra)}
        """
    }

    /// Runs `service` with `text` as its configuration file.
    static func run(
        _ service: String,
        _ text: String,
        in directory: TemporaryDirectory,
        environment: [String: String] = [:]
    ) async throws -> (
        CommandResult, String
    ) {
        let file = directory.file("\(service)-\(UUID().uuidString.prefix(6)).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return (try await CommandRunner.run([service, "--config", file], environment: environment), file)
    }

    /// Exit 2, the file and `fragments` in what it printed, both languages.
    static func expectRefused(_ result: CommandResult, file: String?, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        if let file { #expect(result.stderr.contains(file), "\(result.stderr)", sourceLocation: sourceLocation) }
        for fragment in fragments {
            #expect(result.stderr.contains(fragment), "'\(fragment)' not in: \(result.stderr)", sourceLocation: sourceLocation)
        }
        // Chinese and English, on the same line.
        #expect(result.stderr.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, sourceLocation: sourceLocation)
    }

    @Test func aTypoInAKeyIsAnErrorWithTheNearestKey() async throws {
        let directory = try TemporaryDirectory()
        let listen = Self.node(directory).replacingOccurrences(of: #""listen""#, with: #""lisen""#)
        let (a, fileA) = try await Self.run("node", listen, in: directory)
        Self.expectRefused(a, file: fileA, ["config.unknown-key", "lisen", "did you mean 'listen'"])

        // The typo that opened a node to anyone: the keys are not read, so the node refuses to start.
        let systems = Self.node(directory).replacingOccurrences(of: #""businessSystems""#, with: #""businesSystems""#)
        let (b, fileB) = try await Self.run("node", systems, in: directory)
        Self.expectRefused(b, file: fileB, ["config.unknown-key", "did you mean 'businessSystems'"])

        let nested = Self.node(directory).replacingOccurrences(of: #""token":"t""#, with: #""tokne":"t""#)
        let (c, fileC) = try await Self.run("node", nested, in: directory)
        Self.expectRefused(c, file: fileC, ["hub.tokne", "did you mean 'token'"])

        let (d, fileD) = try await Self.run("hub", Self.hub(directory).replacingOccurrences(of: "adminToken", with: "adminTokne"), in: directory)
        Self.expectRefused(d, file: fileD, ["did you mean 'adminToken'"])
        let (e, fileE) = try await Self.run("hub", Self.hub(directory, #","maxPackageAgeDay":3"#), in: directory)
        Self.expectRefused(e, file: fileE, ["did you mean 'maxPackageAgeDays'"])
    }

    @Test func aNodeWithoutKeysRefusesToStartUnlessItSaysItIsOpen() async throws {
        let directory = try TemporaryDirectory()
        let (result, file) = try await Self.run("node", Self.node(directory, keys: false), in: directory)
        Self.expectRefused(result, file: file, ["config.open-node", "businessSystems", "openAccess"])
        // Development: said explicitly, it loads (and with keys too, it is a contradiction).
        let open = try NodeConfiguration.load(
            file: Self.write(Self.node(directory, #","openAccess":true"#, keys: false), in: directory),
            environment: [:]
        )
        #expect(open.openAccess && open.credentials.credentials.isEmpty)
        #expect(throws: ConfigurationError.self) {
            try NodeConfiguration.load(file: Self.write(Self.node(directory, #","openAccess":true"#), in: directory), environment: [:])
        }
    }

    static func write(_ text: String, in directory: TemporaryDirectory) throws -> String {
        let file = directory.file("c-\(UUID().uuidString.prefix(6)).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func aMissingCertificateIsNamedAndNothingTraps() async throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("no-such.crt").path
        let tls = #","tls":{"certificate":"\#(missing)","key":"\#(missing).key","caCertificate":"\#(missing).ca"}"#
        let (node, nodeFile) = try await Self.run("node", Self.node(directory, tls), in: directory)
        Self.expectRefused(node, file: nodeFile, ["config.missing-file", "tls.certificate", missing])
        let (hub, hubFile) = try await Self.run("hub", Self.hub(directory, tls), in: directory)
        Self.expectRefused(hub, file: hubFile, ["config.missing-file", "tls.certificate", missing])
    }

    @Test(arguments: ["hub", "node"])
    func aBusyPortIsNamedAndTheServiceExits(service: String) async throws {
        let directory = try TemporaryDirectory()
        // Another process's listener on a port.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let port = LocalProcesses.freePort()
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(listener, 1) == 0)
        let text = service == "hub" ? Self.hub(directory, port: port) : Self.node(directory, port: port)
        let (result, _) = try await Self.run(service, text, in: directory)
        Self.expectRefused(result, file: nil, ["config.port-unavailable", "127.0.0.1:\(port)", "already in use", "占用"])
    }

    @Test func syntaxErrorsAndBadValuesAreNamedWithWhereAndWhatIsValid() async throws {
        let directory = try TemporaryDirectory()
        let broken = Self.node(directory).replacingOccurrences(of: #""format":"xietong.node/1","#, with: "\"format\":\"xietong.node/1\",,")
        let (syntax, file) = try await Self.run("node", broken, in: directory)
        Self.expectRefused(syntax, file: file, ["config.syntax", "line 1, column 28"])

        let mode = Self.node(directory, #","delivery":{"mode":"pusj"}"#)
        let (badMode, modeFile) = try await Self.run("node", mode, in: directory)
        Self.expectRefused(badMode, file: modeFile, ["delivery.mode", "pusj", "valid values: push, pull"])

        let role = Self.node(directory).replacingOccurrences(of: #""role":"businessSystem""#, with: #""role":"business""#)
        let (badRole, roleFile) = try await Self.run("node", role, in: directory)
        Self.expectRefused(badRole, file: roleFile, ["businessSystems[0].role", "valid values: node, businessSystem"])
    }

    @Test func environmentVariablesAreAsStrictAsTheFile() async throws {
        let directory = try TemporaryDirectory()
        let (alert, _) = try await Self.run("hub", Self.hub(directory), in: directory, environment: ["XIETONG_ALERT_AFTER_SECONDS": "five"])
        Self.expectRefused(alert, file: nil, ["XIETONG_ALERT_AFTER_SECONDS", "five"])
        let (level, _) = try await Self.run("node", Self.node(directory), in: directory, environment: ["XIETONG_LOG_LEVEL": "verbose"])
        Self.expectRefused(level, file: nil, ["XIETONG_LOG_LEVEL", "verbose", "trace, debug, info"])
        let (typo, _) = try await Self.run("node", Self.node(directory), in: directory, environment: ["XIETONG_NODE_PROT": "8410"])
        Self.expectRefused(typo, file: nil, ["XIETONG_NODE_PROT", "did you mean XIETONG_NODE_PORT"])
        // Issue 22: the log's format, and a metrics token too short to be a secret.
        let (format, _) = try await Self.run("hub", Self.hub(directory), in: directory, environment: ["XIETONG_LOG_FORMAT": "xml"])
        Self.expectRefused(format, file: nil, ["XIETONG_LOG_FORMAT", "xml", "text, json"])
        let (token, _) = try await Self.run("hub", Self.hub(directory), in: directory, environment: ["XIETONG_METRICS_TOKEN": "short"])
        Self.expectRefused(token, file: nil, ["metricsToken", "16"])
    }

    @Test func theCertificateAuthorityRefusesExpiredAndUnknownIssues() async throws {
        let directory = try TemporaryDirectory()
        let pki = directory.file("pki").path
        #expect(try await CommandRunner.run(["pki", "init", "--dir", pki]).status == 0)
        let expired = try await CommandRunner.run(["pki", "issue", "--dir", pki, "--org", "330106000101", "--days", "0"])
        Self.expectRefused(expired, file: nil, ["--days", "1 to 3650"])
        let unknown = try await CommandRunner.run(["pki", "issue", "--dir", pki, "--org", "330106999999"])
        Self.expectRefused(unknown, file: nil, ["--org", "330106999999", "registry"])
        #expect(try await CommandRunner.run(["pki", "issue", "--dir", pki, "--org", "330106000101"]).status == 0)
    }
}

/// An exchange database set up wrongly (issue 24): each mistake refused by its key, at once.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ExchangeDatabaseSettingsTests {
    @Test func exchangeDatabaseMistakesAreRefusedByName() async throws {
        let directory = try TemporaryDirectory()
        let (a, fileA) = try await ConfigurationErrorTests.run(
            "node",
            ConfigurationErrorTests.node(directory, port: 0, #","delivery":{"mode":"exchangeDatabase"}"#),
            in: directory
        )
        ConfigurationErrorTests.expectRefused(a, file: fileA, ["config.missing-field", "exchangeDatabase", "中间库"])
        let (b, fileB) = try await ConfigurationErrorTests.run(
            "node",
            ConfigurationErrorTests.node(directory, port: 0, #","exchangeDatabase":{"url":"mysql://x@h/db"}"#),
            in: directory
        )
        ConfigurationErrorTests.expectRefused(b, file: fileB, ["exchangeDatabase.url", "postgres://"])
        let (c, fileC) = try await ConfigurationErrorTests.run(
            "node",
            ConfigurationErrorTests.node(directory, port: 0, #","exchangeDatabase":{"url":"sqlite:/tmp/x.sqlite","pollIntervalSeconds":0}"#),
            in: directory
        )
        ConfigurationErrorTests.expectRefused(c, file: fileC, ["exchangeDatabase.pollIntervalSeconds"])
        let (d, fileD) = try await ConfigurationErrorTests.run(
            "node",
            ConfigurationErrorTests.node(directory, port: 0, #","exchangeDatabase":{"url":"sqlite:/tmp/x","pollInterval":1}"#),
            in: directory
        )
        ConfigurationErrorTests.expectRefused(d, file: fileD, ["config.unknown-key", "exchangeDatabase.pollInterval", "pollIntervalSeconds"])
    }
}
