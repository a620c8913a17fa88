import Foundation
import Testing
import XietongCore
import XietongHTTP
import XietongHub
import XietongLocal
import XietongNode
import XietongTesting
import XietongTrust

/// A local topology's configurations, written as files and read back by the loaders `xietong hub --config` and
/// `xietong node --config` use (issue 21, item 4): the same values, and the secrets the tests and the demo call with
/// are the ones the services accept.
@Suite struct LocalTopologyTests {
    static let police = "330106000101"
    static let procuratorate = "330106000201"

    /// Loads a hub's file as `xietong hub --config` does, with no environment over it.
    static func hub(_ path: String) throws -> HubConfiguration { try HubConfiguration.load(file: path, environment: [:]) }

    static func node(_ path: String) throws -> NodeConfiguration { try NodeConfiguration.load(file: path, environment: [:]) }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func roundTrip(tls: Bool, randomSecrets: Bool) throws {
        let directory = try TemporaryDirectory(prefix: "xietong-topology")
        var topology = LocalTopology(directory: directory.url, randomSecrets: randomSecrets)
        if tls { try topology.enableTLS() }
        topology.freeSpaceReserveMB = 0
        let hubPort = LocalTopology.claimPort()
        let hub = try topology.hub(port: hubPort, nodes: [Self.police, Self.procuratorate])
        let loadedHub = try Self.hub(topology.write(hub, to: "hub.json"))
        #expect(try CanonicalJSON.encode(loadedHub) == CanonicalJSON.encode(hub))
        #expect(loadedHub.format == "xietong.hub/1" && loadedHub.listen == ListenAddress(host: "127.0.0.1", port: hubPort))
        #expect(loadedHub.tls == (tls ? TLSFiles.issued(by: directory.file("pki"), to: LocalTopology.hubOrganisation) : nil))
        #expect(loadedHub.freeSpaceReserveMB == 0)
        #expect(loadedHub.credentials.principal(token: topology.supervisorToken) == Principal(name: "监督员", role: .supervisor))
        #expect(loadedHub.credentials.principal(token: topology.adminToken)?.role == .administrator)
        #expect(loadedHub.nodes.map(\.token) == [topology.hubToken(for: Self.police), topology.hubToken(for: Self.procuratorate)])
        // Only hashes of the users' tokens are written.
        let hubText = try String(contentsOf: directory.file("hub.json"), encoding: .utf8)
        #expect(!hubText.contains(topology.supervisorToken) && hubText.contains(Credential.hash(topology.supervisorToken)))

        let businessPort = LocalTopology.claimPort()
        let node = try topology.node(
            Self.procuratorate,
            port: LocalTopology.claimPort(),
            hubURL: topology.hubURL(port: hubPort),
            businessPort: businessPort,
            serveTLS: true
        )
        let loaded = try Self.node(topology.write(node, to: "node.json"))
        #expect(try CanonicalJSON.encode(loaded) == CanonicalJSON.encode(node))
        #expect(loaded.format == "xietong.node/1" && loaded.hub.url == "\(tls ? "https" : "http")://127.0.0.1:\(hubPort)")
        #expect(loaded.hub.token == topology.hubToken(for: Self.procuratorate))
        #expect(loaded.serveTLS == tls && (loaded.tls != nil) == tls)
        #expect(loaded.delivery.mode == .push && loaded.delivery.url == "http://127.0.0.1:\(businessPort)/receive")
        #expect(loaded.retryBaseSeconds == 0.05 && loaded.retryMaxSeconds == 1 && loaded.freeSpaceReserveMB == 0)
        #expect(
            loaded.credentials.principal(token: topology.apiKey(for: Self.procuratorate))
                == Principal(name: "business-\(Self.procuratorate)", role: .businessSystem)
        )
        let officer = topology.officer(for: Self.procuratorate)
        #expect(loaded.officers.principal(token: officer.password) == Principal(name: officer.user, role: .officer))
        let nodeText = try String(contentsOf: directory.file("node.json"), encoding: .utf8)
        #expect(!nodeText.contains(topology.apiKey(for: Self.procuratorate)) && !nodeText.contains(officer.password))
        // The tests' secrets are fixed; a demo's are its own.
        #expect((topology.apiKey(for: Self.police) == LocalExchange.apiKey(Self.police)) == !randomSecrets)
        #expect((topology.officer(for: Self.police) == LocalExchange.officer(Self.police)) == !randomSecrets)
    }

    /// What `LocalExchange` writes for its processes loads, with its options.
    @Test func exchangeFiles() throws {
        let directory = try TemporaryDirectory(prefix: "xietong-topology")
        let exchange = try LocalExchange(directory: directory.url, executable: URL(fileURLWithPath: "/bin/false"))
        try exchange.enableTLS()
        let hub = try exchange.addHub(nodes: [Self.police, Self.procuratorate], alertCheckSeconds: 1, reminderDaysBefore: [3], freeSpaceReserveMB: 8)
        let loadedHub = try Self.hub(hub.arguments[2])
        #expect(hub.arguments[0...1] == ["hub", "--config"] && hub.url.hasPrefix("https://"))
        #expect(loadedHub.listen.port == hub.port && loadedHub.dataDirectory == directory.file("hub").path)
        #expect(loadedHub.reminderDaysBefore == [3] && loadedHub.reminderCheckSeconds == 1 && loadedHub.freeSpaceReserveMB == 8)
        #expect(loadedHub.credentials.principal(token: exchange.supervisorToken)?.role == .supervisor)
        #expect(loadedHub.nodes.map(\.token) == [exchange.token(for: Self.police), exchange.token(for: Self.procuratorate)])

        let sender = try exchange.addNode(Self.police, lanes: 3, serveTLS: true, retryMaxSeconds: 4)
        let loadedSender = try Self.node(sender.arguments[2])
        #expect(loadedSender.listen.port == sender.port && sender.url.hasPrefix("https://") && loadedSender.serveTLS)
        #expect(loadedSender.lanes == 3 && loadedSender.retryMaxSeconds == 4 && loadedSender.delivery.mode == .pull)
        #expect(loadedSender.hub.url == hub.url && loadedSender.hub.token == exchange.token(for: Self.police))
        #expect(loadedSender.freeSpaceReserveMB == NodeConfiguration().freeSpaceReserveMB)

        try exchange.addReceiver(Self.procuratorate)
        let receiver = try #require(exchange.services[Self.procuratorate])
        let business = try #require(exchange.services["business-\(Self.procuratorate)"])
        let loadedReceiver = try Self.node(receiver.arguments[2])
        #expect(loadedReceiver.listen.port == receiver.port && business.arguments.contains("http://127.0.0.1:\(receiver.port)"))
        #expect(loadedReceiver.delivery.url == "http://127.0.0.1:\(business.port)/receive")
        #expect(loadedReceiver.credentials.principal(token: LocalExchange.apiKey(Self.procuratorate))?.role == .businessSystem)
        #expect(loadedReceiver.officers.principal(token: LocalExchange.officer(Self.procuratorate).password)?.role == .officer)
    }
}
