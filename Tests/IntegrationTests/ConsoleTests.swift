import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// The web consoles' log-in, roles and forms over HTTP (issue 7), with real processes: pages need a session, a
/// wrong password is refused, forms need the session's token, a return needs a reason, a session is good only on
/// the console that made it, and the committee's administration is for administrators. (The browser test drives the
/// same pages in Chromium.)
@Suite(.serialized, .timeLimit(.minutes(4))) struct ConsoleTests {
    static func form(_ fields: [String: String]) -> [UInt8] {
        Array(fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&").utf8)
    }

    static let formHeader = [("Content-Type", "application/x-www-form-urlencoded")]

    /// Logs in and returns the session cookie.
    static func logIn(_ base: String, user: String, password: String, harness: ExchangeHarness, client: HTTPClient) async throws -> String? {
        let reply = try await harness.request(
            .POST,
            base + "/console/login",
            body: Self.form(["user": user, "password": password]),
            headers: Self.formHeader,
            client: client
        )
        guard reply.status == 303, let cookie = reply.header("set-cookie")?.split(separator: ";").first else { return nil }
        return String(cookie)
    }

    @Test func pagesNeedASessionFormsNeedItsTokenAndRolesAreKept() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate], alertCheckSeconds: 0.5)
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try await harness.startAll()
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        var failure: (any Error)?
        do {
            try await Self.play(harness, client)
        } catch {
            failure = error
        }
        try await client.shutdown()
        if let failure { throw failure }
    }

    static func play(_ harness: ExchangeHarness, _ client: HTTPClient) async throws {
        let node = harness.services[procuratorate]!.url
        let request = Fixtures.example("arrestApproval.arrestRequest")
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        let packageId = try #require(try await harness.send(Array(request.utf8), attachments: [pdf], from: police).json(Receipt.self)?.packageId)
        try await harness.eventually("the request is in the procuratorate's inbox") {
            try await harness.get("\(node)/api/v1/inbox", key: ExchangeHarness.apiKey(procuratorate)).text.contains(packageId)
        }

        // No session: to the log-in page. A wrong password: refused, saying so.
        let anonymous = try await harness.request(.GET, node + "/console", client: client)
        #expect(anonymous.status == 303 && anonymous.header("location") == "/console/login")
        let officer = LocalExchange.officer(procuratorate)
        #expect(try await Self.logIn(node, user: officer.user, password: "guess", harness: harness, client: client) == nil)
        let wrong = try await harness.request(
            .POST,
            node + "/console/login",
            body: Self.form(["user": officer.user, "password": "guess"]),
            headers: Self.formHeader,
            client: client
        )
        #expect(wrong.status == 200 && wrong.text.contains("用户名或密码错误"))

        // The officer's inbox, with the red counter and the waiting package.
        let cookie = try #require(try await Self.logIn(node, user: officer.user, password: officer.password, harness: harness, client: client))
        let inbox = try await harness.request(.GET, node + "/console", headers: [("Cookie", cookie)], client: client)
        #expect(inbox.status == 200 && inbox.text.contains("收件箱") && inbox.text.contains("data-state=\"open\"") && inbox.text.contains("badge red"))
        let english = try await harness.request(.GET, node + "/console?lang=en", headers: [("Cookie", cookie)], client: client)
        #expect(english.text.contains("<h1>Inbox</h1>"))

        // Forms need the session's token; a return needs a reason; signing for works once.
        let page = try await harness.request(.GET, node + "/console/packages/\(packageId)", headers: [("Cookie", cookie)], client: client)
        let csrf = try #require(page.text.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.components(separatedBy: "\"").first)
        let forged = try await harness.request(
            .POST,
            node + "/console/packages/\(packageId)/sign",
            body: Self.form(["csrf": "forged"]),
            headers: Self.formHeader + [("Cookie", cookie)],
            client: client
        )
        #expect(forged.text.contains("表单已过期"))
        let noReason = try await harness.request(
            .POST,
            node + "/console/packages/\(packageId)/return",
            body: Self.form(["csrf": csrf, "reason": " "]),
            headers: Self.formHeader + [("Cookie", cookie)],
            client: client
        )
        #expect(noReason.text.contains("退回须说明理由"))
        let signed = try await harness.request(
            .POST,
            node + "/console/packages/\(packageId)/sign",
            body: Self.form(["csrf": csrf]),
            headers: Self.formHeader + [("Cookie", cookie)],
            client: client
        )
        #expect(signed.text.contains("id=\"notice\">已签收"))
        try await harness.eventually("the sender learns it was signed for") {
            try await harness.status(of: packageId, at: police).contains { $0.hop == .signedFor }
        }

        // A session is good only on the console that made it.
        let elsewhere = try await harness.request(.GET, harness.services[police]!.url + "/console", headers: [("Cookie", cookie)], client: client)
        #expect(elsewhere.status == 303)

        // The committee: a supervisor reads the dashboard but not the administration; the administrator does.
        let hub = harness.services["hub"]!.url
        let supervisor = try #require(try await Self.logIn(hub, user: "监督员", password: harness.supervisorToken, harness: harness, client: client))
        let dashboard = try await harness.request(.GET, hub + "/console", headers: [("Cookie", supervisor)], client: client)
        #expect(dashboard.status == 200 && dashboard.text.components(separatedBy: "<svg").count - 1 >= 8)
        let notForSupervisors = try await harness.request(.GET, hub + "/console/admin", headers: [("Cookie", supervisor)], client: client)
        #expect(notForSupervisors.status == 303)
        let csv = try await harness.request(
            .GET,
            hub + "/v1/supervision/cases?format=csv&filter=all",
            headers: [("Cookie", supervisor)],
            client: client
        )
        #expect(csv.status == 200 && csv.text.contains("案件编码 case"))
        let admin = try #require(try await Self.logIn(hub, user: "admin", password: harness.adminToken, harness: harness, client: client))
        let administration = try await harness.request(.GET, hub + "/console/admin", headers: [("Cookie", admin)], client: client)
        #expect(administration.status == 200 && administration.text.contains("id=\"evidence\""))
        // An officer's password is no way into the committee's console.
        #expect(try await Self.logIn(hub, user: officer.user, password: officer.password, harness: harness, client: client) == nil)
    }
}
