import Foundation
import Testing

@testable import XietongCore

/// The XSD `date` and `dateTime` forms the schema check accepts, read from the bytes (ZJ-7.1.2.1 b).
@Suite struct DateValueTests {
    @Test func dateTimesAreReadWithTheirZone() throws {
        let china = try #require(DateValue.dateTime("2026-11-20T08:07:00+08:00"))
        #expect(china.date == CalendarDate(year: 2026, month: 11, day: 20) && china.seconds == 8 * 3600 + 7 * 60 && china.offset == 8 * 3600)
        #expect(DateValue.dateTime("2026-11-20T08:07:00Z")?.offset == 0)
        #expect(DateValue.dateTime("2026-11-20T23:59:59-05:30")?.offset == -(5 * 3600 + 30 * 60))
        #expect(DateValue.dateTime("2026-11-20T23:59:59-05:30")?.seconds == 86399)
        let local = try #require(DateValue.dateTime("2026-11-20T08:07:00"))
        #expect(local.offset == nil)
        #expect(DateValue.dateTime("2026-11-20T08:07:00.125+08:00")?.seconds == 8 * 3600 + 7 * 60)
        #expect(DateValue.dateTime("2024-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        "", "2026-11-20", "2026-11-20 08:07:00", "2026-11-20T24:00:00", "2026-11-20T08:60:00", "2026-11-20T08:07",
        "2026-11-20T08:07:00.", "2026-11-20T08:07:00.1a", "2026-02-30T08:00:00", "2025-02-29T08:00:00",
        "2026-11-20T08:07:00+15:00", "2026-11-20T08:07:00+08:60", "2026-11-20T08:07:00+0800", "2026-11-20T8:07:00",
        "２０２６-11-20T08:07:00", "2026-11-20T08:07:00ZZ", "2026-1-20T08:07:00", "T08:07:00",
    ])
    func malformedDateTimesAreRefused(text: String) {
        #expect(DateValue.dateTime(text) == nil, "\(text)")
    }

    /// A date-time's instant and China day, against Foundation's ISO 8601 reading (no zone means China time).
    @Test(arguments: [
        ("2026-11-20T08:07:00+08:00", "2026-11-20T08:07:00+08:00", "2026-11-20"),
        ("2026-11-20T16:30:00Z", "2026-11-20T16:30:00Z", "2026-11-21"),
        ("2026-11-20T15:59:59Z", "2026-11-20T15:59:59Z", "2026-11-20"),
        ("2026-11-20T23:59:59-05:30", "2026-11-20T23:59:59-05:30", "2026-11-21"),
        ("2026-11-21T00:30:00", "2026-11-21T00:30:00+08:00", "2026-11-21"),
        ("1969-12-31T20:00:00Z", "1969-12-31T20:00:00Z", "1970-01-01"),
        ("2024-02-29T23:00:00+14:00", "2024-02-29T23:00:00+14:00", "2024-02-29"),
    ])
    func instantsAndChinaDaysAgreeWithFoundation(text: String, iso: String, chinaDay: String) throws {
        let value = try #require(DateValue.dateTime(text))
        let expected = try #require(ISO8601DateFormatter().date(from: iso))
        #expect(DateValue.instant(value) == expected)
        #expect(DateValue.chinaDay(value).iso == chinaDay)
    }

    @Test func datesMayCarryAZone() {
        #expect(DateValue.date("2026-11-20") == CalendarDate(year: 2026, month: 11, day: 20))
        #expect(DateValue.date("2026-11-20+08:00") == CalendarDate(year: 2026, month: 11, day: 20))
        #expect(DateValue.date("2026-11-20Z") != nil)
        for text in ["2026-11-2", "2026-13-01", "2026-11-20T", "2026/11/20", "20261120", "2026-11-20+8:00", "2026-11-31"] {
            #expect(DateValue.date(text) == nil, "\(text)")
        }
        #expect(CalendarDate(compact: "20240229") == CalendarDate(year: 2024, month: 2, day: 29))
        #expect(CalendarDate(compact: "2024022") == nil && CalendarDate(compact: "2024022a") == nil)
    }
}
