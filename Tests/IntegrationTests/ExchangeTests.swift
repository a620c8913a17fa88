import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting

let police = "330106000101"
let procuratorate = "330106000201"

/// The exchange with real processes on real sockets: a hub, the police's node (pull) and the procuratorate's node
/// pushing to its business system (ZJ-7.2.3, GZ-1, GZ-5, GZ-7, ZJ-7.2.6).
@Suite(.serialized, .timeLimit(.minutes(5))) struct ExchangeTests {
    func exchange(
        alertAfterSeconds: Double = 300,
        maxPackageAgeDays: Double = 36500,
        startReceiver: Bool = true,
        alsoKnown: [String] = [],
        reminderDaysBefore: [Int] = [2, 0]
    ) async throws -> ExchangeHarness {
        let harness = try ExchangeHarness()
        try harness.addHub(
            nodes: [police, procuratorate] + alsoKnown,
            alertAfterSeconds: alertAfterSeconds,
            alertCheckSeconds: 0.2,
            maxPackageAgeDays: maxPackageAgeDays,
            reminderDaysBefore: reminderDaysBefore
        )
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.start("hub")
        try await harness.start(police)
        if startReceiver {
            try await harness.start("business-\(procuratorate)")
            try await harness.start(procuratorate)
        }
        return harness
    }

    @Test func aPackageTravelsFromSystemToSystemByteIdenticalWithEveryHopRecorded() async throws {
        let harness = try await self.exchange()
        let made = PackageFactory.arrestRequest(case: 0, message: 0)
        let reply = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        #expect(reply.status == 202, "\(reply.text)")
        let receipt = try #require(reply.json(Receipt.self))
        #expect(receipt.status == .accepted)
        #expect(receipt.statusURL == "/api/v1/packages/\(made.packageId)")

        try await harness.eventually("delivered") { try await harness.received(by: procuratorate).count == 1 }
        let received = try await harness.received(by: procuratorate)
        #expect(received.first?.packageId == made.packageId)
        #expect(received.first?.contentSHA256 == made.sha256, "GZ-1: the hub must forward the bytes unchanged")
        #expect(received.first?.attachments == 1)

        try await harness.eventually("the sender sees delivery") {
            try await harness.status(of: made.packageId, at: police).contains { $0.hop == .delivered }
        }
        let hops = try await harness.status(of: made.packageId, at: police).map(\.hop)
        #expect(hops == [.acceptedByNode, .receivedByHub, .coded, .forwarded, .storedByReceiver, .delivered])

        let sign = try await harness.post(
            harness.services[procuratorate]!.url + "/api/v1/inbox/\(made.packageId)/sign",
            key: ExchangeHarness.apiKey(procuratorate),
            body: Array("{}".utf8)
        )
        #expect(sign.status == 200)
        try await harness.eventually("the sender sees the sign-for") {
            try await harness.status(of: made.packageId, at: police).contains { $0.hop == .signedFor }
        }
    }

    @Test func theSamePackageSentAgainGetsItsOriginalReceiptAndArrivesOnce() async throws {
        let harness = try await self.exchange()
        let made = PackageFactory.arrestRequest(case: 1, message: 0)
        let first = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        let second = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        let third = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        #expect(first.status == 202)
        #expect(second.status == 200 && third.status == 200)
        #expect(second.json(Receipt.self)?.receivedAt == first.json(Receipt.self)?.receivedAt)
        try await harness.eventually("delivered") { try await harness.received(by: procuratorate).count == 1 }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await harness.received(by: procuratorate).count == 1)
    }

    @Test func aPackageTheHubRefusesComesBackToTheSenderWithItsFindings() async throws {
        // Packages older than half a day are expired here; the examples are dated 2026-11-20 (ZJ-7.2.6).
        let harness = try await self.exchange(maxPackageAgeDays: 0.5)
        let made = PackageFactory.arrestRequest(case: 2, message: 0, createdAt: "2026-11-20T08:07:00+08:00")
        let reply = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        #expect(reply.status == 202, "the node accepts it; only the hub knows the age limit")
        try await harness.eventually("the refusal reaches the sender") {
            try await harness.status(of: made.packageId, at: police).contains { $0.hop == .refused }
        }
        let refusal = try #require(try await harness.status(of: made.packageId, at: police).first { $0.hop == .refused })
        #expect(refusal.findings?.contains { $0.code == .expired } == true)
        let admin = try await harness.get(harness.services["hub"]!.url + "/v1/admin/refusals", key: harness.adminToken)
        #expect(admin.text.contains(made.packageId))
        #expect(admin.text.contains("exchange.expired"))
        #expect(try await harness.received(by: procuratorate).isEmpty)
    }

    @Test func aStuckPackageRaisesAnAlertNamingTheHop() async throws {
        // The procuratorate's node is down: the package waits at the hub and is overdue after one second (GZ-5).
        let harness = try await self.exchange(alertAfterSeconds: 1, startReceiver: false)
        let made = PackageFactory.arrestRequest(case: 3, message: 0)
        _ = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        try await harness.eventually("the sender gets the alert", timeout: 30) {
            try await harness.status(of: made.packageId, at: police).contains { $0.hop == .alerted }
        }
        let alert = try #require(try await harness.status(of: made.packageId, at: police).first { $0.hop == .alerted })
        #expect(alert.detail?.contains("waiting for storedByReceiver") == true)
        let admin = try await harness.get(harness.services["hub"]!.url + "/v1/admin/alerts", key: harness.adminToken)
        #expect(admin.text.contains(made.packageId))
        // When the receiver comes back it catches up, and its feed carries the alert too.
        try await harness.start("business-\(procuratorate)")
        try await harness.start(procuratorate)
        try await harness.eventually("the late node catches up") { try await harness.received(by: procuratorate).count == 1 }
        try await harness.eventually("the receiver knows of the alert") {
            try await harness.status(of: made.packageId, at: procuratorate).contains { $0.hop == .alerted }
        }
    }

    @Test func whileTheHubIsDownNodesQueueAndThenDrain() async throws {
        let harness = try await self.exchange()
        await harness.stop("hub")
        var sent: [PackageFactory.Made] = []
        for message in 0..<5 {
            let made = PackageFactory.arrestRequest(case: 4, message: message)
            let reply = try await harness.send(made.xml, attachments: [made.attachment], from: police)
            #expect(reply.status == 202)
            sent.append(made)
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await harness.received(by: procuratorate).isEmpty)
        try await harness.start("hub")
        try await harness.eventually("the queue drains") { try await harness.received(by: procuratorate).count == 5 }
        #expect(try await harness.received(by: procuratorate).map(\.packageId) == sent.map(\.packageId))
    }

    /// GS-2, GUI-3: a reply out of order is refused with its finding and the sender hears it; a valid one joins the
    /// flow; the case's timeline is there for the parties, through their nodes and `xietong case`, and not for others.
    @Test func outOfOrderRepliesAreRefusedAndTheTimelineShowsTheFlow() async throws {
        let court = "330106000301"
        let harness = try await self.exchange(alsoKnown: [court])
        let request = Fixtures.example("arrestApproval.arrestRequest")
        let decision = Fixtures.example("arrestApproval.arrestApprovalDecision")
        let pdf = { (name: String) in try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/\(name).pdf"))) }
        // The decision before the request: the hub refuses it, and the procuratorate's node says why.
        let early = try await harness.send(Array(decision.utf8), attachments: [try pdf("arrestApproval.arrestApprovalDecision")], from: procuratorate)
        #expect(early.status == 202)
        let earlyId = try #require(early.json(Receipt.self)?.packageId)
        try await harness.eventually("the refusal reaches the procuratorate") {
            try await harness.status(of: earlyId, at: procuratorate).contains {
                $0.hop == .refused && $0.findings?.first?.code == .flowUnknownReference
            }
        }
        // The request, then the decision under a new id: the flow runs.
        #expect(try await harness.send(Array(request.utf8), attachments: [try pdf("arrestApproval.arrestRequest")], from: police).status == 202)
        try await harness.eventually("the request is delivered") { try await harness.received(by: procuratorate).count == 1 }
        let renamed = decision.replacingOccurrences(of: earlyId, with: "4180f72f-0000-4000-8000-00000000000a")
            .replacingOccurrences(of: "-arrestApproval.arrestApprovalDecision-1<", with: "-arrestApproval.arrestApprovalDecision-2<")
        let valid = try await harness.send(Array(renamed.utf8), attachments: [try pdf("arrestApproval.arrestApprovalDecision")], from: procuratorate)
        #expect(valid.status == 202, "\(valid.text)")
        try await harness.eventually("the decision is delivered to the police") {
            try await harness.status(of: "4180f72f-0000-4000-8000-00000000000a", at: procuratorate).contains { $0.hop == .storedByReceiver }
        }
        let code = try #require(request.components(separatedBy: "<UnifiedCaseCode>").dropFirst().first?.components(separatedBy: "<").first)
        let timeline = try await harness.get(
            "\(harness.services[procuratorate]!.url)/api/v1/cases/\(code)/timeline",
            key: ExchangeHarness.apiKey(procuratorate)
        )
        #expect(timeline.status == 200, "\(timeline.text)")
        let parsed = try #require(timeline.json(CaseTimeline.self))
        #expect(parsed.instances.map(\.flow) == ["arrestApproval"])
        #expect(parsed.instances.first?.steps.map(\.messageType) == ["arrestRequest", "arrestApprovalDecision"])
        #expect(parsed.instances.first?.steps.first?.deadlines.first?.state == "met")
        // The same from the command line, as an officer would ask.
        let printed = try await CommandRunner.run([
            "case", code, "--node", harness.services[police]!.url, "--api-key", ExchangeHarness.apiKey(police),
        ])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("流程 提请批准逮捕 / Arrest approval") && printed.stdout.contains("期限 time limit"))
        // An organisation that took no part (the court, asking the hub with its node token) is refused.
        let stranger = try await harness.get("\(harness.services["hub"]!.url)/v1/cases/\(code)/timeline", key: harness.exchange.token(for: court))
        #expect(stranger.status == 403)
        // The administrator sees it at the hub; an unknown case is a clear 404.
        let admin = try await harness.get("\(harness.services["hub"]!.url)/v1/cases/\(code)/timeline", key: harness.adminToken)
        #expect(admin.status == 200)
        let unknown = try await harness.get(
            "\(harness.services["hub"]!.url)/v1/cases/20261120110133010600010199999999/timeline",
            key: harness.adminToken
        )
        #expect(unknown.status == 404 && unknown.text.contains("case.not-found"))

        // Supervision (GS-3, GS-6): the red counters, the deadline board and the statistics, as JSON and CSV.
        let hub = harness.services["hub"]!.url
        let own = try await harness.get("\(harness.services[police]!.url)/api/v1/counters", key: ExchangeHarness.apiKey(police))
        #expect(own.status == 200, "\(own.text)")
        let counters = try #require(own.json([Supervision.Counter].self))
        #expect(!counters.isEmpty && counters.allSatisfy { $0.organisation == police })
        let all = try await harness.get("\(hub)/v1/supervision/counters?format=csv", key: harness.adminToken)
        #expect(all.status == 200 && all.text.hasPrefix("\u{FEFF}机关 organisation,业务 flow,未签收 unread"))
        let board = try await harness.get("\(hub)/v1/supervision/deadlines?filter=open&flow=arrestApproval", key: harness.adminToken)
        #expect(board.status == 200 && board.text.contains("330106000101"))
        let statistics = try await harness.get("\(hub)/v1/statistics", key: harness.adminToken)
        #expect(statistics.json(Supervision.Statistics.self)?.flowsOpened == 1)
        let badDate = try await harness.get("\(hub)/v1/statistics?from=2026-13-01", key: harness.adminToken)
        #expect(badDate.status == 400 && badDate.text.contains("query.invalid") && badDate.text.contains("from"))
        let badFilter = try await harness.get("\(hub)/v1/supervision/deadlines?filter=soonish", key: harness.adminToken)
        #expect(badFilter.status == 400 && badFilter.text.contains("dueSoon"))
        #expect(try await harness.get("\(hub)/v1/supervision/deadlines", key: harness.exchange.token(for: police)).status == 401)
        // The custody watch: the suspect is detained; the decision met the procuratorate's 7 days, and now the police
        // must execute it at once (CPL 第90条), which the watch shows.
        let custody = try await harness.get("\(hub)/v1/supervision/custody?days=366", key: harness.adminToken)
        let watched = try #require(custody.json([Supervision.CustodyWatch].self))
        #expect(watched.map(\.messageType) == ["arrestApprovalDecision"] && watched.first?.responsible == police)
        #expect(try await harness.get("\(hub)/v1/supervision/custody?days=soon", key: harness.adminToken).status == 400)
        let cases = try await harness.get("\(hub)/v1/supervision/cases?filter=all&agency=\(police)&format=csv", key: harness.adminToken)
        #expect(cases.status == 200 && cases.text.contains(",arrestApproval,"))
    }

    /// GS-3: an agency is reminded of its time limits; its node keeps the reminder and shows it to business systems.
    @Test func theResponsibleAgencyIsRemindedOfItsTimeLimit() async throws {
        // Remind 30 days ahead, so that the arrest request's 7-day limit is "due soon" at once.
        let harness = try await self.exchange(reminderDaysBefore: [30, 0])
        let request = Fixtures.example("arrestApproval.arrestRequest")
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        #expect(try await harness.send(Array(request.utf8), attachments: [pdf], from: police).status == 202)
        var reminders: [DeadlineReminder] = []
        try await harness.eventually("the procuratorate's node has the reminder") {
            reminders =
                try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/reminders", key: ExchangeHarness.apiKey(procuratorate))
                .json([DeadlineReminder].self) ?? []
            return !reminders.isEmpty
        }
        #expect(reminders.count == 1)
        #expect(
            reminders.first?.responsible == procuratorate && reminders.first?.point == .dueSoon && reminders.first?.messageType == "arrestRequest"
        )
        #expect(reminders.first?.text.zh.contains("提请批准逮捕") == true)
        // Sent once, not at every check; the police are not reminded of the procuratorate's limit.
        try await Task.sleep(for: .seconds(1))
        #expect(
            try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/reminders", key: ExchangeHarness.apiKey(procuratorate)).json(
                [DeadlineReminder].self
            )?.count == 1
        )
        #expect(
            try await harness.get("\(harness.services[police]!.url)/api/v1/reminders", key: ExchangeHarness.apiKey(police)).json(
                [DeadlineReminder].self
            )?.isEmpty == true
        )
        // Supervisors see the reminders sent.
        let sent = try await harness.get("\(harness.services["hub"]!.url)/v1/supervision/reminders?format=csv", key: harness.adminToken)
        #expect(sent.status == 200 && sent.text.contains(",dueSoon,") && sent.text.contains(",\(procuratorate),"))
    }

    @Test func aPullModeNodeListsDownloadsAndAcknowledges() async throws {
        let harness = try await self.exchange()
        // The police request an arrest; the procuratorate answers it; the police node is in pull mode (ZJ-7.1.3.2 b).
        let request = Fixtures.example("arrestApproval.arrestRequest")
        let requestPDF = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        #expect(try await harness.send(Array(request.utf8), attachments: [requestPDF], from: police).status == 202)
        try await harness.eventually("the request is delivered") { try await harness.received(by: procuratorate).count == 1 }
        let decision = Fixtures.example("arrestApproval.arrestApprovalDecision")
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestApprovalDecision.pdf")))
        let reply = try await harness.send(Array(decision.utf8), attachments: [pdf], from: procuratorate)
        #expect(reply.status == 202, "\(reply.text)")
        let node = harness.services[police]!.url
        let key = ExchangeHarness.apiKey(police)
        try await harness.eventually("it arrives in the inbox") {
            try await harness.get(node + "/api/v1/inbox?undelivered=1", key: key).text.contains("4180f72f-6653-5683-ac71-99000249e36b")
        }
        let content = try await harness.get(node + "/api/v1/inbox/4180f72f-6653-5683-ac71-99000249e36b", key: key)
        #expect(content.body == Array(decision.utf8))
        let sha = "1b98738d7dc2962ee3f70ea7e45942632ff2d907928e33c1aefe6572318732d6"
        let file = try await harness.get(node + "/api/v1/inbox/4180f72f-6653-5683-ac71-99000249e36b/attachments/\(sha)", key: key)
        #expect(file.body == pdf)
        let ack = try await harness.post(node + "/api/v1/inbox/4180f72f-6653-5683-ac71-99000249e36b/ack", key: key)
        #expect(ack.status == 200)
        #expect(try await harness.get(node + "/api/v1/inbox?undelivered=1", key: key).text == "[]")
        let returned = try await harness.post(
            node + "/api/v1/inbox/4180f72f-6653-5683-ac71-99000249e36b/return",
            key: key,
            body: Array(#"{"reason":"文书缺少签章"}"#.utf8)
        )
        #expect(returned.status == 200)
        try await harness.eventually("the sender sees the return with its reason") {
            try await harness.status(of: "4180f72f-6653-5683-ac71-99000249e36b", at: procuratorate).contains {
                $0.hop == .returned && $0.detail == "文书缺少签章"
            }
        }
    }

    @Test func badRequestsGetClearErrors() async throws {
        let harness = try await self.exchange()
        let node = harness.services[police]!.url
        let noKey = try await harness.post(node + "/api/v1/packages", body: Array("<x/>".utf8))
        #expect(noKey.status == 401 && noKey.text.contains("auth.required"))
        let bad = try await harness.post(node + "/api/v1/packages", key: ExchangeHarness.apiKey(police), body: Array("<x/>".utf8))
        #expect(bad.status == 422 && bad.text.contains("schema.version-unsupported"))
        let missingAttachment = PackageFactory.arrestRequest(case: 5, message: 0)
        let refused = try await harness.post(node + "/api/v1/packages", key: ExchangeHarness.apiKey(police), body: missingAttachment.xml)
        #expect(refused.status == 422 && refused.text.contains("attachment.missing"))
        let hubNoToken = try await harness.get(harness.services["hub"]!.url + "/v1/feed")
        #expect(hubNoToken.status == 401)
    }
}

