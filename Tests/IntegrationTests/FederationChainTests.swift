import Foundation
import Testing
import XietongCore
import XietongHub
import XietongLocal
import XietongTesting

/// A hierarchy of hubs (issue 23): a city hub, its province's, and a national one above. A package from the city's
/// police to a procuratorate the national hub serves goes through the provincial hub, which takes it in and hands it
/// on; the receiver's hops come back through both links to the sender.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FederationChainTests {
    static let police = "330106000101"
    /// Served by the national hub in this test.
    static let procuratorate = "330106000201"
    static let national = "100000000001"

    @Test func aPackageCrossesTwoLinksThroughTheProvinceAndEveryHopComesBack() async throws {
        let harness = try ExchangeHarness()
        let exchange = harness.exchange
        let topology = exchange.topology
        let (cityPort, provincePort, nationalPort) = (LocalTopology.claimPort(), LocalTopology.claimPort(), LocalTopology.claimPort())
        func peer(_ name: String, _ organisation: String, _ port: Int, _ organisations: [String], from local: String) -> HubConfiguration.PeerHub {
            topology.peer(name, organisation: organisation, port: port, organisations: organisations, from: local)
        }
        // The city knows only its province, which serves the national hub's agencies too.
        try exchange.addHub(
            nodes: [Self.police],
            port: cityPort,
            peers: [peer("province", LocalTopology.provinceHubOrganisation, provincePort, [Self.procuratorate], from: "city")]
        )
        try exchange.addHub(
            nodes: [],
            name: "hub-province",
            organisation: LocalTopology.provinceHubOrganisation,
            port: provincePort,
            peers: [
                peer("city", LocalTopology.hubOrganisation, cityPort, [Self.police], from: "province"),
                peer("national", Self.national, nationalPort, [Self.procuratorate], from: "province"),
            ]
        )
        try exchange.addHub(
            nodes: [Self.procuratorate],
            name: "hub-national",
            organisation: Self.national,
            port: nationalPort,
            peers: [peer("province", LocalTopology.provinceHubOrganisation, provincePort, [Self.police], from: "national")]
        )
        try harness.addNode(Self.police)
        try harness.addReceiver(Self.procuratorate, hub: "hub-national")
        try await harness.startAll()

        let packages = (0..<3).map { caseNumber in (0..<2).map { PackageFactory.arrestRequest(case: caseNumber, message: $0, run: "chain") } }
        try await harness.sendCases(packages, from: Self.police)
        try await harness.eventually("all six reach the national hub's procuratorate", timeout: 60) {
            try await harness.received(by: Self.procuratorate).count >= 6
        }
        #expect(try await harness.deliveryProblems(of: packages, at: Self.procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: packages, sender: Self.police)
        let hops = try await harness.status(of: packages[0][0].packageId, at: Self.police)
        // The province's hops as the city records them; the receiver's hops through both links.
        #expect(hops.contains { $0.hop == .receivedByPeerHub && $0.organisation == LocalTopology.provinceHubOrganisation })
        #expect(hops.contains { $0.hop == .storedByReceiver && $0.organisation == Self.procuratorate })
        // Nothing waits on any link once it drained.
        for hub in ["hub", "hub-province", "hub-national"] {
            try await harness.eventually("\(hub)'s links drained", timeout: 30) {
                try await FederationTests.links(harness, at: hub).allSatisfy { $0.waiting == 0 }
            }
        }
    }
}
