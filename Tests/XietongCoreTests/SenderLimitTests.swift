import Foundation
import Testing
import XietongCore

/// A sender's own time limit, counted from the day the package states (issue 20): worked examples, each with its
/// legal reasoning.
@Suite struct SenderLimitTests {
    static let counter = DeadlineCounter(calendar: try! LegalCalendar.bundled())
    static let catalog = try! FlowCatalog.bundled()

    static func limit(_ flow: String, _ message: String) throws -> TimeLimit {
        try #require(Self.catalog.message(flow: flow, type: message)?.senderLimits.first, "\(flow).\(message) has a sender limit")
    }

    static func body(keyDates: [(String, String)] = [], measures: [(String, String)] = []) -> CasePackage.Body {
        CasePackage.Body(
            caseInfo: CasePackage.CaseInfo(
                name: "张某某盗窃案",
                category: "criminal",
                division: "330106",
                keyDates: keyDates.map { CasePackage.KeyDate(event: $0.0, date: $0.1) }
            ),
            persons: [],
            charges: [],
            coerciveMeasures: measures.map { CasePackage.CoerciveMeasure(personRef: "p1", kind: $0.0, startDate: $0.1) },
            documents: []
        )
    }

    @Test func anArrestRequestCountsThreeDaysFromTheDetentionTheMeasureStates() throws {
        // Detained on Monday 28 September 2026: the police must ask for approval within 3 days (刑事诉讼法第91条第1款),
        // the day of detention not counted (第105条第2款): by Thursday 1 October, National Day, and not moved, since
        // the suspect is in custody (第105条第4款).
        let limit = try Self.limit("arrestApproval", "arrestRequest")
        let count = try #require(
            SenderLimit.count(limit, for: Self.body(measures: [("criminalDetention", "2026-09-28")]), counter: Self.counter, custody: true)
        )
        #expect(count.deadline.startsOn.iso == "2026-09-28" && count.deadline.dueOn.iso == "2026-10-01")
        #expect(count.deadline.movedFrom == nil && count.change == nil)
    }

    @Test func aStatedDetentionDayComesBeforeTheMeasure() throws {
        // The key date is what the sender says the detention was; it wins over a measure's start.
        let limit = try Self.limit("arrestApproval", "arrestRequest")
        let body = Self.body(keyDates: [("detention", "2026-11-02")], measures: [("criminalDetention", "2026-11-05")])
        #expect(SenderLimit.count(limit, for: body, counter: Self.counter, custody: true)?.deadline.dueOn.iso == "2026-11-05")
    }

    @Test func anApprovedExtensionMovesTheLastDayUpToThirtyDays() throws {
        // 第91条第2款: in special cases the 3 days may be extended by 1 to 4 days; for major suspects of roving,
        // repeated or gang crime to 30 days. Detained on 2 November, extended to 9 November (7 days).
        let limit = try Self.limit("arrestApproval", "arrestRequest")
        func count(extendedTo day: String) -> SenderLimit? {
            let body = Self.body(keyDates: [("limitExtendedTo", day)], measures: [("criminalDetention", "2026-11-02")])
            return SenderLimit.count(limit, for: body, counter: Self.counter, custody: true)
        }
        let extended = try #require(count(extendedTo: "2026-11-09"))
        #expect(extended.deadline.dueOn.iso == "2026-11-09" && extended.change?.from.iso == "2026-11-05")
        #expect(extended.change?.reason.zh == "经批准延长至 2026-11-09")
        // An extension beyond 30 days is counted only to the 30th day: 2 December.
        let capped = try #require(count(extendedTo: "2026-12-20"))
        #expect(capped.deadline.dueOn.iso == "2026-12-02")
        #expect(capped.change?.reason.zh == "经批准延长至 2026-12-20，超过法定最长30日，按 2026-12-02 计")
        // An extension that ends before the plain 3 days changes nothing.
        let earlier = try #require(count(extendedTo: "2026-11-04"))
        #expect(earlier.deadline.dueOn.iso == "2026-11-05" && earlier.change == nil)
    }

    @Test func anExtensionDoesNotApplyToALimitTheLawDoesNotLetBeExtended() throws {
        // 刑事诉讼法第264条 gives the court 10 days after the judgment takes effect, with no extension: a stated
        // extension is ignored. Effective Monday 2 November 2026: Thursday 12 November.
        let limit = try Self.limit("sentenceExecution", "imprisonmentHandover")
        let body = Self.body(keyDates: [("effective", "2026-11-02"), ("limitExtendedTo", "2026-11-30")])
        let count = try #require(SenderLimit.count(limit, for: body, counter: Self.counter, custody: true))
        #expect(count.deadline.dueOn.iso == "2026-11-12" && count.change == nil)
    }

    @Test func aHearingNoticeIsDueThreeDaysBeforeTheHearing() throws {
        // 刑事诉讼法第187条第3款: notices are served "至迟在开庭三日以前". A hearing on Thursday 10 December 2026: the
        // notice is due by 7 December. Counting back is not a period's end, so no holiday moves it.
        let limit = try Self.limit("firstInstancePublicProsecution", "hearingNotice")
        let count = try #require(
            SenderLimit.count(limit, for: Self.body(keyDates: [("hearing", "2026-12-10")]), counter: Self.counter, custody: false)
        )
        #expect(count.deadline.startsOn.iso == "2026-12-10" && count.deadline.dueOn.iso == "2026-12-07")
        // A hearing on Thursday 8 October 2026, the first working day after National Day: due 5 October, a holiday,
        // and it stays there; the court must serve before the holiday.
        let afterHoliday = try #require(
            SenderLimit.count(limit, for: Self.body(keyDates: [("hearing", "2026-10-08")]), counter: Self.counter, custody: false)
        )
        #expect(afterHoliday.deadline.dueOn.iso == "2026-10-05" && afterHoliday.deadline.movedFrom == nil)
    }

    @Test func aSenderLimitOfAPersonNotInCustodyMovesPastAHoliday() throws {
        // 社区矫正法第20条: a court hands over a probationer within 10 days after the judgment takes effect. Effective
        // 21 September 2026: 1 October, National Day; the probationer is not in custody, so it moves past the holiday
        // (1 to 7 October, 国办发明电〔2025〕7号) to Thursday 8 October.
        let limit = try Self.limit("sentenceExecution", "communitySentenceHandover")
        let count = try #require(
            SenderLimit.count(limit, for: Self.body(keyDates: [("effective", "2026-09-21")]), counter: Self.counter, custody: false)
        )
        #expect(count.deadline.dueOn.iso == "2026-10-08" && count.deadline.movedFrom?.iso == "2026-10-01")
    }

    @Test func withoutAStatedStartNothingIsCounted() throws {
        let limit = try Self.limit("firstInstancePublicProsecution", "executionHandover")
        #expect(SenderLimit.count(limit, for: Self.body(), counter: Self.counter, custody: false) == nil)
        // Not a date: not counted either (the schema refuses it before this).
        #expect(SenderLimit.count(limit, for: Self.body(keyDates: [("effective", "soon")]), counter: Self.counter, custody: false) == nil)
    }

    @Test func everySenderLimitCountsFromAnEventAPackageCanState() throws {
        // The key-date events of the 1.2 schema are exactly those the catalog's sender limits count from, and the
        // extension's last day.
        let xsd = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../Sources/XietongCore/Resources/schema/case-package-1.2.xsd"
            ),
            encoding: .utf8
        )
        let type = try #require(xsd.range(of: "<xs:simpleType name=\"KeyDateEventType\">"))
        let end = try #require(xsd.range(of: "</xs:simpleType>", range: type.upperBound..<xsd.endIndex))
        let enumerated = Set(
            xsd[type.upperBound..<end.lowerBound].split(separator: "\n").compactMap { line -> String? in
                guard let start = line.range(of: "value=\"") else { return nil }
                return String(line[start.upperBound...].prefix { $0 != "\"" })
            }
        )
        #expect(enumerated == SenderLimit.events.union(["limitExtendedTo"]))
        let starts = Set(Self.catalog.flows.flatMap(\.messages).flatMap(\.senderLimits).map(SenderLimit.event))
        #expect(starts == SenderLimit.events)
        // The 16 of issue 20, and the protest's transfer to the second instance (最高法解释第384条).
        #expect(Self.catalog.flows.flatMap(\.messages).flatMap(\.senderLimits).count == 17)
    }
}
