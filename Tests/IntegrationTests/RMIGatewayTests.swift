import Foundation
import Glibc
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// The RMI gateway (issue 24, ZJ-7.2.1 e): integrations/rmi built with the JDK, a gateway beside each of two nodes,
/// and Java clients in processes of their own that send a package with its attachment over RMI, receive it
/// byte-identical on the other side, follow its hops, and get a refused package back as a `XietongException` with its
/// findings; and the gateway's deserialisation filter tried from outside. `.ci/run` installs the JDK; without one these
/// tests fail and say so.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RMIGatewayTests {
    @Test func aPackageSentOverRMIArrivesByteIdenticalAndARefusalCarriesItsFindings() async throws {
        let java = try await JavaToolchain.shared.get()
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try await harness.startAll()
        let sender = try await GatewayProcess.start(java, for: police, of: harness)
        defer { sender.stop() }
        let receiver = try await GatewayProcess.start(java, for: procuratorate, of: harness)
        defer { receiver.stop() }

        // The sending business system: a package and its attachment, over RMI.
        let made = PackageFactory.arrestRequest(case: 40, message: 0, run: "rmi")
        let packageFile = harness.directory.file("package.xml")
        let attachmentFile = harness.directory.file("attachment.pdf")
        try Data(made.xml).write(to: packageFile)
        try Data(made.attachment).write(to: attachmentFile)
        let sent = try await java.client(sender, ["send", packageFile.path, attachmentFile.path])
        #expect(sent.status == 0, "\(sent.output)\(sent.errors)")
        #expect(sent.output.contains("sent \(made.packageId) status=accepted case=\(made.caseCode) repeated=false"), "\(sent.output)")
        // Sent again (a second click, GZ-7): the original receipt.
        let again = try await java.client(sender, ["send", packageFile.path])
        #expect(again.output.contains("sent \(made.packageId) status=accepted") && again.output.contains("repeated=true"), "\(again.output)")

        // The receiving business system lists its inbox over RMI, fetches the package and its file, and acknowledges.
        try await harness.eventually("the package is in the receiver's inbox, seen over RMI") {
            try await java.client(receiver, ["inbox", "--undelivered"]).output.contains("package \(made.packageId) ")
        }
        let received = harness.directory.file("received")
        let receive = try await java.client(receiver, ["receive", received.path])
        #expect(receive.status == 0, "\(receive.output)\(receive.errors)")
        #expect(receive.output.contains("acknowledged \(made.packageId)"), "\(receive.output)")
        let xml = try [UInt8](Data(contentsOf: received.appendingPathComponent("\(made.packageId).xml")))
        #expect(xml == made.xml, "the package's XML arrives over RMI exactly as it was sent (GZ-1)")
        let sha256 = ContentHash.sha256(made.attachment)
        let file = try [UInt8](Data(contentsOf: received.appendingPathComponent(made.packageId).appendingPathComponent(sha256)))
        #expect(file == made.attachment, "the attachment arrives over RMI exactly as it was sent")
        let listed = try await java.client(receiver, ["inbox"])
        #expect(listed.output.contains("package \(made.packageId) ") && listed.output.contains("state=delivered"), "\(listed.output)")

        // The sender follows it: every hop reaches it as an event over RMI, up to the receiver's acknowledgement.
        let events = try await java.client(sender, ["events", "--until", "delivered", "--package", made.packageId, "--seconds", "60"])
        #expect(events.status == 0, "no delivered event within 60 s: \(events.output)\(events.errors)")
        for hop in ["acceptedByNode", "receivedByHub", "coded", "forwarded", "storedByReceiver", "delivered"] {
            #expect(events.output.contains("hop=\(hop) package=\(made.packageId)"), "\(hop) in \(events.output)")
        }
        let status = try await java.client(sender, ["status", made.packageId])
        #expect(status.output.contains("status \(made.packageId) direction=outgoing") && status.output.contains("hop delivered "), "\(status.output)")

        // A package outside its code sets is refused, and the refusal reaches the Java caller as a XietongException
        // with the finding's code and its messages in Chinese and English.
        let refused = PackageFactory.arrestRequest(case: 41, message: 0, run: "rmi")
        let badFile = harness.directory.file("bad.xml")
        try Data(String(decoding: refused.xml, as: UTF8.self).replacingOnce("<Gender>1</Gender>", with: "<Gender>3</Gender>").utf8).write(to: badFile)
        let attachment2 = harness.directory.file("attachment2.pdf")
        try Data(refused.attachment).write(to: attachment2)
        let refusal = try await java.client(sender, ["send", badFile.path, attachment2.path])
        #expect(refusal.status == 1, "\(refusal.output)\(refusal.errors)")
        #expect(refusal.output.contains("error code=package.refused status=422 "), "\(refusal.output)")
        #expect(Self.findings(in: refusal.output).contains("codeset.gender"), "\(refusal.output)")
        #expect(refusal.output.contains("finding error codeset.gender at /CasePackage/Body/Persons/Person[1]/Gender: 性别代码"), "\(refusal.output)")
        #expect(refusal.output.contains("GB/T 2261.1"), "\(refusal.output)")
        // Malformed: no standard version to read it by.
        let malformedFile = harness.directory.file("malformed.xml")
        try Data("<x/>".utf8).write(to: malformedFile)
        let malformed = try await java.client(sender, ["send", malformedFile.path])
        #expect(malformed.status == 1 && Self.findings(in: malformed.output) == ["schema.version-unsupported"], "\(malformed.output)")
        // Nothing refused left the agency.
        let afterRefusals = try await java.client(sender, ["status", refused.packageId])
        #expect(afterRefusals.output.contains("error code=package.not-found status=404"), "\(afterRefusals.output)")

        // The node's errors reach the caller with their code and both messages.
        let unknown = try await java.client(receiver, ["fetch", "no-such-package", received.path])
        #expect(unknown.status == 1, "\(unknown.output)")
        #expect(unknown.output.contains("error code=package.not-found status=404"), "\(unknown.output)")
        #expect(unknown.output.contains("error-zh 没有该数据包") && unknown.output.contains("error-en no such package"), "\(unknown.output)")
        #expect(!sender.logText.contains(LocalExchange.apiKey(police)), "the gateway never logs the key")
    }

    @Test func theGatewayReadsOnlyItsOwnValueClassesAndListensOnLoopback() async throws {
        let java = try await JavaToolchain.shared.get()
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police])
        try harness.addNode(police)
        try await harness.startAll()
        let gateway = try await GatewayProcess.start(java, for: police, of: harness)
        defer { gateway.stop() }

        // A remote call whose list of attachments smuggles a java.util.Date, a HashMap and a Serializable class of the
        // gateway's own jar: each refused while the call is read, by the filter, and the gateway answers on.
        let probe = try await java.run("cn.xietong.rmi.example.FilterProbe", ["--registry", "127.0.0.1:\(gateway.port)"])
        #expect(probe.status == 0, "\(probe.output)\(probe.errors)")
        for type in ["java.util.Date", "java.util.HashMap", "cn.xietong.rmi.example.FilterProbe$Smuggled"] {
            #expect(probe.output.contains("rejected \(type): filter status: REJECTED"), "\(type): \(probe.output)")
            #expect(gateway.logText.contains("serial filter: rejected \(type)"), "\(type): \(gateway.logText)")
        }
        #expect(!probe.output.contains("accepted "), "\(probe.output)")
        #expect(probe.output.contains("still-answers organisation=\(police)"), "\(probe.output)")

        // The registry and the remote object share one port, bound to 127.0.0.1 only.
        if let addresses = Self.listeningAddresses(port: gateway.port) {
            #expect(!addresses.isEmpty, "nothing listens on \(gateway.port)")
            #expect(addresses.allSatisfy { Self.loopback.contains($0) }, "listening on \(addresses)")
        }

        // A key the node refuses stops the gateway before it serves anyone, in Chinese and English.
        let wrongKey = harness.directory.file("wrong.key")
        try Data("not-a-key-of-this-node\n".utf8).write(to: wrongKey)
        let refused = try await java.run(
            "cn.xietong.rmi.Gateway",
            [
                "--node", harness.services[police]!.url, "--key-file", wrongKey.path, "--registry-port", String(LocalProcesses.freePort()),
            ]
        )
        #expect(refused.status == 2, "\(refused.output)\(refused.errors)")
        #expect(refused.errors.contains("节点不接受该接口密钥") && refused.errors.contains("the node does not accept the API key"), "\(refused.errors)")
        #expect(!refused.errors.contains("not-a-key-of-this-node") && !refused.output.contains("not-a-key-of-this-node"))
    }

    @Test func overTLSOnlyClientsThatTrustTheGatewaysCertificateGetIn() async throws {
        let java = try await JavaToolchain.shared.get()
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police])
        try harness.addNode(police)
        try await harness.startAll()
        // The gateway's certificate (for 127.0.0.1) in a PKCS #12 key store, and a trust store holding it for clients.
        let keyStore = harness.directory.file("gateway.p12")
        let certificate = harness.directory.file("gateway.crt")
        let trustStore = harness.directory.file("trust.p12")
        let password = "rmi-test-store"
        for arguments in [
            [
                "-genkeypair", "-alias", "gateway", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext",
                "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.path, "-storepass", password,
            ],
            ["-exportcert", "-alias", "gateway", "-keystore", keyStore.path, "-storepass", password, "-rfc", "-file", certificate.path],
            [
                "-importcert", "-noprompt", "-alias", "gateway", "-file", certificate.path, "-storetype", "PKCS12", "-keystore",
                trustStore.path, "-storepass", password,
            ],
        ] {
            let made = try await java.keytool(arguments)
            try #require(made.status == 0, "keytool \(arguments[0]): \(made.output)\(made.errors)")
        }
        let gateway = try await GatewayProcess.start(
            java,
            for: police,
            of: harness,
            options: ["-Djavax.net.ssl.keyStore=\(keyStore.path)", "-Djavax.net.ssl.keyStorePassword=\(password)"],
            flags: ["--tls"]
        )
        defer { gateway.stop() }
        #expect(gateway.logText.contains(", TLS)"), "\(gateway.logText)")

        let trusted = ["-Djavax.net.ssl.trustStore=\(trustStore.path)", "-Djavax.net.ssl.trustStorePassword=\(password)"]
        let info = try await java.client(gateway, ["--tls", "info"], options: trusted)
        #expect(info.status == 0 && info.output.contains("info organisation=\(police) "), "\(info.output)\(info.errors)")
        // Without TLS, or without trusting its certificate, a client does not get in.
        let plain = try await java.client(gateway, ["info"])
        #expect(plain.status == 2 && plain.output.contains("rmi-error"), "\(plain.output)\(plain.errors)")
        let untrusted = try await java.client(gateway, ["--tls", "info"])
        #expect(untrusted.status == 2 && untrusted.output.contains("rmi-error"), "\(untrusted.output)\(untrusted.errors)")
        // Without a key store, --tls is refused before anything listens.
        let noKeyStore = try await java.run(
            "cn.xietong.rmi.Gateway",
            ["--node", harness.services[police]!.url, "--registry-port", String(LocalProcesses.freePort()), "--tls"],
            environment: ProcessInfo.processInfo.environment.merging(["XIETONG_API_KEY": LocalExchange.apiKey(police)]) { $1 }
        )
        #expect(noKeyStore.status == 2 && noKeyStore.errors.contains("--tls needs the server's certificate"), "\(noKeyStore.errors)")
    }

    @Test func badFlagsAreRefusedInChineseAndEnglish() async throws {
        let java = try await JavaToolchain.shared.get()
        let cases: [(arguments: [String], zh: String, en: String)] = [
            ([], "缺少 --node", "--node is required"),
            (["--node", "ftp://127.0.0.1:1"], "--node 应为 http:// 或 https:// 地址", "--node must be an http:// or https:// URL"),
            (
                ["--node", "http://127.0.0.1:1", "--registry-port", "70000"], "--registry-port 应为 1 至 65535 的整数",
                "--registry-port must be a whole number"
            ),
            (["--node", "http://127.0.0.1:1", "--registy-port", "1099"], "未知参数 --registy-port", "unknown flag --registy-port"),
            (["--node", "http://127.0.0.1:1", "--bind", "0.0.0.0"], "须以 --hostname 指明", "give --hostname"),
            (["--node", "http://127.0.0.1:1", "--key-file", "/nonexistent/key"], "无法读取文件", "cannot read /nonexistent/key"),
        ]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "XIETONG_API_KEY")
        for (arguments, zh, en) in cases {
            let result = try await java.run("cn.xietong.rmi.Gateway", arguments, environment: environment)
            #expect(result.status == 2, "\(arguments): \(result.output)\(result.errors)")
            #expect(result.errors.contains(zh) && result.errors.contains(en), "\(arguments): \(result.errors)")
        }
        // Without --key-file or XIETONG_API_KEY there is no key to call the node with.
        let noKey = try await java.run("cn.xietong.rmi.Gateway", ["--node", "http://127.0.0.1:1"], environment: environment)
        #expect(noKey.status == 2 && noKey.errors.contains("XIETONG_API_KEY"), "\(noKey.errors)")
    }

    /// The codes after `findings=` on the client's `error` line.
    static func findings(in output: String) -> [String] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("error code=") }),
            let range = line.range(of: "findings=")
        else { return [] }
        return line[range.upperBound...].split(separator: ",").map { String($0) }
    }

    /// 127.0.0.1 as /proc/net/tcp and tcp6 write it (an IPv6 socket bound to it is the mapped address).
    static let loopback: Set<String> = ["0100007F", "0000000000000000FFFF00000100007F"]

    /// The local addresses listening on `port`, from /proc/net/tcp and tcp6; nil where there is no /proc.
    static func listeningAddresses(port: Int) -> [String]? {
        let tables = ["/proc/net/tcp", "/proc/net/tcp6"].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        guard !tables.isEmpty else { return nil }
        let hex = String(port, radix: 16, uppercase: true)
        let hexPort = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        var addresses: [String] = []
        for table in tables {
            for line in table.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // sl, local_address, rem_address, st (0A: listening), …
                guard fields.count > 3, fields[3] == "0A" else { continue }
                let local = fields[1].split(separator: ":")
                guard local.count == 2, local[1] == hexPort else { continue }
                addresses.append(String(local[0]))
            }
        }
        return addresses
    }
}

