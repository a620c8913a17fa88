import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting
import XietongTrust

/// Witnesses of a hub's evidence log (issue 23, SZ-3 "preserved by an independent party"), on real processes: a
/// witness run by another body mirrors the log and countersigns every head it checked; a node that requires it keeps
/// only countersigned heads; killing the witness loses nothing of the exchange; a hub that rewrites its history is
/// caught by the witness, which countersigns nothing after it.
@Suite(.serialized, .timeLimit(.minutes(5))) struct WitnessTests {
    static let police = "330106000101"
    static let procuratorate = "330106000201"
    /// The provincial committee, witnessing the city's hub.
    static let witness = "330000000001"

    struct Status: Decodable {
        var name: String
        var mirroredLeaves: Int
        var lastCountersigned: Evidence.TreeHead?
        var delivered: Bool?
        var alarms: [Alarm]

        struct Alarm: Decodable {
            var detail: LocalizedText
        }
    }

    struct NodeEvidence: Decodable {
        let treeHead: Evidence.TreeHead?
    }

    @Test func aWitnessCountersignsWhatItCheckedANodeRequiresItAndARewriteIsCaught() async throws {
        let harness = try ExchangeHarness()
        let hubPort = LocalTopology.claimPort()
        harness.exchange.hubPorts["hub"] = hubPort
        let key = try harness.exchange.addWitness(Self.witness)
        // A second witness (a notary): the node requires both.
        let notary = try harness.exchange.addWitness("notary-hz")
        try harness.exchange.addHub(nodes: [Self.police, Self.procuratorate], port: hubPort)
        let requirement = WitnessRequirement(required: 2, publicKeys: [key, notary])
        try harness.addNode(Self.police, witnesses: requirement)
        try harness.addReceiver(Self.procuratorate)
        try await harness.startAll()
        let witness = harness.services["witness-\(Self.witness)"]!.url
        let hub = harness.services["hub"]!.url

        // A stream with the witness killed in the middle: the exchange does not wait for it.
        let packages = (0..<4).map { caseNumber in
            (0..<5).map { PackageFactory.arrestRequest(case: caseNumber, message: $0, run: "witnessed") }
        }
        let sending = Task { try await harness.sendCases(packages, from: Self.police) }
        try await harness.eventually("some deliveries before the kill", timeout: 60) {
            try await harness.received(by: Self.procuratorate).count >= 6
        }
        await harness.kill9("witness-\(Self.witness)")
        try await Task.sleep(for: .milliseconds(300))
        try await harness.start("witness-\(Self.witness)")
        try await sending.value
        try await harness.eventually("all 20 delivered", timeout: 60) { try await harness.received(by: Self.procuratorate).count >= 20 }
        #expect(try await harness.deliveryProblems(of: packages, at: Self.procuratorate) == [])

        // The witness catches up with the hub's latest head and countersigns it; the hub serves the countersignature.
        let policy = try WitnessPolicy(requirement)
        try await harness.eventually("the witness countersigned the hub's latest head", timeout: 30) {
            let latest = try await harness.get("\(hub)/v1/evidence/tree-head", key: harness.adminToken).json(Evidence.TreeHead.self)
            let status = try await harness.get("\(witness)/v1/witness").json(Status.self)
            let cosigned = try await harness.get("\(hub)/v1/evidence/tree-head?cosigned=true&witnesses=2", key: harness.adminToken)
                .json(Evidence.TreeHead.self)
            return latest != nil && status?.lastCountersigned?.treeSize == latest?.treeSize && status?.delivered == true
                && cosigned?.treeSize == latest?.treeSize && cosigned.map { policy.problem($0) == nil } == true
        }
        let status = try #require(try await harness.get("\(witness)/v1/witness").json(Status.self))
        #expect(status.alarms.isEmpty && status.mirroredLeaves >= status.lastCountersigned?.treeSize ?? 0)
        // The node that requires the witness keeps only countersigned heads.
        let node = harness.services[Self.police]!.url
        try await harness.eventually("the node keeps a witnessed head", timeout: 30) {
            let kept = try await harness.get("\(node)/api/v1/evidence", key: ExchangeHarness.apiKey(Self.police)).json(NodeEvidence.self)?.treeHead
            return kept.map { policy.problem($0) == nil } == true
        }
        // A witnessed evidence receipt: the package's hand-overs against a head the witness countersigned.
        let packageId = packages[0][0].packageId
        let receipt = try #require(
            try await harness.get("\(hub)/v1/evidence/packages/\(packageId)?witnessed=true&witnesses=2", key: harness.adminToken).json(
                Evidence.Receipt.self
            )
        )
        #expect(receipt.proofsHold && policy.problem(receipt.treeHead) == nil)
        #expect(Set(receipt.entries.map(\.event.hop)).isSuperset(of: [.receivedByHub, .forwarded, .storedByReceiver]))

        // The hub rewrites its history; its next head is caught by the witness and never countersigned.
        let before = try #require(status.lastCountersigned)
        await harness.stop("hub")
        try await Task.sleep(for: .milliseconds(500))
        _ = try await EvidenceRewrite.rewrite(hubDatabase: harness.exchange.directory.appendingPathComponent("hub/hub.sqlite").path)
        try await harness.start("hub")
        let more = [[PackageFactory.arrestRequest(case: 9, message: 0, run: "after-rewrite")]]
        try await harness.sendCases(more, from: Self.police)
        try await harness.eventually("the witness raises its alarm", timeout: 30) {
            let alarms = try await harness.get("\(witness)/v1/witness").json(Status.self)?.alarms ?? []
            return alarms.contains { $0.detail.en.contains("rewritten or forked") }
        }
        let after = try #require(try await harness.get("\(witness)/v1/witness").json(Status.self))
        #expect(after.lastCountersigned?.treeSize == before.treeSize, "the witness countersigned a rewritten log")
        #expect(harness.log("witness-\(Self.witness)").contains("witness alarm"))
    }
}
