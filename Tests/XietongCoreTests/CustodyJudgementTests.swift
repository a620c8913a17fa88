import Testing
import XietongCore

/// Whether a limit is one of a person in custody (CPL 第105条第4款) is judged from the persons' custody at the hub,
/// across every agency's packages, not from the one package that started it (issue 20).
@Suite struct CustodyJudgementTests {
    static let police = "330106000101"
    static let court = "330106000301"

    static func stage(
        _ event: CustodyRecord.Event,
        _ kind: String?,
        since: String? = nil,
        package: String,
        holder: String = Self.police
    )
        -> CustodyChain.Stage
    {
        CustodyChain.Stage(
            CustodyRecord(personKey: "k", name: "张三", event: event, kind: kind, holder: holder, startsOn: since),
            packageId: package,
            caseCode: "c",
            flow: "f",
            messageType: "m",
            at: "2026-09-01T00:00:00Z"
        )
    }

    static func chain(_ key: String, _ name: String, _ stages: [CustodyChain.Stage]) -> CustodyChain {
        CustodyChain(personKey: key, name: name, stages: stages, today: CalendarDate(iso: "2026-09-30")!)
    }

    @Test func anArrestRecordedByAnEarlierPackageMakesItACustodyLimit() {
        // The request for review carries no measures; the police's arrest, recorded before, says the suspect is held.
        let judgement = CustodyJudgement.judge(
            persons: [("k", "张三")],
            chains: [Self.chain("k", "张三", [Self.stage(.measure, "arrest", since: "2026-09-01", package: "P-arrest")])]
        )
        #expect(judgement.custody)
        #expect(judgement.reason.zh == "张三在押：逮捕，自 2026-09-01（数据包 P-arrest）")
        #expect(judgement.reason.en == "张三 in custody: arrest since 2026-09-01 (package P-arrest)")
    }

    @Test func aReleaseOnBailEndsCustody() {
        let judgement = CustodyJudgement.judge(
            persons: [("k", "张三")],
            chains: [
                Self.chain(
                    "k",
                    "张三",
                    [
                        Self.stage(.measure, "criminalDetention", since: "2026-09-01", package: "P1"),
                        Self.stage(.measure, "bail", since: "2026-09-20", package: "P2"),
                    ]
                )
            ]
        )
        #expect(!judgement.custody)
        #expect(judgement.reason.zh == "张三未羁押：取保候审，自 2026-09-20（数据包 P2）")
    }

    @Test func oneOfSeveralPersonsInCustodyIsEnough() {
        let judgement = CustodyJudgement.judge(
            persons: [("a", "张三"), ("b", "李四")],
            chains: [
                Self.chain("a", "张三", [Self.stage(.measure, "bail", package: "P1")]),
                Self.chain("b", "李四", [Self.stage(.measure, "arrest", package: "P2")]),
            ]
        )
        #expect(judgement.custody)
        #expect(judgement.reason.zh.hasPrefix("李四在押：逮捕"))
        #expect(!judgement.reason.zh.contains("张三"), "the reason names who is held")
    }

    @Test func aPersonTheHubKnowsNothingOfIsNotInCustody() {
        let judgement = CustodyJudgement.judge(persons: [("k", "张三")], chains: [])
        #expect(!judgement.custody && judgement.reason.en == "张三: no custody recorded")
        let nobody = CustodyJudgement.judge(persons: [], chains: [])
        #expect(!nobody.custody && nobody.reason.en == "the package names no suspect, defendant or offender")
    }

    @Test func aSentencedPrisonerIsInCustody() throws {
        // The court hands a custodial sentence over for execution (拘役/有期徒刑交付执行): the catalog says its
        // offenders serve a custodial sentence, so the package records them as held even without a measure.
        let catalog = try FlowCatalog.bundled()
        let handover = try #require(catalog.message(flow: "sentenceExecution", type: "imprisonmentHandover"))
        #expect(handover.custodialSentence)
        #expect(catalog.message(flow: "communityCorrection", type: "correctionIntake")?.custodialSentence == false)
        let judgement = CustodyJudgement.judge(
            persons: [("k", "王五")],
            chains: [Self.chain("k", "王五", [Self.stage(.measure, CustodyRecord.custodialSentence, package: "P-handover", holder: Self.court)])]
        )
        #expect(judgement.custody && judgement.reason.zh == "王五在押：服刑（数据包 P-handover）")
    }

    @Test func aPersonBeingTransferredStaysInCustody() {
        let judgement = CustodyJudgement.judge(
            persons: [("k", "张三")],
            chains: [
                Self.chain("k", "张三", [Self.stage(.measure, "arrest", package: "P1"), Self.stage(.transferOut, "arrest", package: "P2")])
            ]
        )
        #expect(judgement.custody && judgement.reason.zh.contains("换出"))
    }
}