/// The JDK's `java` and the gateway's jar, built once for the test run by integrations/rmi/build.sh (javac, jar).
struct JavaToolchain: Sendable {
    let java: String
    let jar: String

    /// Built once for the run, by whichever test asks first; the others wait for it without holding a thread.
    /// (A `static let` built it inside Swift's one-time initialiser, which blocks every thread that reads it: with two
    /// RMI tests starting together on 2 cores, the whole suite stood still while javac ran.)
    static var shared: Result<JavaToolchain, LocalProcesses.Failure> {
        get async { await Self.once.value }
    }
    private static let once = Task { await Self.prepare() }

    static func prepare() async -> Result<JavaToolchain, LocalProcesses.Failure> {
        guard let java = Self.tool("java"), Self.tool("javac") != nil, Self.tool("jar") != nil else {
            return .failure(
                LocalProcesses.Failure(
                    message:
                        "the RMI gateway's tests need a JDK (java, javac and jar on PATH or in JAVA_HOME/bin): install one, "
                        + "for example `apt-get install default-jdk-headless` (.ci/run does)"
                )
            )
        }
        let script = Repository.url("integrations/rmi/build.sh").path
        let result: ChildProcess.Result
        do {
            result = try await ChildProcess.run("/bin/bash", [script])
        } catch {
            return .failure(LocalProcesses.Failure(message: "cannot run \(script): \(error)"))
        }
        guard result.status == 0 else {
            return .failure(LocalProcesses.Failure(message: "\(script) failed with \(result.status):\n\(result.output)\(result.errors)"))
        }
        let jar = Repository.url("integrations/rmi/build/xietong-rmi.jar").path
        guard FileManager.default.fileExists(atPath: jar) else {
            return .failure(LocalProcesses.Failure(message: "\(script) made no \(jar):\n\(result.output)\(result.errors)"))
        }
        return .success(JavaToolchain(java: java, jar: jar))
    }

