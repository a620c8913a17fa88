import Foundation
import Testing
import XietongCore
import XietongHub
import XietongTesting
import XietongTrust

/// A hub's `peers` (issue 23): a mistake there would send an agency's packages to the wrong platform or open the link
/// to anyone, so each is refused with its setting named, in Chinese and English.
@Suite struct PeerSettingsTests {
    static let good =
        #"{"name":"province","organisation":"330000000001","url":"http://127.0.0.1:8401","organisations":["330000000501"],"token":"link-token-province-city","tokenAtPeer":"link-token-city-province"}"#

    static func load(_ peers: String, nodes: String = "[]", directory: TemporaryDirectory) throws -> HubConfiguration {
        let file = directory.file("hub-\(UUID().uuidString.prefix(6)).json")
        try Data(#"{"format":"xietong.hub/1","nodes":\#(nodes),"peers":\#(peers)}"#.utf8).write(to: file)
        return try HubConfiguration.load(file: file.path, environment: [:])
    }

    @Test func aGoodPeerLoadsAndNamesWhoServesWhom() throws {
        let hub = try Self.load("[\(Self.good)]", directory: try TemporaryDirectory())
        #expect(hub.peers.map(\.name) == ["province"])
        #expect(hub.federation.feed(for: "330000000501") == "peer:province")
        #expect(hub.federation.servesLocally("330106000101"))
        #expect(hub.linkAlertAfterSeconds == 600)
    }

    @Test(arguments: [
        (#""name":"province""#, #""name":"省 link""#, "peers[0].name"),
        (#""organisation":"330000000001""#, #""organisation":"330100000001""#, "peers[0].organisation"),
        (#""url":"http://127.0.0.1:8401""#, #""url":"127.0.0.1:8401""#, "peers[0].url"),
        (#""organisations":["330000000501"]"#, #""organisations":[]"#, "peers[0].organisations"),
        (#""organisations":["330000000501"]"#, #""organisations":["33000000050"]"#, "peers[0].organisations[0]"),
        (#""token":"link-token-province-city""#, #""token":"short""#, "peers[0].token"),
        (#""tokenAtPeer":"link-token-city-province""#, #""tokenAtPeer":"x""#, "peers[0].tokenAtPeer"),
        (#""token":"link-token-province-city""#, #""tokn":"link-token-province-city""#, "peers[0].tokn"),
    ])
    func aBadPeerIsRefusedNamingTheSetting(original: String, replacement: String, path: String) throws {
        let bad = Self.good.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try Self.load("[\(bad)]", directory: try TemporaryDirectory())
            Issue.record("\(bad) was taken")
        } catch let error as ConfigurationError {
            #expect(error.path == path, "\(error)")
            #expect(!error.message.zh.isEmpty && !error.message.en.isEmpty)
        }
    }

    @Test func anOrganisationIsServedByOneHubOnly() throws {
        let directory = try TemporaryDirectory()
        // Served by a node of this hub and by the peer.
        do {
            _ = try Self.load("[\(Self.good)]", nodes: #"[{"organisation":"330000000501","token":"node-token-330000000501"}]"#, directory: directory)
            Issue.record("an organisation served twice was taken")
        } catch let error as ConfigurationError {
            #expect(error.code == .duplicate && error.path == "peers[0].organisations[0]")
        }
        // Two links of one name.
        let other = Self.good.replacingOccurrences(of: "330000000501", with: "330000000502").replacingOccurrences(
            of: "link-token-province-city",
            with: "link-token-other-peer-x"
        )
        do {
            _ = try Self.load("[\(Self.good),\(other)]", directory: directory)
            Issue.record("a name used twice was taken")
        } catch let error as ConfigurationError {
            #expect(error.code == .duplicate && error.path == "peers[1].name")
        }
    }

    @Test func underTLSAPeerNeedsItsPlatformsCAAndHTTPS() throws {
        let directory = try TemporaryDirectory()
        let pki = directory.url.appendingPathComponent("pki")
        _ = try CertificateAuthority.create(in: pki).issue(organisation: "330100000001")
        let tls =
            #""tls":{"certificate":"\#(pki.path)/issued/330100000001.crt","key":"\#(pki.path)/issued/330100000001.key","caCertificate":"\#(pki.path)/ca.crt"}"#
        let file = directory.file("hub-tls.json")
        try Data(#"{"format":"xietong.hub/1",\#(tls),"peers":[\#(Self.good)]}"#.utf8).write(to: file)
        do {
            _ = try HubConfiguration.load(file: file.path, environment: [:])
            Issue.record("an http peer under TLS was taken")
        } catch {
            #expect(error.path == "peers[0].url")
        }
        let https = Self.good.replacingOccurrences(of: "http://", with: "https://")
        try Data(#"{"format":"xietong.hub/1",\#(tls),"peers":[\#(https)]}"#.utf8).write(to: file)
        do {
            _ = try HubConfiguration.load(file: file.path, environment: [:])
            Issue.record("a peer without its CA under TLS was taken")
        } catch {
            #expect(error.path == "peers[0].caCertificate")
        }
    }
}
