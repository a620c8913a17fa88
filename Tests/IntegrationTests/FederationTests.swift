import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import XietongClient
import XietongCore
import XietongLocal
import XietongTesting
import XietongTrust

/// Issue 23's acceptance on real processes: a city's hub and the province's, linked, each with its own nodes. The
/// prison and the prison administration are the province's; every other agency the city's.
@Suite(.serialized, .timeLimit(.minutes(8))) struct FederationTests {
    static let prison = "330000000501"
    static let prisonAdministration = "330000000502"
    static let provincial: Set<String> = [Self.prison, Self.prisonAdministration]

    /// An organisation of an example replaced by another, everywhere it appears: its code with its agency code in
    /// the envelope, and the part of the unified codes that names it (ZJ-7.1.1).
    struct Swap {
        let from: (code: String, agency: String)
        let to: (code: String, agency: String)

        func apply(_ xml: String) -> String {
            xml.replacingOccurrences(
                of: "<OrganisationCode>\(self.from.code)</OrganisationCode>\n      <AgencyCode>\(self.from.agency)</AgencyCode>",
                with: "<OrganisationCode>\(self.to.code)</OrganisationCode>\n      <AgencyCode>\(self.to.agency)</AgencyCode>"
            )
            .replacingOccurrences(of: self.from.agency + self.from.code, with: self.to.agency + self.to.code)
        }
    }

    static let court = (code: "330106000301", agency: "1301")
    static let police = (code: "330106000101", agency: "1101")
    static let prisonCodes = (code: FederationTests.prison, agency: "1501")
    static let administrationCodes = (code: FederationTests.prisonAdministration, agency: "1502")

    /// Each crossing flow's path (the shipped examples), made to cross where the examples stay in the city: the
    /// sentenced person goes to the prison, the prison commissions the community-correction evaluation, and the
    /// provincial administration decides on execution outside prison, which the city's hub never carries.
    static func crossingPaths() -> [(flow: String, steps: [(xml: String, packageId: String, sender: String, receiver: String)])] {
        let swaps: [String: Swap] = [
            "sentenceExecution": Swap(from: Self.police, to: Self.prisonCodes),
            "communityCorrection": Swap(from: Self.court, to: Self.prisonCodes),
            "temporaryOutOfPrisonExecution": Swap(from: Self.court, to: Self.administrationCodes),
        ]
        let catalog = (try? FlowCatalog.bundled())
        let flows = ["sentenceExecution", "temporaryOutOfPrisonExecution", "communityCorrection", "commutationParole"]
        return flows.compactMap { id in
            guard let flow = catalog?.flow(id) else { return nil }
            let steps = EveryFlowTests.path(of: flow).map { example in
                let xml = swaps[id].map { $0.apply(example.xml) } ?? example.xml
                return (
                    xml,
                    example.packageId,
                    EveryFlowTests.element("OrganisationCode", in: xml, after: "<Sender>") ?? "",
                    EveryFlowTests.element("OrganisationCode", in: xml, after: "<Receiver>") ?? ""
                )
            }
            return (id, steps)
        }
    }

    /// The hub a node of `organisation` connects to.
    static func hub(of organisation: String) -> String { Self.provincial.contains(organisation) ? "hub-province" : "hub" }

    @Test func everyCrossingFlowRunsToItsCloseAcrossTheLink() async throws {
        let paths = Self.crossingPaths()
        #expect(paths.count == 4)
        let parties = Set(paths.flatMap { $0.steps.flatMap { [$0.sender, $0.receiver] } })
        for (flow, steps) in paths {
            #expect(steps.contains { Self.provincial.contains($0.sender) != Self.provincial.contains($0.receiver) }, "\(flow) does not cross")
        }
        let harness = try ExchangeHarness()
        try harness.exchange.addFederation(
            cityNodes: parties.subtracting(Self.provincial).sorted(),
            provinceNodes: parties.intersection(Self.provincial).sorted(),
            alertCheckSeconds: 0.5
        )
        for organisation in parties.sorted() { try harness.addNode(organisation, hub: Self.hub(of: organisation)) }
        try await harness.startAll()

        for (flow, steps) in paths {
            for step in steps {
                let attachment = try EveryFlowTests.attachment(
                    EveryFlowTests.examples.first { $0.packageId == step.packageId }!
                )
                let reply = try await harness.send(Array(step.xml.utf8), attachments: [attachment], from: step.sender)
                #expect(reply.status == 202, "\(flow): \(reply.text)")
                // The sender hears every hop, those at the far hub too, before the next step is sent.
                let crosses = Self.hub(of: step.sender) != Self.hub(of: step.receiver)
                var events: [PackageEvent] = []
                try await harness.eventually("\(flow): \(step.packageId) stored by its receiver", timeout: 60) {
                    events = try await harness.status(of: step.packageId, at: step.sender)
                    return events.contains { $0.hop == .storedByReceiver || $0.hop == .refused }
                }
                let refusal = events.first { $0.hop == .refused }
                #expect(refusal == nil, "\(flow): refused \(refusal?.findings?.map { "\($0.code) \($0.message.en)" } ?? [])")
                if crosses {
                    try await harness.eventually("\(flow): the far hub's hops reach the sender", timeout: 30) {
                        events = try await harness.status(of: step.packageId, at: step.sender)
                        return events.contains { $0.hop == .receivedByPeerHub } && events.contains { $0.hop == .forwardedByPeerHub }
                    }
                }
            }
        }
        // Each hub closed each flow it carried a step of, and shows the far hub's hops of what crossed.
        for (flow, steps) in paths {
            let code = try #require(EveryFlowTests.element("UnifiedCaseCode", in: steps[0].xml))
            for hub in ["hub", "hub-province"] {
                let timeline = try await harness.get("\(harness.services[hub]!.url)/v1/cases/\(code)/timeline", key: harness.adminToken)
                let instance = timeline.json(CaseTimeline.self)?.instances.first { $0.instanceId == steps[0].packageId }
                #expect(instance?.closedAt != nil, "\(flow) is not closed at \(hub): \(timeline.status)")
            }
        }
    }

    static let procuratorate = "330106000201"
    static let cases = 5
    static let messagesPerCase = 6

    /// A stream from the city's police to a procuratorate on the province's hub, with either hub killed twice.
    @Test(arguments: ["hub", "hub-province"])
    func nothingIsLostOrTakenTwiceWhenAHubOfTheLinkIsKilled(victim: String) async throws {
        let police = Self.police.code
        let harness = try ExchangeHarness()
        try harness.exchange.addFederation(cityNodes: [police], provinceNodes: [Self.procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(Self.procuratorate, hub: "hub-province")
        try await harness.startAll()

        let packages = (0..<Self.cases).map { caseNumber in
            (0..<Self.messagesPerCase).map { PackageFactory.arrestRequest(case: caseNumber, message: $0, run: "link-\(victim)") }
        }
        let total = Self.cases * Self.messagesPerCase
        let sending = Task { try await harness.sendCases(packages, from: police) }
        for fraction in [0.25, 0.6] {
            let threshold = Int(Double(total) * fraction)
            try await harness.eventually("\(threshold) deliveries before the kill", timeout: 120) {
                try await harness.received(by: Self.procuratorate).count >= threshold
            }
            await harness.kill9(victim)
            try await Task.sleep(for: .milliseconds(200))
            try await harness.start(victim)
        }
        try await sending.value
        try await harness.eventually("all \(total) packages delivered", timeout: 120) {
            try await harness.received(by: Self.procuratorate).count >= total
        }
        try await Task.sleep(for: .seconds(1))
        // Each exactly once, byte-identical (GZ-1), in order within its case.
        #expect(try await harness.deliveryProblems(of: packages, at: Self.procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: packages, sender: police)
    }

    struct LinkView: Decodable {
        var name: String
        var waiting: Int
        var peerReading: Bool
        var evidenceAlarm: LocalizedText?
        var peerTreeSize: Int?
    }

    static func links(_ harness: ExchangeHarness, at hub: String) async throws -> [LinkView] {
        try await harness.get("\(harness.services[hub]!.url)/v1/admin/links", key: harness.adminToken).json([LinkView].self) ?? []
    }

    static let commission = (code: "330106000701", agency: "1701")

    /// The province's registry without the city's supervisory commission: a package the commission sends is taken by
    /// the city's hub and refused by the province's (`codeset.organisation`).
    static func provinceRegistry(in directory: URL) throws -> String {
        let demo = Repository.url("Sources/XietongCore/Resources/registry/demo-organisations.json")
        var registry = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: demo)) as? [String: Any])
        let organisations = try #require(registry["organisations"] as? [[String: Any]])
        registry["organisations"] = organisations.filter { ($0["code"] as? String) != Self.commission.code }
        let file = directory.appendingPathComponent("province-organisations.json")
        try JSONSerialization.data(withJSONObject: registry).write(to: file)
        return file.path
    }

    /// While the province's hub is down, the city's keeps what waits for it and says so; when it is back, the link
    /// drains, and a package the province refuses reaches its sender as a refusal with the findings.
    @Test func aLinkDownDrainsWhenBackAndTheFarHubsRefusalReachesTheSender() async throws {
        let police = Self.police.code
        let harness = try ExchangeHarness()
        try harness.exchange.addFederation(
            cityNodes: [police, Self.commission.code],
            provinceNodes: [Self.procuratorate],
            provinceSupervisesCity: true,
            provinceRegistry: try Self.provinceRegistry(in: harness.directory.url)
        )
        try harness.addNode(police)
        try harness.addNode(Self.commission.code)
        try harness.addReceiver(Self.procuratorate, hub: "hub-province")
        try await harness.startAll()

        await harness.stop("hub-province")
        let packages = (0..<4).map { caseNumber in [PackageFactory.arrestRequest(case: caseNumber, message: 0, run: "outage")] }
        try await harness.sendCases(packages, from: police)
        try await harness.eventually("the city's hub holds the four for the province", timeout: 30) {
            try await Self.links(harness, at: "hub").first?.waiting == 4
        }
        let transfer = try #require(EveryFlowTests.examples.first { $0.name == "prosecutionTransfer.prosecutionTransfer" })
        let refusedId = transfer.packageId
        let xml = Swap(from: Self.police, to: Self.commission).apply(transfer.xml)
        let sent = try await harness.send(Array(xml.utf8), attachments: [try EveryFlowTests.attachment(transfer)], from: Self.commission.code)
        #expect(sent.status == 202, "\(sent.text)")

        try await harness.start("hub-province")
        try await harness.eventually("the link drains", timeout: 60) {
            try await harness.received(by: Self.procuratorate).count >= 4
        }
        #expect(try await harness.deliveryProblems(of: packages, at: Self.procuratorate) == [])
        try await harness.eventually("the province's refusal reaches the sender", timeout: 30) {
            try await harness.status(of: refusedId, at: Self.commission.code).contains { $0.hop == .refused }
        }
        let refusal = try await harness.status(of: refusedId, at: Self.commission.code).first { $0.hop == .refused }
        #expect(refusal?.findings?.contains { $0.code == .codesetOrganisation } == true, "\(refusal?.findings ?? [])")
        try await harness.eventually("nothing waits for the province any more, and it reads the link", timeout: 30) {
            let link = try await Self.links(harness, at: "hub").first
            return link?.waiting == 0 && link?.peerReading == true
        }
        // The provincial committee supervises what the city's hub carries, where the city grants it: metadata only.
        let province = harness.services["hub-province"]!.url
        let city = harness.services["hub"]!.url
        let cases = try await harness.get("\(province)/v1/peers/city/supervision/cases?filter=all", key: harness.supervisorToken)
        #expect(cases.status == 200 && cases.text.contains(packages[0][0].caseCode), "\(cases.status) \(cases.text.prefix(300))")
        let timeline = try await harness.get("\(province)/v1/peers/city/cases/\(packages[0][0].caseCode)/timeline", key: harness.supervisorToken)
        #expect(timeline.status == 200 && timeline.json(CaseTimeline.self) != nil)
        // Not the other way round: the province grants the city nothing; and no content through the link's supervision.
        let refused = try await harness.get("\(city)/v1/peers/province/supervision/cases", key: harness.supervisorToken)
        #expect(refused.status == 401 || refused.status == 403, "\(refused.status)")
        #expect(try await harness.get("\(province)/v1/peers/city/supervision/cases", key: nil).status == 401)
        #expect(try await harness.get("\(province)/v1/peers/nowhere/supervision/cases", key: harness.supervisorToken).status == 404)
        // The province's link, a supervisor at the city, reads no third hub through the city.
        let link = harness.exchange.topology.linkToken(from: "province", to: "city")
        #expect(try await harness.get("\(city)/v1/supervision/cases?filter=all", key: link).status == 200)
        #expect(try await harness.get("\(city)/v1/peers/province/supervision/cases", key: link).status == 401)
        // Each hub checked the other's signed tree heads.
        try await harness.eventually("each hub keeps the other's tree head", timeout: 30) {
            let city = try await Self.links(harness, at: "hub").first
            let province = try await Self.links(harness, at: "hub-province").first
            return (city?.peerTreeSize ?? 0) > 0 && (province?.peerTreeSize ?? 0) > 0 && city?.evidenceAlarm == nil
                && province?.evidenceAlarm == nil
        }
    }
}

