import Foundation
import Testing
import XietongCore

/// Extensions of receiver limits by approval or decision, the new last day stated by the responsible agency (issue 20):
/// worked examples, each with its legal reasoning.
@Suite struct LimitExtensionTests {
    static let counter = DeadlineCounter(calendar: try! LegalCalendar.bundled())
    static let catalog = try! FlowCatalog.bundled()

    /// The receiver limit of `flow.message` for `procedure` and custody.
    static func limit(_ flow: String, _ message: String, procedure: String? = nil, custody: Bool = false) throws -> TimeLimit {
        try #require(
            Self.catalog.message(flow: flow, type: message)?.receiverLimits.first {
                $0.procedures.map { $0.contains(procedure ?? "ordinary") } ?? true && ($0.inCustody.map { $0 == custody } ?? true)
                    && $0.longest != nil
            },
            "\(flow).\(message) has an extendable receiver limit"
        )
    }

    static func extend(
        _ limit: TimeLimit,
        receivedOn day: String,
        to extended: String,
        custody: Bool = false
    ) throws -> (
        plain: Deadline, moved: (deadline: Deadline, change: SenderLimit.Change)?
    ) {
        let plain = Self.counter.count(limit, startingOn: try #require(CalendarDate(iso: day)), custody: custody)
        return (plain, LimitExtension.apply(try #require(CalendarDate(iso: extended)), to: plain, counter: Self.counter))
    }

    @Test func theReviewForProsecutionIsExtendedByFifteenDays() throws {
        // 刑事诉讼法第172条第1款 (人民检察院刑事诉讼规则第351条): 1 month, and for a major or complex case 15 days more.
        // Received Monday 2 March 2026: 1 month ends Thursday 2 April; extended to Friday 17 April, the 15th day after.
        let limit = try Self.limit("prosecutionTransfer", "prosecutionTransfer")
        let (plain, moved) = try Self.extend(limit, receivedOn: "2026-03-02", to: "2026-04-17")
        #expect(plain.dueOn.iso == "2026-04-02")
        let extended = try #require(moved)
        #expect(extended.deadline.dueOn.iso == "2026-04-17" && extended.change.from.iso == "2026-04-02")
        #expect(extended.change.reason.zh == "经批准延长至 2026-04-17")
        #expect(extended.change.reason.en == "extended by approval to 2026-04-17")
    }

    @Test func aReviewExtendedPastFifteenDaysIsCountedToTheLongest() throws {
        // The law allows 15 days, no more: a stated 30 April is counted to 17 April, and says so.
        let limit = try Self.limit("prosecutionTransfer", "prosecutionTransfer")
        let moved = try #require(try Self.extend(limit, receivedOn: "2026-03-02", to: "2026-04-30").moved)
        #expect(moved.deadline.dueOn.iso == "2026-04-17")
        #expect(moved.change.reason.zh == "经批准延长至 2026-04-30，超过法定最长1个月15日，按 2026-04-17 计")
    }

    @Test func theLongestMovesPastLabourDayUnlessThePersonIsInCustody() throws {
        // Received Friday 20 March 2026: 1 month and 15 days end Tuesday 5 May, a day of the Labour Day holiday (1–5
        // May 2026). Not in custody, the last day moves to Wednesday 6 May (刑事诉讼法第105条第3款); in custody it stays
        // on 5 May (第4款). A stated 10 May is counted to those days.
        let limit = try Self.limit("prosecutionTransfer", "prosecutionTransfer")
        let free = try #require(try Self.extend(limit, receivedOn: "2026-03-20", to: "2026-05-10").moved)
        #expect(free.deadline.dueOn.iso == "2026-05-06")
        let held = try #require(try Self.extend(limit, receivedOn: "2026-03-20", to: "2026-05-10", custody: true).moved)
        #expect(held.deadline.dueOn.iso == "2026-05-05")
    }

    @Test func theFastTrackReviewGoesFromTenToFifteenDays() throws {
        // 刑事诉讼法第172条第1款 (规则第273条): fast-track, 10 days, 15 if the likely sentence exceeds a year. Received
        // Monday 7 September 2026, in custody: 17 September, extended to 22 September; a stated 25th counts to the 22nd.
        let limit = try Self.limit("prosecutionTransfer", "prosecutionTransfer", procedure: "fastTrack")
        #expect(limit.value == 10 && limit.unit == .days)
        let (plain, moved) = try Self.extend(limit, receivedOn: "2026-09-07", to: "2026-09-25", custody: true)
        #expect(plain.dueOn.iso == "2026-09-17" && moved?.deadline.dueOn.iso == "2026-09-22")
    }

    @Test func theTrialIsExtendedWithinSixMonthsAndPastThemOnlyWithTheSupremeCourt() throws {
        // 刑事诉讼法第208条第1款: 2 months, at most 3, and 3 more with the upper court's approval (最高法解释第210条第1款):
        // 6 months in all. Received Monday 5 January 2026, defendant in custody: 5 March. Extended to 5 June, within
        // the 6 months; to 5 August, past 5 July, only the Supreme People's Court may approve (第210条第3款): taken as
        // stated, the need named.
        let limit = try Self.limit("firstInstancePublicProsecution", "indictment")
        let (plain, within) = try Self.extend(limit, receivedOn: "2026-01-05", to: "2026-06-05", custody: true)
        #expect(plain.dueOn.iso == "2026-03-05" && within?.deadline.dueOn.iso == "2026-06-05")
        let beyond = try #require(try Self.extend(limit, receivedOn: "2026-01-05", to: "2026-08-05", custody: true).moved)
        #expect(beyond.deadline.dueOn.iso == "2026-08-05")
        #expect(beyond.change.reason.zh.hasPrefix("经批准延长至 2026-08-05，超过法定6个月，须经最高人民法院批准"))
    }

    @Test func summaryProcedureGoesFromTwentyDaysToAMonthAndAHalf() throws {
        // 刑事诉讼法第220条: 20 days, 1 month and a half if the likely sentence exceeds 3 years; half a month is 15 days
        // (最高法解释第202条). Received Monday 1 June 2026, not in custody: 20 days end Sunday 21 June, the Dragon Boat
        // Festival holiday (19–21 June), so Monday 22 June. The longest is 1 July + 15 days: Thursday 16 July.
        let limit = try Self.limit("firstInstancePublicProsecution", "indictment", procedure: "summary")
        let (plain, moved) = try Self.extend(limit, receivedOn: "2026-06-01", to: "2026-07-31")
        #expect(plain.dueOn.iso == "2026-06-22" && plain.movedFrom?.iso == "2026-06-21")
        let extended = try #require(moved)
        #expect(extended.deadline.dueOn.iso == "2026-07-16" && extended.deadline.movedFrom == nil && extended.change.from.iso == "2026-06-22")
    }

    @Test func theSecondInstanceIsExtendedByTwoMonths() throws {
        // 刑事诉讼法第243条: 2 months, 2 more with the high court's approval. Received Thursday 15 October 2026 in
        // custody: 15 December; extended to 15 February 2027. The approved day is final: no 2027 calendar is needed
        // for it, so it is not provisional.
        let limit = try Self.limit("secondInstanceAppeal", "appealTransfer")
        let (plain, moved) = try Self.extend(limit, receivedOn: "2026-10-15", to: "2027-02-15", custody: true)
        #expect(plain.dueOn.iso == "2026-12-15")
        let extended = try #require(moved)
        #expect(extended.deadline.dueOn.iso == "2027-02-15" && !extended.deadline.provisional)
    }

    @Test func theArrestReviewOfASuspectNotDetainedGoesToTwentyDays() throws {
        // 人民检察院刑事诉讼规则第282条: a suspect not detained, 15 days, at most 20 in a major or complex case. Received
        // Monday 9 November 2026: 24 November; extended to 29 November, a Sunday: an approved day stands as stated.
        let limit = try Self.limit("arrestApproval", "arrestRequest", custody: false)
        #expect(limit.inCustody == false && limit.value == 15)
        let (plain, moved) = try Self.extend(limit, receivedOn: "2026-11-09", to: "2026-11-29")
        #expect(plain.dueOn.iso == "2026-11-24" && moved?.deadline.dueOn.iso == "2026-11-29")
    }

    @Test func aLimitTheLawDoesNotLetBeExtendedIsNotMoved() throws {
        // The 7 days of a detained suspect's arrest review (刑事诉讼法第91条第3款) and the court's 7 days to accept a
        // case (最高法解释第219条第2款) know no extension: a stated day changes nothing.
        let detained = try #require(
            Self.catalog.message(flow: "arrestApproval", type: "arrestRequest")?.receiverLimits.first { $0.inCustody == true }
        )
        let acceptance = try #require(Self.catalog.message(flow: "firstInstancePublicProsecution", type: "indictment")?.receiverLimits.first)
        for limit in [detained, acceptance] {
            #expect(limit.longest == nil)
            #expect(try Self.extend(limit, receivedOn: "2026-11-09", to: "2026-11-30").moved == nil)
        }
    }

    @Test func anExtensionToADayNotLaterChangesNothing() throws {
        // A day on or before the present last day is no extension (a package restating an older decision).
        let limit = try Self.limit("prosecutionTransfer", "prosecutionTransfer")
        #expect(try Self.extend(limit, receivedOn: "2026-03-02", to: "2026-04-02").moved == nil)
        #expect(try Self.extend(limit, receivedOn: "2026-03-02", to: "2026-03-20").moved == nil)
    }

    @Test func theCatalogNamesTheLongestOfEveryLimitTheLawLetsBeExtended() throws {
        // Issue 20, item 4: review (172), trial (208, 220, 225), second instance (243), arrest review of a suspect
        // not detained (规则282), and the arrest request (91): each longest is longer than the limit itself.
        var extendable: [String] = []
        for flow in Self.catalog.flows {
            for message in flow.messages {
                for limit in message.limits {
                    guard let longest = limit.longest else { continue }
                    extendable.append("\(message.id) \(limit.value) \(limit.unit.rawValue) → \(longest)")
                    let start = try #require(CalendarDate(iso: "2026-01-31"))
                    let plain = limit.unit == .days ? start.adding(days: limit.value) : start.adding(months: limit.value)
                    #expect(longest.end(from: start) > plain, "\(message.id): the longest is longer")
                }
            }
        }
        #expect(
            Set(extendable) == [
                "arrestRequest 15 days → 20 days", "arrestRequest 3 days → 30 days",
                "prosecutionTransfer 1 months → 1 months 15 days", "prosecutionTransfer 10 days → 15 days",
                "supplementaryInvestigationResubmit 1 months → 1 months 15 days",
                "indictment 2 months → 6 months", "indictment 20 days → 1 months 15 days", "indictment 10 days → 15 days",
                "appealTransfer 2 months → 4 months",
            ]
        )
    }

    @Test func aCatalogStatesTheLongestAsANumberOrAsMonthsAndDays() throws {
        func decode(_ json: String) throws -> TimeLimit { try JSONDecoder().decode(TimeLimit.self, from: Data(json.utf8)) }
        #expect(try decode(#"{"party":"sender","value":3,"unit":"days","basis":"b","longest":30}"#).longest == TimeLimit.Span(days: 30))
        #expect(try decode(#"{"party":"receiver","value":2,"unit":"months","basis":"b","longest":6}"#).longest == TimeLimit.Span(months: 6))
        #expect(
            try decode(#"{"party":"receiver","value":1,"unit":"months","basis":"b","longest":{"months":1,"days":15}}"#).longest
                == TimeLimit.Span(months: 1, days: 15)
        )
        // A number of hours cannot be a span of months and days: the catalog is refused, not misread.
        #expect(throws: DecodingError.self) { try decode(#"{"party":"receiver","value":24,"unit":"hours","basis":"b","longest":48}"#) }
    }
}
