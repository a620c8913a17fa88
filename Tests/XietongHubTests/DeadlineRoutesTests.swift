import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import XietongCore
import XietongHTTP
import XietongTesting

@testable import XietongHub

/// Through the hub's own routes, in-process, with the hub's clock set (issue 20, acceptance): a detained suspect's
/// arrest request sent the day before National Day is due 7 days later, not extended; the same for a suspect on bail
/// is extended; a release re-judges the limit; a limit ending in 2027 is provisional until a 2027 calendar is loaded.
@Suite(.serialized) struct DeadlineRoutesTests {
    static let police = "330106000101"
    static let procuratorate = "330106000201"
    static let adminToken = "admin-token-deadline-routes"

    struct Timeline: Decodable {
        struct Instance: Decodable {
            struct Step: Decodable {
                let messageType: String
                let deadlines: [CaseTimeline.DeadlineView]
            }
            let steps: [Step]
        }
        let instances: [Instance]
    }

    struct CalendarStatus: Decodable {
        struct Missing: Decodable {
            let year: Int
            let openLimits: Int
        }
        let years: [Int]
        let verified: Bool
        let missing: [Missing]
    }

    static func configuration(_ directory: TemporaryDirectory, calendar: String? = nil) throws -> HubConfiguration {
        var configuration = HubConfiguration()
        configuration.listen = .init(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = directory.url.path
        configuration.nodes = [.init(organisation: Self.police, token: "police-token"), .init(organisation: Self.procuratorate, token: "pro-token")]
        configuration.adminToken = Self.adminToken
        configuration.freeSpaceReserveMB = 0
        configuration.maxPackageAgeDays = 36500
        configuration.reminderCheckSeconds = 0.1
        configuration.calendar = calendar
        return configuration
    }

    static func app(_ configuration: HubConfiguration, on day: String) async throws -> some ApplicationProtocol {
        try await HubApplication.build(
            configuration: configuration,
            registry: Fixtures.registry,
            catalog: try FlowCatalog.bundled(),
            logger: Logger(label: "test"),
            clock: .starting(at: Timestamp.date(day + "T10:00:00+08:00")!)
        ).0
    }

    /// An example package of this test, on `day`, for case `number`, with the measures given (XML), and its attachment.
    static func package(_ example: String, _ name: String, case number: Int, on day: String, measures: String) -> (xml: String, code: String) {
        var xml = Fixtures.example(example)
        let code =
            "\(day.replacingOccurrences(of: "-", with: ""))\(example.hasPrefix("arrest") ? "1101330106000101" : "1201330106000201")\(String(format: "%08d", 7000 + number))"
        xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: ExamplePackages.uuid("deadline-routes-\(name)"))
        xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "deadline-routes-\(name)")
        xml = xml.replacingOccurrences(of: PackageFactory.element("UnifiedCaseCode", in: xml), with: code)
        xml = xml.replacingOccurrences(of: PackageFactory.element("CreatedAt", in: xml), with: "\(day)T09:00:00+08:00")
        xml = xml.replacingOccurrences(of: PackageFactory.element("IssuedOn", in: xml), with: day)
        xml = xml.replacingOccurrences(of: PackageFactory.element("FiledOn", in: xml), with: "2026-09-01")
        if let start = xml.range(of: "<CoerciveMeasures>"), let end = xml.range(of: "</CoerciveMeasures>") {
            xml.replaceSubrange(start.lowerBound..<end.upperBound, with: "<CoerciveMeasures>\(measures)</CoerciveMeasures>")
        }
        return (xml, code)
    }

    static func measure(_ kind: String, since day: String) -> String {
        "<CoerciveMeasure personRef=\"p1\"><Kind>\(kind)</Kind><StartDate>\(day)</StartDate></CoerciveMeasure>"
    }

    static func send(_ xml: String, example: String, token: String, with client: some TestClientProtocol) async throws {
        let pdf = try Data(contentsOf: Repository.url("examples/packages/attachments/\(example).pdf"))
        let sha = ContentHash.sha256([UInt8](pdf))
        _ = try await client.execute(
            uri: "/v1/blobs/\(sha)",
            method: .put,
            headers: [.authorization: "Bearer \(token)"],
            body: ByteBuffer(bytes: pdf)
        )
        let reply = try await client.execute(
            uri: "/v1/packages",
            method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/xml"],
            body: ByteBuffer(string: xml)
        )
        #expect(reply.status == .ok, "\(String(decoding: reply.body.readableBytesView, as: UTF8.self))")
    }

    static func limit(of code: String, _ messageType: String, with client: some TestClientProtocol) async throws -> CaseTimeline.DeadlineView? {
        let reply = try await client.execute(uri: "/v1/cases/\(code)/timeline", method: .get, headers: [.authorization: "Bearer \(Self.adminToken)"])
        let timeline = try JSONDecoder().decode(Timeline.self, from: Data(reply.body.readableBytesView))
        return timeline.instances.flatMap(\.steps).first { $0.messageType == messageType }?.deadlines.first
    }

    @Test func custodyDecidesWhetherHolidaysExtendTheLimitAndAReleaseJudgesItAgain() async throws {
        let directory = try TemporaryDirectory()
        let app = try await Self.app(try Self.configuration(directory), on: "2026-09-30")
        try await app.test(.live) { client in
            // The day before National Day: a detained suspect (CPL 第91条第3款, 7 days; 第105条第4款).
            let held = Self.package(
                "arrestApproval.arrestRequest",
                "held",
                case: 1,
                on: "2026-09-30",
                measures: Self.measure("criminalDetention", since: "2026-09-28")
            )
            try await Self.send(held.xml, example: "arrestApproval.arrestRequest", token: "police-token", with: client)
            var limit = try #require(try await Self.limit(of: held.code, "arrestRequest", with: client))
            #expect(limit.dueOn == "2026-10-07" && limit.custody && limit.movedFrom == nil)
            #expect(limit.custodyReason?.zh.contains("在押：刑事拘留") == true)

            // The same for a suspect on bail (another person): not detained, the procuratorate has 15 days (规则第282条),
            // to Thursday 15 October, a working day.
            var free = Self.package(
                "arrestApproval.arrestRequest",
                "free",
                case: 2,
                on: "2026-09-30",
                measures: Self.measure("bail", since: "2026-09-29")
            )
            free.xml = free.xml.replacingOccurrences(of: "330106199003151236", with: "330106199003151252")
            try await Self.send(free.xml, example: "arrestApproval.arrestRequest", token: "police-token", with: client)
            limit = try #require(try await Self.limit(of: free.code, "arrestRequest", with: client))
            #expect(limit.dueOn == "2026-10-15" && !limit.custody && limit.limit == "15 days")

            // The procuratorate releases the detained suspect on bail: the first limit is judged again and moves.
            let release = Self.package(
                "coerciveMeasureChange.coerciveMeasureNotice",
                "release",
                case: 3,
                on: "2026-09-30",
                measures: Self.measure("bail", since: "2026-09-30")
            )
            try await Self.send(release.xml, example: "coerciveMeasureChange.coerciveMeasureNotice", token: "pro-token", with: client)
            limit = try #require(try await Self.limit(of: held.code, "arrestRequest", with: client))
            #expect(limit.dueOn == "2026-10-08" && !limit.custody && limit.changedFrom == "2026-10-07")
            #expect(limit.changeReason?.en.hasPrefix("no longer in custody") == true)
            // The 24 hours of 公安规定第92条 started, for bail.
            #expect(try await Self.limit(of: release.code, "coerciveMeasureNotice", with: client)?.limit == "24 hours")
        }
    }

    @Test func aLimitEndingInAYearNotLoadedIsProvisionalUntilItIs() async throws {
        let directory = try TemporaryDirectory()
        let request = Self.package(
            "arrestApproval.arrestRequest",
            "year",
            case: 4,
            on: "2026-12-17",
            measures: Self.measure("bail", since: "2026-12-16")
        )
        try await Self.app(try Self.configuration(directory), on: "2026-12-17").test(.live) { client in
            try await Self.send(request.xml, example: "arrestApproval.arrestRequest", token: "police-token", with: client)
            let limit = try #require(try await Self.limit(of: request.code, "arrestRequest", with: client))
            // On bail, 15 days (规则第282条): 1 January 2027, by weekends alone; no 2027 notice is loaded.
            #expect(limit.dueOn == "2027-01-01" && limit.provisional && limit.uncoveredYears == [2027])
            #expect(limit.notes.contains("暂定"))
            let reply = try await client.execute(uri: "/v1/admin/calendar", method: .get, headers: [.authorization: "Bearer \(Self.adminToken)"])
            let status = try JSONDecoder().decode(CalendarStatus.self, from: Data(reply.body.readableBytesView))
            #expect(status.years == [2025, 2026] && status.verified)
            #expect(status.missing.map(\.year) == [2027] && status.missing.first?.openLimits == 1)
            let csv = try await client.execute(
                uri: "/v1/supervision/deadlines?format=csv",
                method: .get,
                headers: [.authorization: "Bearer \(Self.adminToken)"]
            )
            #expect(String(buffer: csv.body).contains("是 yes（未载入 2027 年节假日安排）"))
            // The administrator's console says so, and the case's page marks the limit.
            let login = try await client.execute(
                uri: "/console/login",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "user=admin&password=\(Self.adminToken)")
            )
            let cookie = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let admin = try await client.execute(uri: "/console/admin", method: .get, headers: [.cookie: cookie])
            let adminPage = String(buffer: admin.body)
            #expect(adminPage.contains("id=\"calendar-missing\"") && adminPage.contains("节假日安排未载入 2027 年：1 项期限的届满日为暂定"))
            let page = try await client.execute(uri: "/console/cases/\(request.code)", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: page.body).contains("暂定"))
        }

        // The administrator loads the 2027 notice and restarts the hub: the limit is counted again, final.
        let file = directory.url.appendingPathComponent("holidays-2027.json")
        try Data(
            """
            {"format": "xietong.holidays/1", "source": "2027 notice (test)", "verified": true,
             "years": [{"year": 2027, "holidays": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-05-01", "2027-05-02",
                        "2027-10-01", "2027-10-02", "2027-10-03"], "workingWeekends": []}]}
            """.utf8
        ).write(to: file)
        try await Self.app(try Self.configuration(directory, calendar: file.path), on: "2026-12-18").test(.live) { client in
            var limit: CaseTimeline.DeadlineView?
            for _ in 0..<100 {
                limit = try await Self.limit(of: request.code, "arrestRequest", with: client)
                if limit?.provisional == false { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(limit?.provisional == false && limit?.dueOn == "2027-01-04" && limit?.changedFrom == "2027-01-01")
            let reply = try await client.execute(uri: "/v1/admin/calendar", method: .get, headers: [.authorization: "Bearer \(Self.adminToken)"])
            let status = try JSONDecoder().decode(CalendarStatus.self, from: Data(reply.body.readableBytesView))
            #expect(status.years == [2025, 2026, 2027] && status.missing.isEmpty)
        }
    }

    /// An example package as a step of this test's case: its own id and code, the code of the package it answers in
    /// `RelatedCaseCodes`, `InReplyTo` that package, and the measures given.
    static func step(
        _ example: String,
        _ name: String,
        code: String,
        answering: (id: String, code: String)? = nil,
        on day: String,
        measures: String
    ) -> (xml: String, id: String) {
        var xml = Self.package(example, name, case: 0, on: day, measures: measures).xml
        xml = xml.replacingOccurrences(of: PackageFactory.element("UnifiedCaseCode", in: xml), with: code)
        if let answering {
            xml = xml.replacingOccurrences(of: PackageFactory.element("InReplyTo", in: xml), with: answering.id)
            xml = xml.replacingOccurrences(of: PackageFactory.element("CaseCode", in: xml), with: answering.code)
        }
        return (xml, ExamplePackages.uuid("deadline-routes-\(name)"))
    }

    @Test func anArrestStartsTwoMonthsOfDetentionThatAnApprovedExtensionMoves() async throws {
        let directory = try TemporaryDirectory()
        let app = try await Self.app(try Self.configuration(directory), on: "2026-09-20")
        let policeCode = "20260920110133010600010100007101"
        let procuratorateCode = "20260920120133010600020100007102"
        let arrest = Self.measure("arrest", since: "2026-09-20")
        try await app.test(.live) { client in
            // The police request the arrest; the procuratorate approves it, and the suspect is arrested on 20 September.
            let request = Self.step(
                "arrestApproval.arrestRequest",
                "period-request",
                code: policeCode,
                on: "2026-09-20",
                measures: Self.measure("criminalDetention", since: "2026-09-17")
            )
            try await Self.send(request.xml, example: "arrestApproval.arrestRequest", token: "police-token", with: client)
            let decision = Self.step(
                "arrestApproval.arrestApprovalDecision",
                "period-decision",
                code: procuratorateCode,
                answering: (request.id, policeCode),
                on: "2026-09-20",
                measures: arrest
            )
            try await Self.send(decision.xml, example: "arrestApproval.arrestApprovalDecision", token: "pro-token", with: client)

            // The investigation detention period: 2 months, to 20 November (刑事诉讼法第156条第1款), the police's to
            // keep, on the deadline board with the person named.
            func period() async throws -> HubStoreDeadline? {
                let reply = try await client.execute(
                    uri: "/v1/supervision/deadlines?filter=open",
                    method: .get,
                    headers: [.authorization: "Bearer \(Self.adminToken)"]
                )
                let rows = try JSONDecoder().decode([HubStoreDeadline].self, from: Data(reply.body.readableBytesView))
                return rows.first { $0.basis.hasPrefix("刑事诉讼法第15") && $0.basis.hasSuffix("张某某") }
            }
            var limit = try #require(try await period())
            #expect(limit.dueOn == "2026-11-20" && limit.custody && limit.responsible == Self.police)
            #expect(limit.basis == "刑事诉讼法第156条第1款（逮捕后侦查羁押期限二个月）：张某某")

            // The police apply for an extension; the procuratorate approves it: one month more (第156条).
            let apply = Self.step(
                "detentionPeriodExtension.detentionExtensionRequest",
                "period-apply",
                code: policeCode,
                on: "2026-09-20",
                measures: arrest
            )
            try await Self.send(apply.xml, example: "detentionPeriodExtension.detentionExtensionRequest", token: "police-token", with: client)
            let approval = Self.step(
                "detentionPeriodExtension.detentionExtensionApproval",
                "period-approval",
                code: procuratorateCode,
                answering: (apply.id, policeCode),
                on: "2026-09-20",
                measures: arrest
            )
            try await Self.send(approval.xml, example: "detentionPeriodExtension.detentionExtensionApproval", token: "pro-token", with: client)
            limit = try #require(try await period())
            #expect(limit.dueOn == "2026-12-20" && limit.changedFrom == "2026-11-20")
            #expect(limit.changeReason?.zh == "批准延长侦查羁押期限，延长一个月（刑事诉讼法第156条）")
            #expect(limit.basis.hasPrefix("刑事诉讼法第156条："))

            // The custody watch shows it to supervisors before it runs out.
            let watch = try await client.execute(
                uri: "/v1/supervision/custody?days=366",
                method: .get,
                headers: [.authorization: "Bearer \(Self.adminToken)"]
            )
            #expect(String(decoding: watch.body.readableBytesView, as: UTF8.self).contains("2026-12-20"))
        }
    }

    @Test func theCourtsNoticeOfAnExtendedTrialMovesItsLimitAndTheTimelineSaysWhy() async throws {
        let directory = try TemporaryDirectory()
        var configuration = try Self.configuration(directory)
        configuration.nodes.append(.init(organisation: Self.court, token: "court-token"))
        let app = try await Self.app(configuration, on: "2026-09-01")
        let procuratorateCode = "20260901120133010600020100007201"
        let courtCode = "20260901130133010600030100007202"
        try await app.test(.live) { client in
            // Indicted on Tuesday 1 September 2026, ordinary procedure, the defendant not in custody at the hub: the
            // court has 7 days to accept (最高法解释第219条第2款) and 2 months to judge (刑事诉讼法第208条第1款), to
            // Sunday 1 November, moved to Monday 2 November (第105条第3款).
            let indictment = Self.step("firstInstancePublicProsecution.indictment", "trial", code: procuratorateCode, on: "2026-09-01", measures: "")
            try await Self.send(indictment.xml, example: "firstInstancePublicProsecution.indictment", token: "pro-token", with: client)
            var limits = try await Self.limits(of: procuratorateCode, "indictment", with: client)
            #expect(limits.map(\.limit) == ["7 days", "2 months"])
            #expect(limits.last?.dueOn == "2026-11-02" && limits.last?.changedFrom == nil)

            // The court extends the trial to 1 December (at most 3 months, 第208条第1款) and tells the procuratorate and
            // the detention house on its custody-period notice (人民检察院刑事诉讼规则第617条第3项).
            var notice = Self.step(
                "firstInstancePublicProsecution.custodyPeriodChangeNotice",
                "trial-extension",
                code: courtCode,
                answering: (indictment.id, procuratorateCode),
                on: "2026-09-01",
                measures: ""
            )
            notice.xml = notice.xml.replacingOccurrences(of: "<Date>2026-11-19</Date>", with: "<Date>2026-09-01</Date>")
            notice.xml = notice.xml.replacingOccurrences(
                of: "</KeyDates>",
                with: "<KeyDate><Event>limitExtendedTo</Event><Date>2026-12-01</Date></KeyDate></KeyDates>"
            )
            try await Self.send(notice.xml, example: "firstInstancePublicProsecution.custodyPeriodChangeNotice", token: "court-token", with: client)
            limits = try await Self.limits(of: procuratorateCode, "indictment", with: client)
            let trial = try #require(limits.last)
            #expect(trial.dueOn == "2026-12-01" && trial.changedFrom == "2026-11-02" && trial.movedFrom == nil)
            #expect(trial.changeReason?.zh == "经批准延长至 2026-12-01（变更羁押期限）")
            #expect(trial.changeReason?.en == "extended by approval to 2026-12-01 (Change of the custody period)")
            // The 7 days to accept the case know no extension.
            #expect(limits.first?.dueOn == "2026-09-08" && limits.first?.changedFrom == nil)
        }
    }

    static let court = "330106000301"

    /// Every limit a message of the case started, in order, from the hub's timeline.
    static func limits(of code: String, _ messageType: String, with client: some TestClientProtocol) async throws -> [CaseTimeline.DeadlineView] {
        let reply = try await client.execute(uri: "/v1/cases/\(code)/timeline", method: .get, headers: [.authorization: "Bearer \(Self.adminToken)"])
        let timeline = try JSONDecoder().decode(Timeline.self, from: Data(reply.body.readableBytesView))
        return timeline.instances.flatMap(\.steps).first { $0.messageType == messageType }?.deadlines ?? []
    }

    struct HubStoreDeadline: Decodable {
        let responsible: String
        let dueOn: String
        let basis: String
        let custody: Bool
        let changedFrom: String?
        let changeReason: LocalizedText?
    }
}
