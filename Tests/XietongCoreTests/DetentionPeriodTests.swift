import Testing
import XietongCore

/// An arrested suspect's investigation detention period (issue 20), worked through the articles it rests on.
@Suite struct DetentionPeriodTests {
    static func stage(_ event: CustodyRecord.Event, _ kind: String?, since: String? = nil, type: String = "m", package: String) -> CustodyChain.Stage
    {
        CustodyChain.Stage(
            CustodyRecord(personKey: "k", name: "张三", event: event, kind: kind, holder: "330106000101", startsOn: since),
            packageId: package,
            caseCode: "c",
            flow: "f",
            messageType: type,
            at: "2026-09-20T02:00:00Z"
        )
    }

    static func period(_ stages: [CustodyChain.Stage]) -> DetentionPeriod? {
        DetentionPeriod.latest(stages) { stage in
            switch stage.messageType {
            case "detentionExtensionApproval": .extend
            case "detentionRecountNotice": .recount
            case "prosecutionTransfer": .end
            default: nil
            }
        }
    }

    static func day(_ iso: String) -> CalendarDate { CalendarDate(iso: iso)! }

    static let arrest = Self.stage(.measure, "arrest", since: "2026-09-20", package: "P-arrest")
    static func extension_(_ n: Int) -> CustodyChain.Stage {
        Self.stage(.measure, "arrest", type: "detentionExtensionApproval", package: "P-ext\(n)")
    }

    @Test func anArrestStartsTwoMonthsThatEndOnTheirLastDayEvenOnAHoliday() throws {
        // Arrested on 20 September 2026: 2 months (CPL 第156条第1款), the arrest day not counted, end on 20 November.
        let period = try #require(Self.period([Self.arrest]))
        #expect(period.startsOn == Self.day("2026-09-20") && period.endsOn == Self.day("2026-11-20"))
        #expect(period.state == .running && period.basis.hasPrefix("刑事诉讼法第156条第1款"))
        // The police apply 7 days before it ends (公安规定第148–150条).
        #expect(period.applyBy == Self.day("2026-11-13"))
        // Arrested on 7 August: 2 months end on 7 October, a holiday: in custody it stays (第105条第4款).
        let holiday = try #require(Self.period([Self.stage(.measure, "arrest", since: "2026-08-07", package: "P")]))
        #expect(holiday.endsOn == Self.day("2026-10-07"))
    }

    @Test func extensionsFollowArticles156158And159AndNoFurther() throws {
        // First extension: 1 month (第156条); second: 2 months (第158条); third: 2 months (第159条); a fourth approval
        // has no article and changes nothing.
        let stages = [Self.arrest] + (1...4).map(Self.extension_)
        let period = try #require(Self.period(stages))
        #expect(period.extensions == 3)
        #expect(period.changes.map(\.newEndsOn) == ["2026-12-20", "2027-02-20", "2027-04-20"].map(Self.day))
        #expect(period.changes.map(\.basis) == ["刑事诉讼法第156条", "刑事诉讼法第158条", "刑事诉讼法第159条"])
        #expect(period.endsOn == Self.day("2027-04-20") && period.basis == "刑事诉讼法第159条")
        #expect(period.changes.first?.reason.zh == "批准延长侦查羁押期限，延长一个月（刑事诉讼法第156条）")
        #expect(period.changes.first?.packageId == "P-ext1")
    }

    @Test func anotherImportantCrimeCountsThePeriodAnew() throws {
        // Found on 15 November, after one extension: counted anew from then, 2 months, extensions start over (第160条第1款).
        let recount = Self.stage(.measure, "arrest", since: "2026-11-15", type: "detentionRecountNotice", package: "P-recount")
        let period = try #require(Self.period([Self.arrest, Self.extension_(1), recount, Self.extension_(2)]))
        #expect(period.startsOn == Self.day("2026-11-15"))
        #expect(period.changes.map(\.newEndsOn) == ["2026-12-20", "2027-01-15", "2027-02-15"].map(Self.day))
        #expect(period.basis == "刑事诉讼法第156条", "the first extension after the recount is again under 第156条")
    }

    @Test func aReleaseOrTheHandOverEndsThePeriod() throws {
        let released = try #require(Self.period([Self.arrest, Self.stage(.measure, "bail", since: "2026-10-10", package: "P-bail")]))
        #expect(released.state == .released && released.endedBy == "P-bail")
        let handed = try #require(Self.period([Self.arrest, Self.stage(.transferOut, "arrest", package: "P-out")]))
        #expect(handed.state == .transferred && handed.endedBy == "P-out")
        // A detention (刑事拘留) alone is no arrest: no investigation detention period yet.
        #expect(Self.period([Self.stage(.measure, "criminalDetention", since: "2026-09-17", package: "P")]) == nil)
        // Arrested again after a release: a new period from the new arrest.
        let again = try #require(
            Self.period([
                Self.arrest, Self.stage(.measure, "bail", package: "P-bail"), Self.stage(.measure, "arrest", since: "2026-12-01", package: "P-2"),
            ])
        )
        #expect(again.state == .running && again.startsOn == Self.day("2026-12-01") && again.startedBy == "P-2")
    }

    @Test func theTransferForProsecutionEndsTheInvestigationPeriod() throws {
        // The police transfer the case for review and prosecution (刑事诉讼法第162条): the investigation is over, and
        // with it the period of 第156条; the review stage's custody is counted by the review's limit (第172条).
        let transfer = Self.stage(.measure, "arrest", since: "2026-09-20", type: "prosecutionTransfer", package: "P-transfer")
        let ended = try #require(Self.period([Self.arrest, transfer]))
        #expect(ended.state == .transferred && ended.endedBy == "P-transfer")
        // An arrest first recorded on the transfer itself (the police's earlier packages stated the detention only)
        // starts no investigation period, and neither do the later stages' restatements of it: seen in the demo, where
        // such a period stayed open for 2 months after the case had left the police and would have been flagged as
        // over-detention.
        let court = Self.stage(.measure, "arrest", since: "2026-09-20", type: "indictment", package: "P-court")
        #expect(Self.period([Self.stage(.measure, "criminalDetention", since: "2026-09-17", package: "P"), transfer, court]) == nil)
    }

    @Test func restatementsAndLaterStagesStartNoNewPeriod() throws {
        // A later package restating the same arrest changes nothing.
        let restated = try #require(
            Self.period([Self.arrest, Self.extension_(1), Self.stage(.measure, "arrest", since: "2026-09-20", package: "P-again")])
        )
        #expect(restated.startedBy == "P-arrest" && restated.extensions == 1)
        // After the hand-over to the next stage, an arrest recorded there is that stage's: no investigation period.
        let handed = try #require(
            Self.period([
                Self.arrest, Self.stage(.transferOut, "arrest", package: "P-out"),
                Self.stage(.measure, "arrest", since: "2026-12-01", package: "P-court"),
            ])
        )
        #expect(handed.state == .transferred && handed.startedBy == "P-arrest")
        // An extension approved after a release starts nothing.
        let late = try #require(Self.period([Self.arrest, Self.stage(.measure, "bail", package: "P-bail"), Self.extension_(1)]))
        #expect(late.state == .released && late.extensions == 0)
        // Nor does a decision on a period the hub never saw start.
        #expect(Self.period([Self.extension_(1)]) == nil)
    }
}