/// The hub codes packages that arrive without a unified code (ZJ-7.1.1), and `xietong track` shows every hop (GZ-5).
@Suite(.timeLimit(.minutes(3))) struct CodingAndTrackingTests {
    @Test func theHubAssignsACodeAndTrackShowsTheJourney() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        let made = PackageFactory.arrestRequest(case: 20, message: 0)
        let uncoded = String(decoding: made.xml, as: UTF8.self).replacingOccurrences(
            of: "    <UnifiedCaseCode>\(made.caseCode)</UnifiedCaseCode>\n",
            with: ""
        )
        #expect(!uncoded.contains("<UnifiedCaseCode>"))
        let reply = try await harness.send(Array(uncoded.utf8), attachments: [made.attachment], from: police)
        #expect(reply.status == 202, "\(reply.text)")
        try await harness.eventually("delivered") { try await harness.received(by: procuratorate).count == 1 }
        let received = try #require(try await harness.received(by: procuratorate).first)
        #expect(received.unifiedCaseCode.count == 32)
        #expect(received.unifiedCaseCode.dropFirst(8).hasPrefix("1101330106000101"), "the code names the sender")
        let coded = try #require(try await harness.status(of: made.packageId, at: police).first { $0.hop == .coded })
        #expect(coded.detail == "\(received.unifiedCaseCode) (assigned)")

        let track = try await CommandRunner.run([
            "track", made.packageId, "--node", harness.services[police]!.url, "--api-key", ExchangeHarness.apiKey(police),
        ])
        #expect(track.status == 0, "\(track.stderr)")
        for hop in ["发送节点已接收", "中心平台已接收", "已统一赋码", "已转发", "接收节点已入库", "已推送至接收方业务系统"] {
            #expect(track.stdout.contains(hop), "track does not show \(hop)")
        }
        let missing = try await CommandRunner.run([
            "track", "no-such-package", "--node", harness.services[police]!.url, "--api-key", ExchangeHarness.apiKey(police),
        ])
        #expect(missing.status == 1)
        let fromHub = try await CommandRunner.run(["track", made.packageId, "--hub", harness.services["hub"]!.url, "--token", harness.adminToken])
        #expect(fromHub.status == 0 && fromHub.stdout.contains("已统一赋码"), "\(fromHub.stdout)\(fromHub.stderr)")
    }
}
