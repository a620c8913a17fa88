import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// The hub counts a sender's own time limits from the day the package states, and judges them when the sender's
/// message arrives, or opens them ahead when an earlier package of the flow states their start (issue 20).
@Suite struct SenderLimitStoreTests {
    static let hub = "330100000001"

    static func id(_ name: String) -> String { ExamplePackages.uuid("sender-limit-\(name)") }

    /// An example with a new id, its reply pointing at `inReplyTo`, its key dates replaced by `keyDates` (event, day)
    /// and, when given, its coercive measures by `measures` (XML).
    static func package(
        _ example: String,
        _ name: String,
        inReplyTo: String? = nil,
        code: String? = nil,
        keyDates: [(String, String)]? = nil,
        measures: String? = nil
    ) throws -> HubStore.Accepted {
        var xml = Fixtures.example(example)
        xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: Self.id(name))
        xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "sender-limit-\(name)")
        if let inReplyTo { xml = xml.replacingOccurrences(of: PackageFactory.element("InReplyTo", in: xml), with: Self.id(inReplyTo)) }
        if let code { xml = xml.replacingOccurrences(of: PackageFactory.element("UnifiedCaseCode", in: xml), with: code) }
        if let keyDates {
            if let start = xml.range(of: "<KeyDates>"), let end = xml.range(of: "</KeyDates>") {
                xml.removeSubrange(start.lowerBound..<end.upperBound)
            }
            let dates = keyDates.map { "<KeyDate><Event>\($0.0)</Event><Date>\($0.1)</Date></KeyDate>" }.joined()
            xml = xml.replacingOccurrences(of: "standardVersion=\"1.0\"", with: "standardVersion=\"1.2\"")
            if !dates.isEmpty { xml = xml.replacingOccurrences(of: "<Summary>", with: "<KeyDates>\(dates)</KeyDates><Summary>") }
        }
        if let measures, let start = xml.range(of: "<CoerciveMeasures>"), let end = xml.range(of: "</CoerciveMeasures>") {
            xml.replaceSubrange(start.lowerBound..<end.upperBound, with: "<CoerciveMeasures>\(measures)</CoerciveMeasures>")
        }
        return try #require(HubStore.Accepted.checked(Array(xml.utf8), unifiedCaseCode: code), "\(example) as \(name) checks")
    }

    static func detention(_ day: String) -> String {
        "<CoerciveMeasure personRef=\"p1\"><Kind>criminalDetention</Kind><StartDate>\(day)</StartDate></CoerciveMeasure>"
    }

    @Test(arguments: StoreBackend.allCases)
    func anArrestRequestIsJudgedAgainstThreeDaysFromTheDetention(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        // Received Friday 20 November 2026. Detained on the 17th: 3 days end on the 20th (刑事诉讼法第91条第1款), met.
        let inTime = try Self.package(
            "arrestApproval.arrestRequest",
            "in-time",
            code: "20261120110133010600010100000801",
            measures: Self.detention("2026-11-17")
        )
        #expect(try await store.accept(inTime, statusURL: "/s").status == .accepted)
        let met = try #require(try await store.deadlines(of: Self.id("in-time")).first { $0.party == "sender" })
        #expect(met.state == "met" && met.metBy == Self.id("in-time") && met.responsible == "330106000101")
        #expect(met.startsOn == "2026-11-17" && met.dueOn == "2026-11-20" && met.custody)
        #expect(met.basis.hasPrefix("刑事诉讼法第91条第1-2款"))
        // The procuratorate's 7 days are counted as before, beside it.
        #expect(try await store.deadlines(of: Self.id("in-time")).filter { $0.party == "receiver" }.map(\.limit) == ["7 days"])

        // Detained on the 16th: due the 19th, sent a day late. It is met, late, and counted as a duty overdue.
        let late = try Self.package(
            "arrestApproval.arrestRequest",
            "late",
            code: "20261120110133010600010100000802",
            measures: Self.detention("2026-11-16")
        )
        _ = try await store.accept(late, statusURL: "/s")
        let lateLimit = try #require(try await store.deadlines(of: Self.id("late")).first { $0.party == "sender" })
        #expect(lateLimit.state == "met" && lateLimit.dueOn == "2026-11-19")
        let timeline = try await store.timeline(ofCase: "20261120110133010600010100000802")
        let view = try #require(timeline.instances.first?.steps.first?.deadlines.first { $0.senderMessage != nil })
        #expect(view.late && view.notes.contains("逾期办理 met late") && view.notes.contains("发送方期限：发送“提请批准逮捕”"))
        let statistics = try await store.statistics(
            from: CalendarDate(iso: "2026-11-01")!,
            to: CalendarDate(iso: "2026-12-01")!,
            today: CalendarDate(iso: "2026-11-20")!
        )
        #expect(statistics.dutiesOverdue == 1, "the late request, and nothing else, is overdue")

        // Extended by approval to the 23rd (第91条第2款): in time, and the change is shown.
        let extended = try Self.package(
            "arrestApproval.arrestRequest",
            "extended",
            code: "20261120110133010600010100000803",
            keyDates: [("limitExtendedTo", "2026-11-23")],
            measures: Self.detention("2026-11-16")
        )
        _ = try await store.accept(extended, statusURL: "/s")
        let moved = try #require(try await store.deadlines(of: Self.id("extended")).first { $0.party == "sender" })
        #expect(moved.dueOn == "2026-11-23" && moved.changedFrom == "2026-11-19" && moved.changeReason?.zh == "经批准延长至 2026-11-23")
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aDutyStatedAheadIsOpenedRemindedAndMetByTheSendersMessage(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let prefix = "firstInstancePublicProsecution."
        for (message, reply) in [("indictment", nil), ("judgmentPronouncement", "indictment")] {
            let receipt = try await store.accept(try Self.package(prefix + message, message, inReplyTo: reply), statusURL: "/s")
            #expect(receipt.status == .accepted, "\(message): \(receipt.findings.map(\.message.en))")
        }
        // The court tells the detention house that the judgment took effect on Thursday 19 November: from that day its
        // 10 days to hand the offender over for execution run (刑事诉讼法第264条), to Sunday 29 November. The hub has no
        // custody record of the defendant, so the day moves to Monday 30 November (第105条第4款).
        let notice = try Self.package(
            prefix + "custodyPeriodChangeNotice",
            "notice",
            inReplyTo: "indictment",
            keyDates: [("change", "2026-11-19"), ("effective", "2026-11-19")]
        )
        #expect(try await store.accept(notice, statusURL: "/s").status == .accepted)
        let duty = try #require(try await store.deadlines(of: Self.id("notice")).first { $0.messageType == "executionHandover" })
        #expect(duty.party == "sender" && duty.state == "open" && duty.responsible == "330106000301")
        #expect(duty.startsOn == "2026-11-19" && duty.dueOn == "2026-11-30" && duty.movedFrom == "2026-11-29")
        #expect(duty.basis.hasPrefix("刑事诉讼法第264条") && !duty.custody)
        // The notice's own 3 days (from the change) are met by the notice itself.
        #expect(try await store.deadlines(of: Self.id("notice")).first { $0.messageType == "custodyPeriodChangeNotice" }?.state == "met")

        // Reminded like any duty, two days before: the court, for the execution handover.
        let reminders = try await store.sendReminders(today: CalendarDate(iso: "2026-11-28")!, daysBefore: [2, 0])
        let reminder = try #require(reminders.first { $0.packageId == Self.id("notice") && $0.messageType == "executionHandover" })
        #expect(reminder.responsible == "330106000301" && reminder.daysLeft == 2)
        #expect(reminder.text.zh == "“交付执行”的办理期限还有 2 天届满（2026-11-30）")

        // The handover meets it; a second statement of the same day opens nothing more.
        let again = try Self.package(
            prefix + "custodyPeriodChangeNotice",
            "notice-again",
            inReplyTo: "indictment",
            keyDates: [("change", "2026-11-20"), ("effective", "2026-11-19")]
        )
        _ = try await store.accept(again, statusURL: "/s")
        #expect(try await store.deadlines(of: Self.id("notice-again")).filter { $0.messageType == "executionHandover" }.isEmpty)
        let handover = try Self.package(prefix + "executionHandover", "handover", inReplyTo: "judgmentPronouncement")
        #expect(try await store.accept(handover, statusURL: "/s").status == .accepted)
        let met = try #require(try await store.deadlines(of: Self.id("notice")).first { $0.messageType == "executionHandover" })
        #expect(met.state == "met" && met.metBy == Self.id("handover"))
        #expect(try await store.deadlines(of: Self.id("handover")).filter { $0.party == "sender" }.isEmpty, "met, not counted twice")
        await database.close()
    }
}
