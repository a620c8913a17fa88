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

/// Pooled case search in-process (issue 26, GS-5): a supervisor finds the case of a person by ID number through the
/// API and the console; a node is refused; a query with nothing to look for gets `search.no-criterion`; every search,
/// refused ones too, and the case opened from the results are in the access log.
@Suite(.serialized) struct SearchRoutesTests {
    static let person = "330106199003151236"

    /// A hub of the police and the procuratorate, with a supervisor.
    static func hub(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        var configuration = InProcessServices.hubConfiguration(
            in: directory,
            nodes: [
                (IntakeRoutesTests.police, IntakeRoutesTests.policeToken), (IntakeRoutesTests.procuratorate, IntakeRoutesTests.procuratorateToken),
            ],
            adminToken: RoleGuardTests.adminToken
        )
        configuration.users = [Credential(name: "supervisor", role: .supervisor, token: RoleGuardTests.supervisorToken)]
        return try await InProcessServices.hub(configuration)
    }

    static func accessLog(with client: some TestClientProtocol) async throws -> [AccessRecord] {
        let reply = try await client.execute(uri: "/v1/admin/access-log", method: .get, headers: RoleGuardTests.bearer(RoleGuardTests.adminToken))
        return try JSONDecoder().decode([AccessRecord].self, from: Data(reply.body.readableBytesView))
    }

    @Test func aSupervisorFindsAPersonsCaseAndEverySearchIsLogged() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let sent = try await IntakeRoutesTests.send(Fixtures.example(IntakeRoutesTests.example), with: client)
            #expect(sent.status == .ok, "\(String(buffer: sent.body))")
            let code = try #require(try IntakeRoutesTests.receipt(sent).unifiedCaseCode)
            let supervisor = RoleGuardTests.bearer(RoleGuardTests.supervisorToken)

            // By ID number, typed with spaces: the case, what matched, the person masked.
            let found = try await client.execute(uri: "/v1/search?q=330106+19900315%201236", method: .get, headers: supervisor)
            #expect(found.status == .ok)
            let page = try JSONDecoder().decode(CaseSearch.Page.self, from: Data(found.body.readableBytesView))
            #expect(page.total == 1 && page.hits.first?.caseCode == code && page.hits.first?.matched.first == .idNumber)
            #expect(page.hits.first?.persons.first?.idNumber == "330106********1236")
            #expect(!String(buffer: found.body).contains(Self.person))

            // Refusals: nothing to look for; a malformed ID number; a node's token.
            let empty = try await client.execute(uri: "/v1/search?organisation=330106000101", method: .get, headers: supervisor)
            #expect(empty.status == .badRequest && RoleGuardTests.code(empty) == "search.no-criterion")
            let malformed = try await client.execute(uri: "/v1/search?idNumber=12345", method: .get, headers: supervisor)
            #expect(malformed.status == .badRequest && RoleGuardTests.code(malformed) == "query.invalid")
            let node = try await client.execute(
                uri: "/v1/search?q=\(Self.person)",
                method: .get,
                headers: RoleGuardTests.bearer(IntakeRoutesTests.policeToken)
            )
            #expect(node.status == .unauthorized && RoleGuardTests.code(node) == "auth.supervisor-required")

            // The console: the same search, in Chinese, linked to the case's timeline; then the case opened.
            let session = try await RoleGuardTests.session("supervisor", RoleGuardTests.supervisorToken, with: client)
            let console = try await client.execute(uri: "/console/search?idNumber=\(Self.person)", method: .get, headers: session)
            let html = String(buffer: console.body)
            #expect(console.status == .ok && html.contains("/console/cases/\(code)") && html.contains("身份证号一致") && html.contains("仅供查找"))
            let refused = try await client.execute(uri: "/console/search?idNumber=12345", method: .get, headers: session)
            #expect(String(buffer: refused.body).contains("query.invalid") && String(buffer: refused.body).contains("身份证号"))
            let first = try await client.execute(uri: "/console/search", method: .get, headers: session)
            #expect(first.status == .ok && !String(buffer: first.body).contains("search.no-criterion"))
            #expect(try await client.execute(uri: "/console/cases/\(code)", method: .get, headers: session).status == .ok)

            // The access log: each search with what was asked, the refused ones as refused, the case opened.
            let log = try await Self.accessLog(with: client)
            let searches = log.filter { $0.action == "case.search" }
            #expect(searches.contains { $0.who == "supervisor" && $0.allowed && $0.subject == "q=330106 19900315 1236" })
            #expect(searches.contains { $0.allowed && $0.subject == "idNumber=\(Self.person)" })
            #expect(
                searches.filter { !$0.allowed }.map(\.subject).sorted() == [
                    "refused: query.invalid idNumber: idNumber=12345", "refused: query.invalid idNumber: idNumber=12345",
                    "refused: search.no-criterion q: organisation=330106000101",
                ]
            )
            #expect(log.contains { $0.action == "case.timeline" && $0.subject == code && $0.who == "supervisor" })
        }
    }
}
