import Foundation
import Testing
import XietongCore

/// Worked examples of time limits as the law counts them (issue 20), each with its reasoning. The rules:
///
/// - CPL 第105条第2款: the day a period starts is not counted (a limit of n days from a receipt on the 20th ends on
///   the 20th + n);
/// - SPC-I 第202条第1款: months run to the same day of the later month; from the last day of a month to the last day
///   of the later month; to its last day when the later month has no such day;
/// - CPL 第105条第4款: a last day on a holiday moves to the first working day after it, except while the suspect,
///   defendant or offender is in custody, when the period ends on its last day;
/// - the State Council's notices (国办发明电〔2024〕12号 for 2025, 〔2025〕7号 for 2026) say which days are holidays and
///   which weekend days are working days; a count needing a year no notice is loaded for is provisional.
@Suite struct DeadlineWorkedExamplesTests {
    static let counter = DeadlineCounter(calendar: try! LegalCalendar.bundled())

    static func day(_ iso: String) -> CalendarDate { CalendarDate(iso: iso)! }

    static func count(_ value: Int, _ unit: TimeLimit.Unit, from received: String, custody: Bool = false) -> Deadline {
        Self.counter.count(
            TimeLimit(party: .receiver, value: value, unit: unit, basis: "worked example"),
            from: Timestamp.date(received + "T10:00:00+08:00")!,
            custody: custody
        )
    }

    struct Example: Sendable, CustomTestStringConvertible {
        let received: String
        let value: Int
        let unit: TimeLimit.Unit
        let custody: Bool
        let due: String
        let movedFrom: String?
        var testDescription: String { "\(self.value) \(self.unit.rawValue) from \(self.received)\(self.custody ? " in custody" : "") → \(self.due)" }

        init(_ received: String, _ value: Int, _ unit: TimeLimit.Unit, custody: Bool = false, due: String, movedFrom: String? = nil) {
            self.received = received
            self.value = value
            self.unit = unit
            self.custody = custody
            self.due = due
            self.movedFrom = movedFrom
        }
    }

    @Test(arguments: [
        // 元旦 2025 (1 January, a Wednesday): 7 days from 25 December 2024 end on it; it moves to Thursday 2 January.
        Example("2024-12-25", 7, .days, due: "2025-01-02", movedFrom: "2025-01-01"),
        // 春节 2025: 28 January to 4 February are holidays; 7 days from 21 January end on the 28th: Wednesday 5 February.
        Example("2025-01-21", 7, .days, due: "2025-02-05", movedFrom: "2025-01-28"),
        // Sunday 26 January 2025 was made a working day for the Spring Festival: a last day on it stays.
        Example("2025-01-19", 7, .days, due: "2025-01-26"),
        // 清明 2025: 4 to 6 April; 7 days from 28 March end on the 4th: Monday 7 April.
        Example("2025-03-28", 7, .days, due: "2025-04-07", movedFrom: "2025-04-04"),
        // 劳动节 2025: 1 to 5 May; 7 days from 24 April end on 1 May: Tuesday 6 May.
        Example("2025-04-24", 7, .days, due: "2025-05-06", movedFrom: "2025-05-01"),
        // 端午 2025: 31 May to 2 June; 7 days from 24 May end on the 31st: Tuesday 3 June.
        Example("2025-05-24", 7, .days, due: "2025-06-03", movedFrom: "2025-05-31"),
        // 国庆 and 中秋 2025: 1 to 8 October; 7 days from 24 September end on 1 October: Thursday 9 October.
        Example("2025-09-24", 7, .days, due: "2025-10-09", movedFrom: "2025-10-01"),
        // Saturday 11 October 2025 was a working day: a last day on it stays.
        Example("2025-10-04", 7, .days, due: "2025-10-11"),
        // 元旦 2026: 1 to 3 January; Sunday 4 January was a working day, so a last day of 1 January moves to the 4th.
        Example("2025-12-25", 7, .days, due: "2026-01-04", movedFrom: "2026-01-01"),
        // 清明 2026: 4 to 6 April; 7 days from 28 March end on the 4th: Tuesday 7 April.
        Example("2026-03-28", 7, .days, due: "2026-04-07", movedFrom: "2026-04-04"),
        // 劳动节 2026: 1 to 5 May; 7 days from 24 April: Wednesday 6 May.
        Example("2026-04-24", 7, .days, due: "2026-05-06", movedFrom: "2026-05-01"),
        // Saturday 9 May 2026 was a working day: it stays.
        Example("2026-05-02", 7, .days, due: "2026-05-09"),
        // 端午 2026: 19 to 21 June; 7 days from 12 June: Monday 22 June.
        Example("2026-06-12", 7, .days, due: "2026-06-22", movedFrom: "2026-06-19"),
        // 中秋 2026: 25 to 27 September; 7 days from 18 September: Monday 28 September.
        Example("2026-09-18", 7, .days, due: "2026-09-28", movedFrom: "2026-09-25"),
        // The acceptance case: an arrest request received the day before National Day 2026, 7 days (CPL 第91条第3款).
        // On bail the last day, 7 October, is a holiday: it moves to Thursday 8 October.
        Example("2026-09-30", 7, .days, due: "2026-10-08", movedFrom: "2026-10-07"),
        // The same suspect detained: the period ends on 7 October, holiday or not (CPL 第105条第4款).
        Example("2026-09-30", 7, .days, custody: true, due: "2026-10-07"),
        // In custody across the Spring Festival 2026: 7 days from 9 February end on the 16th, a holiday, and stay.
        Example("2026-02-09", 7, .days, custody: true, due: "2026-02-16"),
        // In custody, months: 2 months from 7 August 2026 end on 7 October, a holiday, and stay (CPL 第156条 counts
        // a detention period this way).
        Example("2026-08-07", 2, .months, custody: true, due: "2026-10-07"),
        // The same 2 months for a person not in custody move to Thursday 8 October.
        Example("2026-08-07", 2, .months, due: "2026-10-08", movedFrom: "2026-10-07"),
        // From the last day of a month to the last day of the later one: 31 August + 1 month = 30 September 2026.
        Example("2026-08-31", 1, .months, due: "2026-09-30"),
        // 31 May 2026 + 1 month: June has no 31st, its last day is Tuesday 30 June.
        Example("2026-05-31", 1, .months, due: "2026-06-30"),
        // Leap years: 29 February 2024 + 12 months = 28 February 2025 (the last day of February), a Friday.
        Example("2024-02-29", 12, .months, due: "2025-02-28"),
        // 31 January 2025 + 1 month = 28 February 2025.
        Example("2025-01-31", 1, .months, due: "2025-02-28"),
        // Working days: from 30 September 2026, 1 to 7 October are holidays and Saturday 10 October a working day:
        // 8, 9, 10, 12, 13 October.
        Example("2026-09-30", 5, .workingDays, due: "2026-10-13"),
        // Working days over the Spring Festival 2025: from 24 January, Sunday 26 January works, 28 January to
        // 4 February are off: 26, 27 January, 5, 6, 7 February.
        Example("2025-01-24", 5, .workingDays, due: "2025-02-07"),
    ])
    func limitsCountAsTheLawCountsThem(_ example: Example) {
        let deadline = Self.count(example.value, example.unit, from: example.received, custody: example.custody)
        #expect(deadline.dueOn == Self.day(example.due))
        #expect(deadline.movedFrom == example.movedFrom.map(Self.day))
        #expect(deadline.custody == example.custody)
        #expect(!deadline.provisional, "2025 and 2026 are in the calendar")
    }

