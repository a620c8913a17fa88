import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// A hub linked to a peer hub (issue 23), at the store: what is meant for an organisation the peer serves goes to the
/// peer's link feed, with the step it answers; the peer's hops come back under the peer's names and go to the sender;
/// nothing the peer reported is sent back to it; and the limits of the peer's agencies are counted by the peer.
@Suite struct FederationStoreTests {
    /// The city's hub; the province's hub, linked as `province`, serves the procuratorate.
    static let procuratorate = "330106000201"
    static let police = "330106000101"
    static let federation = Federation(peers: [Federation.Peer(name: "province", hub: "330000000001", organisations: [Self.procuratorate])])

    static func store(_ database: any SQLDatabase, federation: Federation) throws -> HubStore {
        let bundled = try FlowEngine.bundled()
        let flows = FlowEngine(
            catalog: bundled.rules.catalog,
            calendar: bundled.deadlines.calendar,
            registry: try OrganisationRegistry.demo(),
            federation: federation
        )
        return HubStore(database: database, hubOrganisation: "330100000001", flows: flows, clock: Fixtures.clock())
    }

    @Test(arguments: StoreBackend.allCases)
    func aPackageForThePeersAgencyGoesToTheLinkFeedAndItsLimitsAreThePeers(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = try Self.store(database, federation: Self.federation)
        let request = try FlowLimitTests.accepted("arrestApproval.arrestRequest", "federated-request")
        let receipt = try await store.accept(request, statusURL: "/s")
        #expect(receipt.status == .accepted)
        // Queued for the peer, not in a feed of the procuratorate's own that nobody reads here.
        let link = try await store.feed(organisation: Federation.linkFeed("province"), after: 0, limit: 10)
        #expect(link.compactMap(\.delivery).map(\.packageId) == [FlowLimitTests.id("federated-request")])
        #expect(try await store.feed(organisation: Self.procuratorate, after: 0, limit: 10).isEmpty)
        // The procuratorate's seven days are counted by the province's hub, which reminds it.
        #expect(!(try await store.deadlines(of: FlowLimitTests.id("federated-request")).contains { $0.responsible == Self.procuratorate }))
        // Without the link the same package starts the procuratorate's limit here.
        let alone = try Self.store(database, federation: .none)
        _ = try await alone.accept(try FlowLimitTests.accepted("arrestApproval.arrestRequest", "local-request"), statusURL: "/s")
        #expect(try await alone.deadlines(of: FlowLimitTests.id("local-request")).contains { $0.responsible == Self.procuratorate })
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func thePeersHopsComeBackToTheSenderUnderThePeersNamesAndNeverGoBack(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = try Self.store(database, federation: Self.federation)
        let id = FlowLimitTests.id("federated-hops")
        _ = try await store.accept(
            try FlowLimitTests.accepted("arrestApproval.arrestRequest", "federated-hops"),
            statusURL: "/s",
            hopsInReceipt: true
        )
        let peerHub = "330000000001"
        let reported = [
            PackageEvent(packageId: id, hop: .receivedByHub, at: "2026-11-20T02:00:01Z", organisation: peerHub, detail: "sha256:ab"),
            PackageEvent(packageId: id, hop: .coded, at: "2026-11-20T02:00:01Z", organisation: peerHub, detail: "x"),
            PackageEvent(packageId: id, hop: .forwarded, at: "2026-11-20T02:00:01Z", organisation: peerHub, detail: Self.procuratorate),
            PackageEvent(packageId: id, hop: .storedByReceiver, at: "2026-11-20T02:00:02Z", organisation: Self.procuratorate),
            // A hop of an organisation the peer does not serve is recorded as the peer hub's.
            PackageEvent(packageId: id, hop: .delivered, at: "2026-11-20T02:00:03Z", organisation: "330106000301"),
        ]
        let outcomes = try await store.record(reported, reportedBy: Federation.linkFeed("province"))
        #expect(outcomes.allSatisfy { if case .recorded = $0 { true } else { false } })
        let hops = try await store.events(of: id)
        #expect(hops.map(\.hop).contains(.receivedByPeerHub))
        #expect(hops.map(\.hop).contains(.forwardedByPeerHub))
        #expect(hops.filter { $0.hop == .receivedByHub }.map(\.organisation) == ["330100000001"], "the city's own hop stays its own")
        #expect(hops.first { $0.hop == .storedByReceiver }?.organisation == Self.procuratorate)
        #expect(hops.first { $0.hop == .delivered }?.organisation == peerHub)
        // The sender hears each, and the peer none of what it reported.
        let sender = try await store.feed(organisation: Self.police, after: 0, limit: 20).compactMap(\.event).map(\.hop)
        #expect(sender == [.receivedByPeerHub, .forwardedByPeerHub, .storedByReceiver, .delivered])
        let back = try await store.feed(organisation: Federation.linkFeed("province"), after: 0, limit: 20)
        #expect(back.compactMap(\.event).isEmpty)
        // The peer of the sender's side reports its alert, and none of the receiver's hops.
        let otherWay = try Self.store(
            database,
            federation: Federation(peers: [Federation.Peer(name: "city", hub: "330100000009", organisations: [Self.police])])
        )
        let signedFor = PackageEvent(packageId: id, hop: .signedFor, at: "2026-11-20T02:00:04Z", organisation: Self.procuratorate)
        let byTheSendersPeer = try await otherWay.record([signedFor], reportedBy: Federation.linkFeed("city"))
        #expect(byTheSendersPeer.count == 1 && { if case .notAParty = byTheSendersPeer[0] { true } else { false } }())
        let alert = PackageEvent(packageId: id, hop: .alerted, at: "2026-11-20T03:00:00Z", organisation: "330100000009", detail: "forwarded")
        let alerted = try await otherWay.record([alert], reportedBy: Federation.linkFeed("city"))
        #expect(alerted.count == 1 && { if case .recorded = alerted[0] { true } else { false } }())
        // A node, or another peer, reports nothing of a package it takes no part in.
        let stranger = try await store.record([reported[3]], reportedBy: "330106000301")
        #expect(stranger.count == 1 && { if case .notAParty = stranger[0] { true } else { false } }())
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aReplyToAStepOnlyThePeerCarriedContinuesTheInstanceThePeerNamed(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        // The city's hub; the procuratorate is the province's. Its decision answers a request this hub never carried.
        let store = try Self.store(database, federation: Self.federation)
        var decision = try FlowLimitTests.accepted("arrestApproval.arrestApprovalDecision", "adopted-decision", inReplyTo: "adopted-request")
        let refused = try await store.accept(decision, statusURL: "/s")
        #expect(refused.findings.map(\.code) == [.flowUnknownReference])
        decision = try FlowLimitTests.accepted("arrestApproval.arrestApprovalDecision", "adopted-decision-2", inReplyTo: "adopted-request")
        decision.answeringAtPeer = FlowStep(
            packageId: FlowLimitTests.id("adopted-request"),
            instanceId: FlowLimitTests.id("adopted-request"),
            caseCode: decision.unifiedCaseCode,
            flow: "arrestApproval",
            messageType: "arrestRequest",
            sender: Self.police,
            receiver: Self.procuratorate,
            instanceClosed: false
        )
        let accepted = try await store.accept(decision, statusURL: "/s")
        #expect(accepted.status == .accepted, "\(accepted.findings.map(\.message.en))")
        // The instance is the one the peer named, so the police's receipt closes it here as there.
        let receipt = try FlowLimitTests.accepted("arrestApproval.arrestExecutionReceipt", "adopted-receipt", inReplyTo: "adopted-decision-2")
        #expect(try await store.accept(receipt, statusURL: "/s").status == .accepted)
        let after = try FlowLimitTests.accepted("arrestApproval.arrestExecutionReceipt", "adopted-late", inReplyTo: "adopted-decision-2")
        #expect(try await store.accept(after, statusURL: "/s").findings.map(\.code) == [.flowClosed])
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aReplyForThePeersAgencyCarriesTheStepItAnswers(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        // The province's hub: the police are the city's.
        let store = try Self.store(
            database,
            federation: Federation(peers: [Federation.Peer(name: "city", hub: "330100000001", organisations: [Self.police])])
        )
        _ = try await store.accept(try FlowLimitTests.accepted("arrestApproval.arrestRequest", "carried-request"), statusURL: "/s")
        _ = try await store.accept(
            try FlowLimitTests.accepted("arrestApproval.arrestApprovalDecision", "carried-decision", inReplyTo: "carried-request"),
            statusURL: "/s"
        )
        let link = try await store.feed(organisation: Federation.linkFeed("city"), after: 0, limit: 10).compactMap(\.delivery)
        #expect(link.map(\.packageId) == [FlowLimitTests.id("carried-decision")])
        #expect(link.first?.answering?.packageId == FlowLimitTests.id("carried-request"))
        #expect(link.first?.answering?.instanceId == FlowLimitTests.id("carried-request"))
        #expect(link.first?.answering?.messageType == "arrestRequest")
        await database.close()
    }
}
