import Testing
import XietongCore

/// Which hub serves which organisation (issue 23): one decision, `Federation`, for every feed entry and every report.
@Suite struct FederationTests {
    static let federation = Federation(peers: [
        Federation.Peer(name: "province", hub: "330000000001", organisations: ["330000000501", "330000000502"]),
        Federation.Peer(name: "national", hub: "100000000001", organisations: ["100000000501"]),
    ])

    @Test func anOrganisationAPeerServesIsQueuedInThatPeersLinkFeed() {
        let federation = Self.federation
        #expect(federation.feed(for: "330000000501") == "peer:province")
        #expect(federation.feed(for: "100000000501") == "peer:national")
        #expect(federation.feed(for: "330106000301") == "330106000301")
        #expect(federation.servesLocally("330106000301") && !federation.servesLocally("330000000502"))
        // A link feed is not an organisation: routing it again leaves it as it is.
        #expect(federation.feed(for: "peer:province") == "peer:province")
        #expect(Federation.peerName(ofFeed: "peer:province") == "province" && Federation.peerName(ofFeed: "330106000301") == nil)
        #expect(Federation.none.feed(for: "330000000501") == "330000000501")
    }

    @Test func onlyAPartyOrThePeerServingOneReadsOrReports() {
        let federation = Self.federation
        let (court, prison) = ("330106000301", "330000000501")
        #expect(federation.isParty("peer:province", sender: court, receiver: prison))
        #expect(federation.isParty("peer:province", sender: prison, receiver: court))
        #expect(!federation.isParty("peer:national", sender: court, receiver: prison))
        #expect(federation.isParty(court, sender: court, receiver: prison))
        // A node reports hops of what it receives; the peer of either side reports the far side's.
        #expect(federation.mayReport(.delivered, as: prison, sender: court, receiver: prison))
        #expect(!federation.mayReport(.delivered, as: court, sender: court, receiver: prison))
        #expect(federation.mayReport(.alerted, as: "peer:province", sender: prison, receiver: court))
        #expect(!federation.mayReport(.alerted, as: "peer:national", sender: prison, receiver: court))
    }

    @Test func aPeersOwnHubHopsAreRecordedUnderThePeersNames() {
        #expect(Hop.receivedByHub.reportedByPeer == .receivedByPeerHub)
        #expect(Hop.forwarded.reportedByPeer == .forwardedByPeerHub)
        #expect(Hop.coded.reportedByPeer == nil && Hop.acceptedByNode.reportedByPeer == nil)
        #expect(Hop.storedByReceiver.reportedByPeer == .storedByReceiver && Hop.refused.reportedByPeer == .refused)
        // The journey reads on through the peer's hops to the receiver.
        #expect(Hop.receivedByPeerHub.next == .forwardedByPeerHub && Hop.forwardedByPeerHub.next == .storedByReceiver)
    }

    @Test func aDeliveryCarriesTheStepItAnswersThroughItsJSON() throws {
        var delivery = Delivery(
            packageId: "p",
            sender: "330000000501",
            receiver: "330106000401",
            flow: "temporaryOutOfPrisonExecution",
            messageType: "outOfPrisonHandover",
            unifiedCaseCode: "c",
            agencyCaseNumber: "n",
            contentSHA256: "h",
            contentSize: 1,
            attachments: [],
            acceptedAt: "2026-12-01T00:00:00Z"
        )
        delivery.answering = FlowStep(
            packageId: "d",
            instanceId: "m",
            caseCode: "c",
            flow: "temporaryOutOfPrisonExecution",
            messageType: "outOfPrisonDecision",
            sender: "330000000502",
            receiver: "330000000501",
            instanceClosed: false,
            instanceParties: ["330106000201"]
        )
        let bytes = CanonicalJSON.bytes(delivery)
        #expect(JSONReader.decode(Delivery.self, from: bytes) == delivery)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""instanceParties":["330000000501","330000000502","330106000201"]"#))
    }
}
