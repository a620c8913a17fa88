import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// Limits the catalog takes from the law beyond day counts (issue 20): supplementary investigation at most twice
/// (CPL 第175条第3款), and a review period that depends on whether the suspect is detained (规则第282条).
@Suite struct FlowLimitTests {
    static func accepted(
        _ example: String,
        _ name: String,
        inReplyTo: String? = nil,
        measures: String? = nil,
        alsoRelated: String? = nil
    )
        throws -> HubStore.Accepted
    {
        var xml = Fixtures.example(example)
        if let alsoRelated {
            xml = xml.replacingOccurrences(of: "</RelatedCaseCodes>", with: "<CaseCode>\(alsoRelated)</CaseCode></RelatedCaseCodes>")
        }
        xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: Self.id(name))
        xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "flow-limit-\(name)")
        if let inReplyTo { xml = xml.replacingOccurrences(of: PackageFactory.element("InReplyTo", in: xml), with: Self.id(inReplyTo)) }
        if let measures, let start = xml.range(of: "<CoerciveMeasures>"), let end = xml.range(of: "</CoerciveMeasures>") {
            xml.replaceSubrange(start.lowerBound..<end.upperBound, with: "<CoerciveMeasures>\(measures)</CoerciveMeasures>")
        }
        return try #require(HubStore.Accepted.checked(Array(xml.utf8)))
    }

    static func id(_ name: String) -> String { ExamplePackages.uuid("flow-limit-\(name)") }

    @Test(arguments: StoreBackend.allCases)
    func aThirdReturnForSupplementaryInvestigationIsRefused(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        var last = "transfer"
        _ = try await store.accept(try Self.accepted("prosecutionTransfer.prosecutionTransfer", last), statusURL: "/s")
        for round in 1...2 {
            let returned = try await store.accept(
                try Self.accepted("prosecutionTransfer.supplementaryInvestigationReturn", "return-\(round)", inReplyTo: last),
                statusURL: "/s"
            )
            #expect(returned.status == .accepted, "return \(round): \(returned.findings.map(\.message.en))")
            let resubmitted = try await store.accept(
                try Self.accepted("prosecutionTransfer.supplementaryInvestigationResubmit", "resubmit-\(round)", inReplyTo: "return-\(round)"),
                statusURL: "/s"
            )
            #expect(resubmitted.status == .accepted)
            last = "resubmit-\(round)"
        }
        let third = try await store.accept(
            try Self.accepted("prosecutionTransfer.supplementaryInvestigationReturn", "return-3", inReplyTo: last),
            statusURL: "/s"
        )
        #expect(third.status == .refused)
        #expect(third.findings.map(\.code) == [.flowLimitReached])
        #expect(third.findings.first?.message.zh.contains("刑事诉讼法第175条第3款") == true)
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aSuspectNotDetainedHasFifteenDaysOfArrestReview(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        // On bail: 15 days (规则第282条), not the 7 of a detained suspect; from Friday 20 November 2026: 5 December, a
        // Saturday, moves to Monday 7 December.
        let bail = "<CoerciveMeasure personRef=\"p1\"><Kind>bail</Kind><StartDate>2026-11-19</StartDate></CoerciveMeasure>"
        _ = try await store.accept(try Self.accepted("arrestApproval.arrestRequest", "on-bail", measures: bail), statusURL: "/s")
        let limits = try await store.deadlines(of: Self.id("on-bail"))
        #expect(limits.map(\.limit) == ["15 days"])
        #expect(limits.first?.dueOn == "2026-12-07" && limits.first?.basis.hasPrefix("人民检察院刑事诉讼规则第282条") == true)
        await database.close()
    }

    /// The procedure the package names (standard 1.2) chooses the court's time limit (刑事诉讼法第208条, 第220条, 第225条).
    @Test(arguments: StoreBackend.allCases)
    func theProcedureChoosesTheCourtsTimeLimit(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        for (procedure, expected) in [(nil, "2 months"), ("summary", "20 days"), ("fastTrack", "10 days")] as [(String?, String)] {
            var xml = Fixtures.example("firstInstancePublicProsecution.indictment")
            let name = "indictment-\(procedure ?? "ordinary")"
            xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: Self.id(name))
            xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "flow-limit-\(name)")
            if let procedure {
                xml = xml.replacingOccurrences(of: "standardVersion=\"1.0\"", with: "standardVersion=\"1.2\"")
                xml = xml.replacingOccurrences(of: "</FiledOn>", with: "</FiledOn><Procedure>\(procedure)</Procedure>")
            }
            _ = try await store.accept(try #require(HubStore.Accepted.checked(Array(xml.utf8)), "\(name) checks"), statusURL: "/s")
            // The 7 days to accept the case (SPC-I 第219条第2款), then the procedure's time to judge.
            #expect(try await store.deadlines(of: Self.id(name)).map(\.limit) == ["7 days", expected], "\(name)")
        }
        await database.close()
    }

    /// A procuratorate's correction opinion on a commutation ruling gives the court 1 month to rule again (刑事诉讼法
    /// 第274条; SPC-I 第539条第1款), met by the new ruling.
    @Test(arguments: StoreBackend.allCases)
    func aCorrectionOpinionGivesTheCourtAMonthToRuleAgain(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let chain = [
            ("commutationOpinionRequest", "c-request"), ("commutationProposalCopy", "c-copy"), ("commutationSubmission", "c-submission"),
            ("commutationRulingService", "c-ruling"), ("commutationCorrectionOpinion", "c-opinion"), ("commutationRulingService", "c-ruling-again"),
        ]
        var previous: String?
        for (message, name) in chain {
            // The new ruling names the procuratorate's code of the case too, as the answer to its opinion.
            let related =
                name == "c-ruling-again"
                ? PackageFactory.element("UnifiedCaseCode", in: Fixtures.example("commutationParole.commutationCorrectionOpinion")) : nil
            let receipt = try await store.accept(
                try Self.accepted("commutationParole.\(message)", name, inReplyTo: previous, alsoRelated: related),
                statusURL: "/s"
            )
            #expect(receipt.status == .accepted, "\(name): \(receipt.findings.map(\.message.en))")
            previous = name
            if name == "c-opinion" {
                let open = try await store.deadlines(of: Self.id(name))
                // From 20 November: 20 December, a Sunday, and it stays: the offender is in custody (第105条第4款).
                #expect(open.map(\.limit) == ["1 months"] && open.first?.state == "open" && open.first?.dueOn == "2026-12-20")
                #expect(open.first?.custody == true)
            }
        }
        #expect(try await store.deadlines(of: Self.id("c-opinion")).first?.state == "met")
        await database.close()
    }
}