/// Issue 23's acceptance: the link down for `XIETONG_TEST_OUTAGE_SECONDS` (600 for the issue's ten minutes) while the
/// city's police keep sending, one package every ten seconds; everything drains once the province's hub is back,
/// each package once, byte-identical, in order per case. Run on demand (it takes as long as the outage):
/// `XIETONG_TEST_OUTAGE_SECONDS=600 swift test --filter aLongOutage`.
@Suite(.serialized) struct FederationOutageTests {
    static let outage = ProcessInfo.processInfo.environment["XIETONG_TEST_OUTAGE_SECONDS"].flatMap(Double.init)

    @Test(.enabled(if: Self.outage != nil), .timeLimit(.minutes(30)))
    func aLongOutageOfTheLinkDrainsCompletely() async throws {
        let outage = try #require(Self.outage)
        let police = FederationTests.police.code
        let procuratorate = FederationTests.procuratorate
        let harness = try ExchangeHarness()
        try harness.exchange.addFederation(cityNodes: [police], provinceNodes: [procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate, hub: "hub-province")
        try await harness.startAll()
        await harness.stop("hub-province")
        let start = Date()
        var cases: [[PackageFactory.Made]] = Array(repeating: [], count: 3)
        var index = 0
        while Date().timeIntervalSince(start) < outage {
            let made = PackageFactory.arrestRequest(case: index % 3, message: index / 3, run: "long-outage")
            #expect(try await harness.send(made.xml, attachments: [made.attachment], from: police).status == 202)
            cases[index % 3].append(made)
            index += 1
            try await Task.sleep(for: .seconds(min(10, outage / 6)))
        }
        let waiting = try await FederationTests.links(harness, at: "hub").first?.waiting
        #expect(waiting == index, "the city's hub holds what waits for the province")
        try await harness.start("hub-province")
        try await harness.eventually("the link drains after \(Int(outage)) s", timeout: 300) {
            try await harness.received(by: procuratorate).count >= index
        }
        #expect(try await harness.deliveryProblems(of: cases, at: procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: cases, sender: police)
    }
}

/// A provincial hub that rewrites its history (issue 23, SZ-3) is caught by the city's hub, which keeps the heads it
/// checked of it, and by the witness mirroring its log, which countersigns nothing after.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FederationEvidenceTests {
    struct WitnessStatus: Decodable {
        struct Alarm: Decodable { var detail: LocalizedText }
        var alarms: [Alarm]
        var lastCountersigned: Evidence.TreeHead?
    }

