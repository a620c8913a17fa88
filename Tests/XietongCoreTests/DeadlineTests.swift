import Foundation
import Testing
import XietongCore

/// Statutory time limits counted as the law counts them (issue 5; CPL 第105条), on worked examples with month ends,
/// weekends, public holidays, the State Council's working weekends and custody.
@Suite struct DeadlineTests {
    static let counter = DeadlineCounter(calendar: try! LegalCalendar.bundled())

    static func day(_ iso: String) -> CalendarDate { CalendarDate(iso: iso)! }

    /// A receipt at 10:00 China time on the given day.
    static func receipt(_ iso: String) -> Date { Timestamp.date(iso + "T10:00:00+08:00")! }

    static func limit(_ value: Int, _ unit: TimeLimit.Unit) -> TimeLimit { TimeLimit(party: .receiver, value: value, unit: unit, basis: "test") }

    @Test func weekdaysOfKnownDays() {
        #expect(Self.day("2026-11-21").weekday == 6)  // a Saturday
        #expect(Self.day("1970-01-01").weekday == 4)
        #expect(Self.day("2000-02-29").adding(days: 1) == Self.day("2000-03-01"))
        #expect(CalendarDate(ordinal: Self.day("2026-11-21").ordinal) == Self.day("2026-11-21"))
    }

    @Test(arguments: [
        // The day of receipt is not counted: 7 days from Friday 20 November end on Friday 27 November.
        ("2026-11-20", 7, TimeLimit.Unit.days, "2026-11-27", nil as String?),
        // The last day is a Saturday: the limit ends on Monday.
        ("2026-11-21", 7, .days, "2026-11-30", "2026-11-28"),
        // National Day week: a last day of 1 October moves past the holidays to 8 October.
        ("2026-09-24", 7, .days, "2026-10-08", "2026-10-01"),
        // Spring Festival: 16 February is a holiday, and so is every day up to the 23rd.
        ("2026-02-13", 3, .days, "2026-02-24", "2026-02-16"),
        // A weekend the State Council made a working day stays the last day (Saturday 28 February 2026).
        ("2026-02-25", 3, .days, "2026-02-28", nil),
        // Months: to the same day of the later month.
        ("2026-03-05", 1, .months, "2026-04-07", "2026-04-05"),  // 5 April 2026 is 清明, the 6th too: the 7th
        ("2026-06-10", 1, .months, "2026-07-10", nil),
        // From the last day of a month to the last day of the later month.
        ("2026-04-30", 1, .months, "2026-06-01", "2026-05-31"),  // 31 May 2026 is a Sunday
        ("2026-01-31", 1, .months, "2026-02-28", nil)
            as (String, Int, TimeLimit.Unit, String, String?),
    ])
    func daysAndMonthsMovePastHolidays(received: String, value: Int, unit: TimeLimit.Unit, due: String, movedFrom: String?) {
        let deadline = Self.counter.count(Self.limit(value, unit), from: Self.receipt(received))
        #expect(deadline.startsOn == Self.day(received))
        #expect(deadline.dueOn == Self.day(due))
        #expect(deadline.movedFrom == movedFrom.map(Self.day))
        #expect(!deadline.custody)
    }

    @Test func aMonthFromADayTheLaterMonthLacksEndsOnItsLastDay() {
        // 30 January + 1 month: February has no 30th, so the last day of February (a working Saturday in 2026).
        #expect(Self.counter.count(Self.limit(1, .months), from: Self.receipt("2026-01-30")).dueOn == Self.day("2026-02-28"))
        // Leap years: 31 January 2028 + 1 month is 29 February 2028 (a Tuesday; 2028 is not in the calendar).
        #expect(Self.counter.count(Self.limit(1, .months), from: Self.receipt("2028-01-31")).dueOn == Self.day("2028-02-29"))
        // Across a year end: 31 December 2026 + 2 months is 28 February 2027, a Sunday: Monday 1 March.
        let deadline = Self.counter.count(Self.limit(2, .months), from: Self.receipt("2026-12-31"))
        #expect(deadline.dueOn == Self.day("2027-03-01") && deadline.movedFrom == Self.day("2027-02-28"))
    }

    @Test func inCustodyAPeriodEndsOnItsLastDayEvenOnAHoliday() {
        let national = Self.counter.count(Self.limit(7, .days), from: Self.receipt("2026-09-24"), custody: true)
        #expect(national.dueOn == Self.day("2026-10-01") && national.movedFrom == nil && national.custody)
        let weekend = Self.counter.count(Self.limit(1, .months), from: Self.receipt("2026-04-30"), custody: true)
        #expect(weekend.dueOn == Self.day("2026-05-31"))
    }

    @Test func hoursRunFromTheNextFullHour() {
        let deadline = Self.counter.count(Self.limit(24, .hours), from: Timestamp.date("2026-11-20T10:25:00+08:00")!)
        #expect(deadline.dueAt.flatMap(Timestamp.date) == Timestamp.date("2026-11-21T11:00:00+08:00"))
        #expect(deadline.dueOn == Self.day("2026-11-21"))
    }

    @Test func workingDaysSkipHolidaysAndCountWorkingWeekends() {
        // From Thursday 24 September 2026: 25–27 September (Mid-Autumn) and 1–7 October are holidays, 10 October a
        // working Saturday: 28, 29, 30 Sep, 8, 9, 10, 12, 13, 14, 15 Oct.
        #expect(Self.counter.count(Self.limit(10, .workingDays), from: Self.receipt("2026-09-24")).dueOn == Self.day("2026-10-15"))
    }

    @Test func immediatelyIsDueOnTheDayOfReceipt() {
        #expect(Self.counter.count(Self.limit(0, .immediately), from: Self.receipt("2026-10-03")).dueOn == Self.day("2026-10-03"))
    }

    @Test func theDayOfReceiptIsTheChinaDay() {
        // 20:30 UTC on the 20th is 04:30 on the 21st in Beijing.
        let deadline = Self.counter.count(Self.limit(7, .days), from: Timestamp.date("2026-11-20T20:30:00Z")!)
        #expect(deadline.startsOn == Self.day("2026-11-21"))
    }

    @Test func aCalendarWithAWeekdayAsWorkingWeekendIsRefusedNamingTheEntry() {
        let text = """
            {"format":"xietong.holidays/1","source":"test","verified":true,
             "years":[{"year":2027,"holidays":["2027-01-01"],"workingWeekends":["2027-01-04"]}]}
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("holidays-\(UUID().uuidString).json")
        try? Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect {
            try LegalCalendar.load(file)
        } throws: { error in
            (error as? ConfigurationError)?.path == "years[0].workingWeekends[0]"
        }
    }

    @Test func theBundledCalendarCoversTheYearsItShips() throws {
        let calendar = try LegalCalendar.bundled()
        #expect(calendar.covers(2025) && calendar.covers(2026) && !calendar.covers(2027))
        #expect(!calendar.isWorkingDay(Self.day("2026-10-01")))
        #expect(calendar.isWorkingDay(Self.day("2026-10-10")))
    }
}