    /// An executable of the JDK: in JAVA_HOME/bin, else on PATH.
    static func tool(_ name: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        var folders: [String] = []
        if let home = environment["JAVA_HOME"] { folders.append("\(home)/bin") }
        folders += (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { String($0) }
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a class of the jar to completion, with the JVM's `options` (`-Dname=value`).
    func run(
        _ mainClass: String,
        _ arguments: [String],
        options: [String] = [],
        environment: [String: String]? = nil
    ) async throws -> ChildProcess.Result {
        try await ChildProcess.run(self.java, options + ["-cp", self.jar, mainClass] + arguments, environment: environment)
    }

    /// Runs the example client against a gateway.
    func client(_ gateway: GatewayProcess, _ arguments: [String], options: [String] = []) async throws -> ChildProcess.Result {
        try await self.run("cn.xietong.rmi.example.ExampleClient", ["--registry", "127.0.0.1:\(gateway.port)"] + arguments, options: options)
    }

    /// Runs the JDK's keytool to completion.
    func keytool(_ arguments: [String]) async throws -> ChildProcess.Result {
        guard let keytool = Self.tool("keytool") else {
            throw LocalProcesses.Failure(message: "keytool is missing from the JDK (PATH, JAVA_HOME/bin)")
        }
        return try await ChildProcess.run(keytool, arguments)
    }
}

/// A gateway beside an organisation's node: a child process of the test, its registry and object on one free
/// loopback port, the business system's key in a file only the test's user may read. It ends with the test process
/// too (`XIETONG_PARENT_PID`).
final class GatewayProcess {
    let port: Int
    let log: URL
    let process: ChildProcess

    private init(port: Int, log: URL, process: ChildProcess) {
        self.port = port
        self.log = log
        self.process = process
    }

    var logText: String { (try? String(contentsOf: self.log, encoding: .utf8)) ?? "" }

    /// Starts it and waits until it says it is ready and connected to the node's events.
    static func start(
        _ java: JavaToolchain,
        for organisation: String,
        of harness: ExchangeHarness,
        options: [String] = [],
        flags: [String] = []
    ) async throws -> GatewayProcess {
        let keyFile = harness.directory.file("rmi-\(organisation).key")
        try Data("\(LocalExchange.apiKey(organisation))\n".utf8).write(to: keyFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        let port = LocalProcesses.freePort()
        let log = harness.directory.file("rmi-\(organisation).log")
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "XIETONG_API_KEY")
        environment["XIETONG_PARENT_PID"] = String(ProcessInfo.processInfo.processIdentifier)
        let process = try ChildProcess.spawn(
            java.java,
            options + [
                "-cp", java.jar, "cn.xietong.rmi.Gateway", "--node", harness.services[organisation]!.url, "--key-file", keyFile.path,
                "--registry-port", String(port), "--name", "xietong",
            ] + flags,
            environment: environment,
            stdout: log.path
        )
        let gateway = GatewayProcess(port: port, log: log, process: process)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let status = process.exited() {
                throw LocalProcesses.Failure(message: "the RMI gateway of \(organisation) exited with \(status): \(gateway.logText)")
            }
            let text = gateway.logText
            if text.contains("gateway ready") && text.contains("events: connected") { return gateway }
            try await Task.sleep(for: .milliseconds(100))
        }
        gateway.stop()
        throw LocalProcesses.Failure(message: "the RMI gateway of \(organisation) did not start within 60 s: \(gateway.logText)")
    }

    func stop() {
        guard self.process.isRunning else { return }
        self.process.signal(SIGTERM)
        self.process.wait()
    }

    deinit { self.stop() }
}
