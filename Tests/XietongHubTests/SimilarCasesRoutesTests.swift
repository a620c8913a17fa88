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

/// Similar cases through the hub's routes, in-process (issue 26, SZ-6, GS-6): the procuratorate indicts and the court
/// judges three cases (standard 1.3, with sentences); for a fourth case at trial, the court and a supervisor read the
/// judgments most like it, with their sentences and matched features, through the API and the console; the police,
/// who took no part, are refused; every read is in the access log.
@Suite(.serialized) struct SimilarCasesRoutesTests {
    static let courtToken = "court-token-similar"

    static func hub(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        var configuration = InProcessServices.hubConfiguration(
            in: directory,
            nodes: [
                (IntakeRoutesTests.police, IntakeRoutesTests.policeToken), (IntakeRoutesTests.procuratorate, IntakeRoutesTests.procuratorateToken),
                (Arraignments.court, Self.courtToken),
            ],
            adminToken: RoleGuardTests.adminToken
        )
        configuration.users = [Credential(name: "supervisor", role: .supervisor, token: RoleGuardTests.supervisorToken)]
        return try await InProcessServices.hub(configuration)
    }

    /// Sends the generated package as its sender's node, its attachment (the example's PDF) first.
    static func send(_ made: Precedents.Case, judged: Bool, with client: some TestClientProtocol) async throws {
        let package = Precedents.package(made, judged: judged)
        let token = judged ? Self.courtToken : IntakeRoutesTests.procuratorateToken
        for attachment in package.attachments {
            let pdf = try Data(contentsOf: Repository.examples.appendingPathComponent(attachment.location))
            let put = try await client.execute(
                uri: "/v1/blobs/\(attachment.sha256)",
                method: .put,
                headers: RoleGuardTests.bearer(token),
                body: ByteBuffer(bytes: pdf)
            )
            #expect(put.status.code < 300)
        }
        var headers = RoleGuardTests.bearer(token)
        headers[.contentType] = "application/xml"
        let reply = try await client.execute(
            uri: "/v1/packages",
            method: .post,
            headers: headers,
            body: ByteBuffer(bytes: CasePackageWriter.bytes(package))
        )
        #expect(reply.status == .ok, "case \(made.number): \(String(buffer: reply.body))")
    }

    @Test func theCourtAndASupervisorReadTheSimilarJudgmentsAndOthersAreRefused() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let judged = [
                Precedents.Case(number: 1, charges: ["盗窃罪"], amountYuan: "52000", measures: ["arrest"], termMonths: 40),
                Precedents.Case(number: 2, charges: ["盗窃罪"], amountYuan: "400000", defendants: 3, measures: ["bail"], termMonths: 96),
                Precedents.Case(number: 3, charges: ["诈骗罪"], amountYuan: "50000", measures: ["arrest"], termMonths: 30),
            ]
            for made in judged {
                try await Self.send(made, judged: false, with: client)
                try await Self.send(made, judged: true, with: client)
            }
            let atTrial = Precedents.Case(number: 9, charges: ["盗窃罪"], amountYuan: "50000", measures: ["arrest"])
            try await Self.send(atTrial, judged: false, with: client)
            let uri = "/v1/cases/\(atTrial.procuratorateCode)/similar"

            // The court (a party to the case: it received the indictment): two theft judgments, the close one first.
            let byCourt = try await client.execute(uri: uri, method: .get, headers: RoleGuardTests.bearer(Self.courtToken))
            #expect(byCourt.status == .ok, "\(String(buffer: byCourt.body))")
            let reference = try JSONDecoder().decode(SimilarCases.Reference.self, from: Data(byCourt.body.readableBytesView))
            #expect(reference.matches.map(\.precedent.caseCode) == [judged[0].courtCode, judged[1].courtCode])
            #expect(reference.matches.map(\.score) == [100, 40])
            #expect(reference.matches.first?.features.map(\.feature) == [.charges, .amount, .defendants, .measures])
            #expect(reference.matches.first?.precedent.sentences.first?.text.zh == "有期徒刑 3 年 4 个月")
            #expect(reference.notice.zh.contains("仅供办案人员参考"))

            // A supervisor reads it too, and with ?limit=1 only the first.
            let supervisor = RoleGuardTests.bearer(RoleGuardTests.supervisorToken)
            let limited = try await client.execute(uri: uri + "?limit=1", method: .get, headers: supervisor)
            #expect(try JSONDecoder().decode(SimilarCases.Reference.self, from: Data(limited.body.readableBytesView)).matches.count == 1)

            // Refusals: the police took no part; a limit out of range; a case the hub never carried.
            let byPolice = try await client.execute(uri: uri, method: .get, headers: RoleGuardTests.bearer(IntakeRoutesTests.policeToken))
            #expect(byPolice.status == .forbidden && RoleGuardTests.code(byPolice) == "auth.forbidden")
            let badLimit = try await client.execute(uri: uri + "?limit=500", method: .get, headers: supervisor)
            #expect(badLimit.status == .badRequest && RoleGuardTests.code(badLimit) == "query.invalid")
            let unknown = try await client.execute(uri: "/v1/cases/20261120120133010600020199999999/similar", method: .get, headers: supervisor)
            #expect(unknown.status == .notFound && RoleGuardTests.code(unknown) == "case.not-found")
            let anonymous = try await client.execute(uri: uri, method: .get)
            #expect(anonymous.status == .unauthorized)

            // The console: linked from the case's page; the notice first, the sentences, the features with points.
            let session = try await RoleGuardTests.session("supervisor", RoleGuardTests.supervisorToken, with: client)
            let timeline = try await client.execute(uri: "/console/cases/\(atTrial.procuratorateCode)", method: .get, headers: session)
            #expect(String(buffer: timeline.body).contains("/console/cases/\(atTrial.procuratorateCode)/similar"))
            let page = String(
                buffer: try await client.execute(uri: uri.replacingOccurrences(of: "/v1/", with: "/console/"), method: .get, headers: session).body
            )
            #expect(page.contains("仅供办案人员参考") && page.contains("有期徒刑 3 年 4 个月") && page.contains("罪名相同：盗窃罪 +40"))
            #expect(page.contains("涉案金额 52000 元，与本案 50000 元相差 4% +30") && page.contains("杭州市西湖区人民法院"))
            let english = String(
                buffer: try await client.execute(
                    uri: uri.replacingOccurrences(of: "/v1/", with: "/console/") + "?lang=en",
                    method: .get,
                    headers: session
                ).body
            )
            #expect(english.contains("never a basis for a decision") && english.contains("fixed-term imprisonment 3 years 4 months"))

            // The access log: the court's and the supervisor's reads, the police's refused.
            let log = try await SearchRoutesTests.accessLog(with: client)
            let reads = log.filter { $0.action == "case.similar" }
            // The court's read names the case asked about and the cases shown.
            let shown = "\(atTrial.procuratorateCode): \(judged[0].courtCode),\(judged[1].courtCode)"
            #expect(reads.contains { $0.allowed && $0.subject == shown && $0.who.contains(Arraignments.court) })
            #expect(reads.contains { $0.allowed && $0.who == "supervisor" })
            #expect(reads.contains { !$0.allowed && $0.who.contains(IntakeRoutesTests.police) })
        }
    }
}