    @Test func aPeerThatRewritesItsLogIsCaughtByTheOtherHubAndByTheWitness() async throws {
        let police = FederationTests.police.code
        let procuratorate = FederationTests.procuratorate
        let harness = try ExchangeHarness()
        harness.exchange.hubPorts["hub-province"] = LocalTopology.claimPort()
        // The city's committee witnesses the province's log.
        try harness.exchange.addWitness(LocalTopology.hubOrganisation, of: "hub-province", organisation: LocalTopology.provinceHubOrganisation)
        try harness.exchange.addFederation(cityNodes: [police], provinceNodes: [procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate, hub: "hub-province")
        try await harness.startAll()
        let packages = (0..<3).map { [PackageFactory.arrestRequest(case: $0, message: 0, run: "before-rewrite")] }
        try await harness.sendCases(packages, from: police)
        try await harness.eventually("delivered, and each side holds a checked head of the province's log", timeout: 60) {
            let delivered = try await harness.received(by: procuratorate).count
            let checked = try await FederationTests.links(harness, at: "hub").first?.peerTreeSize ?? 0
            return delivered >= 3 && checked > 0
        }
        // A witness protects the history it has seen: wait until it countersigned the province's latest head.
        let witness = harness.services["witness-\(LocalTopology.hubOrganisation)"]!.url
        let province = harness.services["hub-province"]!.url
        try await harness.eventually("the witness has seen the province's latest head", timeout: 30) {
            let latest = try await harness.get("\(province)/v1/evidence/tree-head", key: harness.adminToken).json(Evidence.TreeHead.self)?.treeSize
            let seen = try await harness.get("\(witness)/v1/witness").json(WitnessStatus.self)?.lastCountersigned?.treeSize
            return latest != nil && seen == latest
        }
        await harness.stop("hub-province")
        try await Task.sleep(for: .milliseconds(500))
        _ = try await EvidenceRewrite.rewrite(hubDatabase: harness.exchange.directory.appendingPathComponent("hub-province/hub.sqlite").path)
        try await harness.start("hub-province")
        // The log grows again, and the rewritten history is signed.
        try await harness.sendCases([[PackageFactory.arrestRequest(case: 7, message: 0, run: "after-rewrite")]], from: police)
        try await harness.eventually("the city's hub raises the link's evidence alarm", timeout: 60) {
            try await FederationTests.links(harness, at: "hub").first?.evidenceAlarm?.en.contains("rewritten or forked") == true
        }
        try await harness.eventually("the witness raises its alarm", timeout: 30) {
            try await harness.get("\(witness)/v1/witness").json(WitnessStatus.self)?.alarms.contains { $0.detail.en.contains("rewritten or forked") }
                == true
        }
        // Exchange goes on: the alarm is for people to act on, not a stop.
        try await harness.eventually("the package after the rewrite is delivered", timeout: 60) {
            try await harness.received(by: procuratorate).count >= 4
        }
    }
}

/// The link between two platforms, each with its own CA, under mutual TLS (issue 23): each hub trusts the other's CA
/// by configuration, for the other's organisations only; a hub certificate of a CA neither trusts, or one of the
/// peer's CA naming an organisation it does not serve, is refused at the handshake.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FederationTLSTests {
    @Test func twoPlatformsLinkUnderMutualTLSAndRefuseAStrangersHubCertificate() async throws {
        let police = FederationTests.police.code
        let procuratorate = FederationTests.procuratorate
        let harness = try ExchangeHarness(tls: true)
        try harness.exchange.addFederation(cityNodes: [police], provinceNodes: [procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate, hub: "hub-province")
        try await harness.startAll()

        // Signed by the city's police under the city's CA, checked by the province's hub and its procuratorate's node
        // under the city's CA, which they trust for the city's agencies.
        let packages = (0..<3).map { [PackageFactory.arrestRequest(case: $0, message: 0, run: "tls-link")] }
        try await harness.sendCases(packages, from: police)
        try await harness.eventually("the three cross the link", timeout: 60) {
            try await harness.received(by: procuratorate).count >= 3
        }
        #expect(try await harness.deliveryProblems(of: packages, at: procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: packages, sender: police)
        let events = try await harness.status(of: packages[0][0].packageId, at: police)
        #expect(events.contains { $0.hop == .receivedByPeerHub })

        // Strangers at the city's hub, in the province hub's name.
        let city = harness.services["hub"]!.url
        let stranger = try TemporaryDirectory()
        let foreign = try CertificateAuthority.create(in: stranger.url.appendingPathComponent("pki"))
        try foreign.issue(organisation: LocalTopology.provinceHubOrganisation)
        let province = harness.directory.url.appendingPathComponent("pki-province")
        // The province's CA vouching for a city agency it does not serve.
        try CertificateAuthority.open(province).issue(organisation: "330106000301")
        let cases = [
            ("another CA", "\(foreign.directory.path)/issued/\(LocalTopology.provinceHubOrganisation)", "certificate.unknown-issuer"),
            ("the province's CA for a city agency", "\(province.path)/issued/330106000301", "certificate.wrong-organisation"),
        ]
        for (what, files, logged) in cases {
            let client = try harness.client(certificate: files + ".crt", key: files + ".key")
            var refused = false
            do {
                refused = try await harness.request(.GET, "\(city)/v1/feed?after=0&wait=0", client: client).status == 401
            } catch {
                refused = true
            }
            try await client.shutdown()
            #expect(refused, "\(what): the city's hub took the certificate")
            try await harness.eventually("the city's hub logs why (\(what))", timeout: 10) { harness.log("hub").contains(logged) }
        }
    }
}
