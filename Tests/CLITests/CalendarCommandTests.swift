import Foundation
import Testing
import XietongTesting

/// `xietong calendar check FILE`: what an IT centre runs on a new year's State Council notice before the hub loads it
/// (issue 20).
@Suite struct CalendarCommandTests {
    @Test func theShippedCalendarChecks() async throws {
        let result = try await CommandRunner.run(["calendar", "check", "Sources/XietongCore/Resources/calendar/holidays-cn.json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("valid; checked against the notices 已核对"))
        #expect(result.stdout.contains("2025: 28 节假日 holidays, 5 调休上班日 working weekends"))
        #expect(result.stdout.contains("2026: 33 节假日 holidays, 6 调休上班日 working weekends"))
    }

    @Test func aNoticeMissingNationalDayOrWithAWeekdayAsWorkingWeekendIsRefusedNamingTheEntry() async throws {
        let directory = try TemporaryDirectory()
        // 3 October is missing (放假办法第2条 gives National Day 1 to 3 October).
        try Data(
            #"{"format":"xietong.holidays/1","source":"2027 notice","verified":true,"years":[{"year":2027,"holidays":["2027-01-01","2027-05-01","2027-05-02","2027-10-01","2027-10-02"],"workingWeekends":[]}]}"#
                .utf8
        ).write(to: directory.file("missing.json"))
        let missing = try await CommandRunner.run(["calendar", "check", directory.file("missing.json").path])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("config.missing-field") && missing.stdout.contains("years[0].holidays"))
        #expect(missing.stdout.contains("2027-10-03"))
        // Monday 4 January 2027 is no weekend day.
        try Data(
            #"{"format":"xietong.holidays/1","source":"x","verified":false,"years":[{"year":2027,"holidays":["2027-01-01"],"workingWeekends":["2027-01-04"]}]}"#
                .utf8
        ).write(to: directory.file("weekday.json"))
        let weekday = try await CommandRunner.run(["calendar", "check", directory.file("weekday.json").path])
        #expect(weekday.status == 1)
        #expect(weekday.stdout.contains("years[0].workingWeekends[0]"))
        let absent = try await CommandRunner.run(["calendar", "check", directory.file("absent.json").path])
        #expect(absent.status == 1 && absent.stdout.contains("config.unreadable"))
    }
}