    @Test func aLimitEndingInAYearTheCalendarDoesNotListIsProvisional() {
        // 1 month from 2 December 2026 ends on Saturday 2 January 2027. No 2027 notice is loaded: counted by weekends
        // only it moves to Monday 4 January, and that is provisional (元旦 2027 may well move it further).
        let free = Self.count(1, .months, from: "2026-12-02")
        #expect(free.dueOn == Self.day("2027-01-04") && free.movedFrom == Self.day("2027-01-02"))
        #expect(free.provisional && free.uncoveredYears == [2027])
        // In custody the last day stands whatever it is: the calendar is not needed and nothing is provisional.
        let held = Self.count(1, .months, from: "2026-12-02", custody: true)
        #expect(held.dueOn == Self.day("2027-01-02") && !held.provisional)
        // Working days into 2027 need its calendar for every day counted there.
        let working = Self.count(10, .workingDays, from: "2026-12-24")
        #expect(working.provisional && working.uncoveredYears == [2027])
        // A limit in hours does not depend on holidays.
        let hours = Self.counter.count(
            TimeLimit(party: .receiver, value: 24, unit: .hours, basis: "worked example"),
            from: Timestamp.date("2026-12-31T23:10:00+08:00")!
        )
        #expect(!hours.provisional && hours.dueAt.flatMap(Timestamp.date) == Timestamp.date("2027-01-02T00:00:00+08:00"))
    }

    @Test func loadingTheMissingYearMakesTheCountFinal() throws {
        // A 2027 notice with 1 to 3 January off (an invented example, with the fixed-date holidays of 放假办法 第2条).
        let year2027 = LegalCalendar(
            source: "test notice for 2027",
            years: [
                LegalCalendar.Year(
                    year: 2027,
                    holidays: ["2027-01-01", "2027-01-02", "2027-01-03", "2027-05-01", "2027-05-02", "2027-10-01", "2027-10-02", "2027-10-03"]
                        .map(Self.day),
                    workingWeekends: []
                )
            ]
        )
        let merged = try LegalCalendar.bundled().merging(year2027)
        #expect(merged.covers(2025) && merged.covers(2026) && merged.covers(2027))
        let deadline = DeadlineCounter(calendar: merged).count(
            TimeLimit(party: .receiver, value: 1, unit: .months, basis: "worked example"),
            from: Timestamp.date("2026-12-02T10:00:00+08:00")!
        )
        #expect(!deadline.provisional)
        // 2 January 2027 is now a holiday and 3 January too; Monday 4 January is the first working day.
        #expect(deadline.dueOn == Self.day("2027-01-04") && deadline.movedFrom == Self.day("2027-01-02"))
        #expect(merged.problems(file: "2027.json").isEmpty)
    }

    @Test func aCalendarMissingAStatutoryHolidayOrListingADayTwiceIsNamed() {
        let calendar = LegalCalendar(
            source: "test",
            years: [
                LegalCalendar.Year(
                    year: 2027,
                    holidays: ["2027-01-01", "2027-05-01", "2027-05-02", "2027-10-01", "2027-10-02", "2027-02-06"].map(Self.day),
                    workingWeekends: [Self.day("2027-02-06")]
                )
            ]
        )
        let problems = calendar.problems(file: "2027.json")
        #expect(problems.map(\.path) == ["years[0].workingWeekends", "years[0].holidays"])
        #expect(problems.last?.message.en.contains("2027-10-03") == true)
        #expect(problems.allSatisfy { $0.file == "2027.json" })
    }
}
