import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// Similar cases on both databases (issue 26, SZ-6, GS-6): the hub keeps every accepted judgment with sentences
/// (standard 1.3) as a precedent, in the acceptance's transaction, and answers a case's similar cases from the
/// precedents that share a charge with it, leaving the case's own judgment out.
@Suite struct SimilarCasesStoreTests {
    static let hub = "330100000001"

    /// Five judged cases and one at trial (number 10): theft at CNY 50,000 with one arrested defendant.
    static let judged = [
        Precedents.Case(number: 1, charges: ["盗窃罪"], amountYuan: "52000", measures: ["arrest"], termMonths: 40),
        Precedents.Case(number: 2, charges: ["盗窃罪"], amountYuan: "300000", defendants: 3, measures: ["bail"], termMonths: 84),
        Precedents.Case(number: 3, charges: ["盗窃罪", "诈骗罪"], amountYuan: "48000", measures: ["arrest"], termMonths: 46, probationMonths: 60),
        Precedents.Case(number: 4, charges: ["故意伤害罪"], measures: ["arrest"], termMonths: 30),
        Precedents.Case(number: 5, charges: ["盗窃罪"], amountYuan: "51000", measures: ["arrest"], termMonths: 38, decidedOn: "2026-11-18"),
    ]
    static let atTrial = Precedents.Case(number: 10, charges: ["盗窃罪"], amountYuan: "50000", measures: ["arrest"])

    static func store(_ backend: StoreBackend, in directory: TemporaryDirectory) async throws -> HubStore {
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        for made in Self.judged {
            for judged in [false, true] {
                let outcome = try await store.accept(try Precedents.accepted(made, judged: judged), statusURL: "/s")
                #expect(outcome.status == .accepted, "case \(made.number) \(judged ? "judgment" : "indictment"): \(outcome)")
            }
        }
        _ = try await store.accept(try Precedents.accepted(Self.atTrial, judged: false), statusURL: "/s")
        return store
    }

    @Test(arguments: StoreBackend.allCases)
    func aCaseAtTrialIsShownTheJudgmentsMostLikeItWithTheirSentences(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(backend, in: directory)
        let reference = try #require(try await store.similarCases(of: Self.atTrial.procuratorateCode))
        #expect(reference.profile == SimilarCases.Profile(charges: ["盗窃罪"], amountFen: 5_000_000, defendants: 1, measures: ["arrest"]))
        // Four share the charge; the assault does not. Cases 1 and 5 match on everything (1 is the later judgment).
        #expect(reference.considered == 4)
        #expect(reference.matches.map(\.precedent.caseCode) == [1, 5, 3, 2].map { Self.judged[$0 - 1].courtCode })
        #expect(reference.matches.map(\.score) == [100, 100, 80, 40])
        #expect(reference.matches.first?.precedent.sentences.first?.termMonths == 40)
        #expect(reference.matches.first?.precedent.court == "330106000301")
        // The close ones' terms: 38, 40 and 46 months, one suspended.
        #expect(reference.ranges.first?.shortestMonths == 38 && reference.ranges.first?.longestMonths == 46 && reference.ranges.first?.suspended == 1)
        await store.database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aJudgedCaseIsNotItsOwnPrecedentAndACaseWithoutChargesHasNone(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(backend, in: directory)
        // Asked by the procuratorate's code or the court's, case 1's own judgment is not listed.
        for code in [Self.judged[0].procuratorateCode, Self.judged[0].courtCode] {
            let reference = try #require(try await store.similarCases(of: code))
            #expect(!reference.matches.contains { $0.precedent.caseCode == Self.judged[0].courtCode }, "asked by \(code)")
            #expect(reference.matches.first?.precedent.caseCode == Self.judged[4].courtCode)
        }
        #expect(try await store.similarCases(of: "20261120120133010600020199999999") == nil)
        // Only a court's judgments with sentences are precedents: five rows for five judgments, none for the six
        // indictments, nor for an indictment that states sentences (a procuratorate decides none).
        var stating = Precedents.package(Precedents.Case(number: 20, charges: ["盗窃罪"]), judged: false)
        stating.body.sentences = [CasePackage.Sentence(personRef: "p1", penalty: "fixedTermImprisonment", termMonths: 12)]
        let accepted = try #require(HubStore.Accepted.checked(CasePackageWriter.bytes(stating)))
        #expect(try await store.accept(accepted, statusURL: "/s").status == .accepted)
        let rows = try await store.database.execute("SELECT COUNT(*) AS n FROM precedents", [])
        #expect(rows.first?.int("n") == 5)
        await store.database.close()
    }
}
