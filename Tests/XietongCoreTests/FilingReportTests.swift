import Foundation
import Testing
import XietongTesting

@testable import XietongCore

/// Case filing reports (issue 26, GUI-2): the bundled kinds, who may file which, what a report must hold, and when
/// it is late.
@Suite struct FilingReportTests {
    static func draft(kind: String = "nonProsecution", id: String = "3f2c8a4e-0d5b-4c1e-9a7f-2b6d8e1c4a90") -> FilingReportDraft {
        var draft = FilingReports.nonProsecution(id: id)
        draft.kind = kind
        return draft
    }

    @Test func theBundledKindsNameWhoReportsThem() throws {
        let kinds = try FilingReportKinds.bundled()
        #expect(kinds.kinds.map(\.id) == ["majorCase", "officialCase", "nonProsecution", "acquittal"])
        #expect(kinds["nonProsecution"]?.from == [.procuratorate] && kinds["acquittal"]?.from == [.court])
        #expect(kinds.kinds.allSatisfy { !$0.zh.isEmpty && !$0.en.isEmpty && ($0.dueDays ?? 1) > 0 })
    }

    @Test func aReportIsCheckedForItsReporterAndItsFields() throws {
        let kinds = try FilingReportKinds.bundled()
        let checked = try Self.draft().checked(kinds: kinds, reporterKinds: [.procuratorate])
        // ID numbers are kept as the hub stores and searches them.
        #expect(checked.persons.first?.idNumber == "330106199003151236")
        // A court does not report a non-prosecution; nobody reports an unknown kind.
        #expect(throws: FilingReportDraft.Problem.self) { try Self.draft().checked(kinds: kinds, reporterKinds: [.court]) }
        do {
            _ = try Self.draft().checked(kinds: kinds, reporterKinds: [.court])
        } catch {
            #expect(error.code == .notReporter && error.message.zh.contains("检察机关"))
        }
        do {
            _ = try Self.draft(kind: "gossip").checked(kinds: kinds, reporterKinds: [.procuratorate])
        } catch {
            #expect(error.code == .unknownKind && error.message.en.contains("nonProsecution"))
        }
        // Malformed fields, each named.
        var bad = Self.draft()
        bad.caseCode = "2026"
        var empty = Self.draft()
        empty.title = "  "
        var date = Self.draft()
        date.eventDate = "18/11/2026"
        var far = Self.draft()
        far.eventDate = "9999-12-29"
        var person = Self.draft()
        person.persons = [.init(name: "张某某", idNumber: "12345")]
        for (draft, field) in [
            (bad, "caseCode"), (empty, "title"), (date, "eventDate"), (far, "eventDate"), (person, "persons[0].idNumber"),
            (Self.draft(id: "r-1"), "reportId"),
        ] {
            do {
                _ = try draft.checked(kinds: kinds, reporterKinds: [.procuratorate])
                Issue.record("\(field) was taken")
            } catch {
                #expect(error.code == .invalid && error.field == field)
            }
        }
    }

    @Test func aReportIsLateAfterItsKindsDays() throws {
        let kind = try #require(try FilingReportKinds.bundled()["nonProsecution"])
        // Seven calendar days from the decision on the 18th: due the 25th.
        #expect(FilingReport.due(kind: kind, eventDate: "2026-11-18", reportedOn: CalendarDate(iso: "2026-11-25")!) == ("2026-11-25", false))
        #expect(FilingReport.due(kind: kind, eventDate: "2026-11-18", reportedOn: CalendarDate(iso: "2026-11-26")!) == ("2026-11-25", true))
        #expect(FilingReport.due(kind: nil, eventDate: "2026-11-18", reportedOn: CalendarDate(iso: "2027-01-01")!) == (nil, false))
    }

    @Test func aProvincesKindsAreCheckedWhenLoaded() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("filing-kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("kinds.json")
        try Data(
            #"{"format": "xietong.filing-reports/1", "kinds": [{"id": "x", "zh": "甲", "en": "X", "from": ["court"]}, {"id": "x", "zh": "乙", "en": "Y", "from": ["court"]}]}"#
                .utf8
        ).write(to: file)
        do {
            _ = try FilingReportKinds.load(file)
            Issue.record("a repeated kind was loaded")
        } catch {
            #expect(error.code == .duplicate && error.path == "kinds[1].id")
        }
        try Data(#"{"format": "xietong.filing-reports/1", "kinds": [{"id": "x", "zh": "甲", "en": "X", "from": ["court"], "dueDays": 5}]}"#.utf8)
            .write(to: file)
        #expect(try FilingReportKinds.load(file).kinds.map(\.id) == ["x"])
    }
}
