import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// The hub counts a limit as one of a person in custody from what it knows of the person across packages, judges it
/// again when the custody changes, and marks a count that needs a year its calendar lacks as provisional until the
/// calendar lists it (issue 20; CPL 第105条第4款).
@Suite struct CustodyDeadlineTests {
    static let hub = "330100000001"

    /// A store whose clock starts at 10:00 China time on `day`.
    static func store(_ database: any SQLDatabase, on day: String, calendar: LegalCalendar? = nil) throws -> HubStore {
        let flows =
            try calendar.map { FlowEngine(catalog: try FlowCatalog.bundled(), calendar: $0, registry: try OrganisationRegistry.demo()) }
            ?? FlowEngine.bundled()
        return HubStore(
            database: database,
            hubOrganisation: Self.hub,
            flows: flows,
            clock: .starting(at: Timestamp.date(day + "T10:00:00+08:00")!)
        )
    }

    /// An example package with a new id and case code, and its coercive measures replaced by `measures` (XML).
    static func package(_ example: String, id name: String, code: String, measures: String?) throws -> HubStore.Accepted {
        var xml = Fixtures.example(example)
        xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: Self.id(name))
        xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "custody-deadline-\(name)")
        xml = xml.replacingOccurrences(of: PackageFactory.element("UnifiedCaseCode", in: xml), with: code)
        if let start = xml.range(of: "<CoerciveMeasures>"), let end = xml.range(of: "</CoerciveMeasures>") {
            xml.replaceSubrange(start.lowerBound..<end.upperBound, with: measures.map { "<CoerciveMeasures>\($0)</CoerciveMeasures>" } ?? "")
        }
        return try #require(HubStore.Accepted.checked(Array(xml.utf8), unifiedCaseCode: code), "\(example) with new measures checks")
    }

    /// The package id (a UUID) of the package named `name` here.
    static func id(_ name: String) -> String { ExamplePackages.uuid("custody-deadline-\(name)") }

    static let detention = "<CoerciveMeasure personRef=\"p1\"><Kind>criminalDetention</Kind><StartDate>2026-09-28</StartDate></CoerciveMeasure>"
    static let bail = "<CoerciveMeasure personRef=\"p1\"><Kind>bail</Kind><StartDate>2026-10-02</StartDate></CoerciveMeasure>"

    @Test(arguments: StoreBackend.allCases)
    func custodyComesFromThePersonAndAReleaseJudgesTheLimitAgain(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = try Self.store(database, on: "2026-09-30")

        // The day before National Day the police send an arrest request for a detained suspect: 7 days (CPL 第91条
        // 第3款) end on 7 October, a holiday, and stay there (CPL 第105条第4款).
        let first = try Self.package(
            "arrestApproval.arrestRequest",
            id: "custody-1",
            code: "20260930110133010600010100000901",
            measures: Self.detention
        )
        _ = try await store.accept(first, statusURL: "/s")
        var limit = try #require(try await store.deadlines(of: Self.id("custody-1")).first)
        #expect(limit.dueOn == "2026-10-07" && limit.custody)
        #expect(limit.custodyReason?.zh.contains("在押：刑事拘留，自 2026-09-28") == true)

        // A second request for the same person that omits the measures is still a custody limit: the hub knows the
        // person is detained.
        let second = try Self.package("arrestApproval.arrestRequest", id: "custody-2", code: "20260930110133010600010100000902", measures: nil)
        _ = try await store.accept(second, statusURL: "/s")
        limit = try #require(try await store.deadlines(of: Self.id("custody-2")).first)
        #expect(limit.dueOn == "2026-10-07" && limit.custody, "not extended over the holiday")

        // The suspect is released on bail: both limits are no longer custody limits, and a last day on a holiday
        // moves to the first working day after it, 8 October; each change is recorded with its reason.
        let release = try Self.package(
            "coerciveMeasureChange.coerciveMeasureNotice",
            id: "custody-release",
            code: "20261002120133010600020100000903",
            measures: Self.bail
        )
        _ = try await Self.store(database, on: "2026-10-02").accept(release, statusURL: "/s")
        for name in ["custody-1", "custody-2"] {
            let id = Self.id(name)
            let judged = try #require(try await store.deadlines(of: id).first)
            #expect(judged.dueOn == "2026-10-08" && !judged.custody && judged.movedFrom == "2026-10-07", "\(id)")
            #expect(judged.changedFrom == "2026-10-07")
            #expect(judged.changeReason?.zh.hasPrefix("已不在押") == true)
            #expect(judged.custodyReason?.zh.contains("未羁押：取保候审，自 2026-10-02（数据包 \(Self.id("custody-release"))）") == true)
            let changes = try await store.deadlineChanges(of: id, seq: 0)
            #expect(changes.map(\.newDueOn) == ["2026-10-08"] && changes.first?.byPackage == Self.id("custody-release"))
        }

        // Detained again: back to custody, the day moves back, and the history has both changes.
        let again = try Self.package(
            "coerciveMeasureChange.coerciveMeasureNotice",
            id: "custody-again",
            code: "20261003120133010600020100000904",
            measures: "<CoerciveMeasure personRef=\"p1\"><Kind>arrest</Kind><StartDate>2026-10-03</StartDate></CoerciveMeasure>"
        )
        _ = try await Self.store(database, on: "2026-10-03").accept(again, statusURL: "/s")
        let back = try #require(try await store.deadlines(of: Self.id("custody-1")).first)
        #expect(back.dueOn == "2026-10-07" && back.custody)
        #expect(try await store.deadlineChanges(of: Self.id("custody-1"), seq: 0).map(\.newDueOn) == ["2026-10-08", "2026-10-07"])
        // The arrest started the person's investigation detention period (2 months, 第156条第1款), a limit of its own.
        let period = try #require(try await store.deadlines(of: Self.id("custody-again")).first { $0.basis.hasPrefix("刑事诉讼法第156条第1款") })
        #expect(period.dueOn == "2026-12-03" && period.custody && period.state == "open")
        // Seven days before it ends, the police are reminded: their last day to apply for an extension.
        let reminders = try await store.sendReminders(today: CalendarDate(iso: "2026-11-26")!, daysBefore: [2, 0])
        let applyBy = try #require(reminders.first { $0.packageId == Self.id("custody-again") })
        #expect(applyBy.point == .dueSoon && applyBy.daysLeft == 7 && applyBy.responsible == "330106000101")
        #expect(applyBy.text.zh == "“侦查羁押期限（届满七日前提请延长）”的办理期限还有 7 天届满（2026-12-03）")

        // After its last day a limit keeps how it was judged: a release on 9 October moves nothing back or forth.
        let late = try Self.package(
            "coerciveMeasureChange.coerciveMeasureNotice",
            id: "custody-late",
            code: "20261009120133010600020100000906",
            measures: "<CoerciveMeasure personRef=\"p1\"><Kind>bail</Kind><StartDate>2026-10-09</StartDate></CoerciveMeasure>"
        )
        _ = try await Self.store(database, on: "2026-10-09").accept(late, statusURL: "/s")
        let kept = try #require(try await store.deadlines(of: Self.id("custody-1")).first)
        #expect(kept.dueOn == "2026-10-07" && kept.custody)
        // The release ends the detention period: met, by the release, not counted again as a plain limit.
        let ended = try #require(try await store.deadlines(of: Self.id("custody-again")).first { $0.basis.hasPrefix("刑事诉讼法第156条第1款") })
        #expect(ended.state == "met" && ended.metBy == Self.id("custody-late") && ended.dueOn == "2026-12-03")
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aLimitInAYearTheCalendarLacksIsProvisionalUntilTheCalendarListsIt(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = try Self.store(database, on: "2026-12-17")
        // On bail, 15 days (规则第282条) from 17 December end on Friday 1 January 2027: by weekends alone a working
        // day, but no 2027 notice is loaded, so that is provisional.
        let request = try Self.package("arrestApproval.arrestRequest", id: "year-1", code: "20261217110133010600010100000905", measures: Self.bail)
        _ = try await store.accept(request, statusURL: "/s")
        var limit = try #require(try await store.deadlines(of: Self.id("year-1")).first)
        #expect(limit.dueOn == "2027-01-01" && limit.provisional && limit.uncoveredYears == [2027])
        #expect(try await store.provisionalYears().map(\.year) == [2027])
        #expect(try await store.recountProvisional() == 0, "the same calendar changes nothing")

        // The hub restarts with the 2027 notice loaded (1 to 3 January off): the limit is counted again and final.
        let year2027 = LegalCalendar.Year(
            year: 2027,
            holidays: ["2027-01-01", "2027-01-02", "2027-01-03", "2027-05-01", "2027-05-02", "2027-10-01", "2027-10-02", "2027-10-03"]
                .compactMap(CalendarDate.init(iso:))
        )
        let calendar = try LegalCalendar.bundled().merging(LegalCalendar(source: "2027 notice", years: [year2027]))
        let restarted = try Self.store(database, on: "2026-12-18", calendar: calendar)
        #expect(try await restarted.recountProvisional() == 1)
        limit = try #require(try await restarted.deadlines(of: Self.id("year-1")).first)
        #expect(limit.dueOn == "2027-01-04" && !limit.provisional && limit.movedFrom == "2027-01-01")
        #expect(limit.changedFrom == "2027-01-01" && limit.changeReason?.zh.contains("已载入 2027 年节假日安排") == true)
        #expect(try await restarted.provisionalYears().isEmpty)
        await database.close()
    }

    /// A hub upgraded to migration 14 with open limits: their persons are known, so a change of custody judges them
    /// again, and a last day in a year the calendar lacks is found provisional by the first recount.
    @Test(arguments: StoreBackend.allCases)
    func anUpgradedHubChecksItsOpenLimitsAgainstTheCalendar(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (old, location) = try await PackageKeyTests.hub(before: 10, backend: backend, in: directory)
        try await PackageKeyTests.insertAtVersion9("p-old", key: PackageKey.legacy("p-old"), caseCode: "c-old", into: old)
        // Not in custody, 7 days from 28 December 2026: 4 January 2027, counted before the calendar had a say.
        try await old.execute("UPDATE deadlines SET custody = 0, starts_on = '2026-12-28', due_on = '2027-01-04' WHERE package_id = 'p-old'", [])
        await old.close()

        let upgraded = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let persons = try await upgraded.execute("SELECT person_key FROM deadline_persons", []).compactMap { $0.string("person_key") }
        #expect(persons == ["name:张某某|1990-03-15"])
        let store = try Self.store(upgraded, on: "2026-12-28")
        #expect(try await store.recountProvisional() == 1)
        let limit = try #require(try await store.deadlines(of: "p-old").first)
        #expect(limit.provisional && limit.uncoveredYears == [2027] && limit.dueOn == "2027-01-04")
        #expect(try await store.recountProvisional() == 0, "checked once")
        await upgraded.close()
    }
}
