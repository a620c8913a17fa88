import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XietongCore
import XietongHTTP
import XietongHub
import XietongStore
import XietongTesting

/// Case filing reports in-process (issue 26, GUI-2): a procuratorate's node files a non-prosecution report; the
/// police may not file that kind; the committee's supervisor lists it with its count, acknowledges it in the console,
/// and the node reads it acknowledged. Refusals carry their codes; reads and acknowledgements are in the access log.
@Suite(.serialized) struct FilingReportRoutesTests {
    static func post(_ uri: String, _ body: some Encodable, token: String, with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(
            uri: uri,
            method: .post,
            headers: [.authorization: BearerToken.header(token), .contentType: "application/json"],
            body: ByteBuffer(bytes: Array(try JSONEncoder().encode(body)))
        )
    }

    @Test func anAgencyFilesAReportAndTheCommitteeAcknowledgesIt() async throws {
        let directory = try TemporaryDirectory()
        try await SearchRoutesTests.hub(directory).test(.router) { client in
            let draft = FilingReports.nonProsecution()
            let filed = try await Self.post("/v1/filing-reports", draft, token: IntakeRoutesTests.procuratorateToken, with: client)
            #expect(filed.status == .created, "\(String(buffer: filed.body))")
            let report = try JSONDecoder().decode(FilingReport.self, from: Data(filed.body.readableBytesView))
            #expect(report.reporter == IntakeRoutesTests.procuratorate && report.status == .received)
            #expect(report.draft.persons.first?.idNumber == "330106199003151236")
            // Sent again: the same report, 200.
            #expect(try await Self.post("/v1/filing-reports", draft, token: IntakeRoutesTests.procuratorateToken, with: client).status == .ok)

            // Refusals, each with its code: the police do not report non-prosecutions; an unknown kind; not JSON; the
            // same id from another organisation; a supervisor's token is not a node's.
            var police = FilingReports.nonProsecution(id: "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e")
            let notReporter = try await Self.post("/v1/filing-reports", police, token: IntakeRoutesTests.policeToken, with: client)
            #expect(notReporter.status == .forbidden && RoleGuardTests.code(notReporter) == "report.not-reporter")
            police.kind = "gossip"
            let unknown = try await Self.post("/v1/filing-reports", police, token: IntakeRoutesTests.policeToken, with: client)
            #expect(unknown.status == .badRequest && RoleGuardTests.code(unknown) == "report.unknown-kind")
            let garbage = try await Self.post("/v1/filing-reports", ["title": "x"], token: IntakeRoutesTests.policeToken, with: client)
            #expect(garbage.status == .badRequest && RoleGuardTests.code(garbage) == "report.invalid")
            var taken = draft
            taken.kind = "majorCase"
            let takenReply = try await Self.post("/v1/filing-reports", taken, token: IntakeRoutesTests.policeToken, with: client)
            #expect(takenReply.status == .conflict && RoleGuardTests.code(takenReply) == "report.id-taken")
            let supervisorFiling = try await Self.post("/v1/filing-reports", draft, token: RoleGuardTests.supervisorToken, with: client)
            #expect(supervisorFiling.status == .unauthorized)
            // Another organisation's report is not found for it.
            let foreign = try await client.execute(
                uri: "/v1/filing-reports/\(draft.reportId)",
                method: .get,
                headers: RoleGuardTests.bearer(IntakeRoutesTests.policeToken)
            )
            #expect(foreign.status == .notFound && RoleGuardTests.code(foreign) == "report.not-found")

            // The committee's list: the report, counted under its kind.
            let supervisor = RoleGuardTests.bearer(RoleGuardTests.supervisorToken)
            let list = try await client.execute(uri: "/v1/supervision/filing-reports?status=received", method: .get, headers: supervisor)
            let text = String(buffer: list.body)
            #expect(list.status == .ok && text.contains(draft.reportId) && text.contains(#""count":1"#))
            let csv = try await client.execute(uri: "/v1/supervision/filing-reports?format=csv", method: .get, headers: supervisor)
            #expect(String(buffer: csv.body).contains("不起诉案件") && String(buffer: csv.body).contains("待阅 received"))
            let badKind = try await client.execute(uri: "/v1/supervision/filing-reports?kind=gossip", method: .get, headers: supervisor)
            #expect(badKind.status == .badRequest && RoleGuardTests.code(badKind) == "query.invalid")

            // The console: counts and the report; acknowledged with a note through the form (with its CSRF token).
            let session = try await RoleGuardTests.session("supervisor", RoleGuardTests.supervisorToken, with: client)
            let page = try await client.execute(uri: "/console/reports", method: .get, headers: session)
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("不起诉案件") && html.contains("张某某盗窃案不起诉") && html.contains("阅知"))
            let csrf = try #require(html.range(of: #"name="csrf" value=""#).map { html[$0.upperBound...].prefix { $0 != "\"" } })
            // The API's acknowledgement takes a token, not the console's cookie alone (which the form's CSRF token guards).
            var cookieOnly = session
            cookieOnly[.contentType] = "application/json"
            let byCookie = try await client.execute(
                uri: "/v1/supervision/filing-reports/\(draft.reportId)/acknowledge",
                method: .post,
                headers: cookieOnly,
                body: ByteBuffer(string: "{}")
            )
            #expect(byCookie.status == .unauthorized && RoleGuardTests.code(byCookie) == "auth.supervisor-required")
            var form = session
            form[.contentType] = "application/x-www-form-urlencoded"
            let forged = try await client.execute(
                uri: "/console/reports/\(draft.reportId)/acknowledge",
                method: .post,
                headers: form,
                body: ByteBuffer(string: "csrf=wrong&note=x")
            )
            #expect(String(buffer: forged.body).contains("表单已过期"))
            let acknowledged = try await client.execute(
                uri: "/console/reports/\(draft.reportId)/acknowledge",
                method: .post,
                headers: form,
                body: ByteBuffer(string: "csrf=\(csrf)&note=%E5%B7%B2%E9%98%85+%E8%B7%9F%E8%B8%AA")
            )
            #expect(acknowledged.status == .seeOther)

            // The node reads its report: acknowledged, with the note.
            let status = try await client.execute(
                uri: "/v1/filing-reports/\(draft.reportId)",
                method: .get,
                headers: RoleGuardTests.bearer(IntakeRoutesTests.procuratorateToken)
            )
            let read = try JSONDecoder().decode(FilingReport.self, from: Data(status.body.readableBytesView))
            #expect(read.status == .acknowledged && read.acknowledgedBy == "supervisor" && read.note == "已阅 跟踪")

            // The access log: the lists read and the acknowledgement.
            let log = try await SearchRoutesTests.accessLog(with: client)
            #expect(log.contains { $0.action == "report.acknowledge" && $0.subject == draft.reportId && $0.who == "supervisor" })
            #expect(log.contains { $0.action == "report.list" && $0.who == "supervisor" })
        }
    }
}
