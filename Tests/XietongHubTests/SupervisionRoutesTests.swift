import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XietongCore
import XietongHTTP
import XietongHub
import XietongTesting

/// The supervisors', the administrator's and the evidence log's routes in-process (issue 21: routes tested at their
/// own layer): after one arrest request crosses the hub, each answers with what a supervisor or an administrator
/// checks, and a malformed query gets `query.invalid`.
@Suite(.serialized) struct SupervisionRoutesTests {
    static let admin = IntakeRoutesTests.bearer(IntakeRoutesTests.adminToken)

    static func get(_ uri: String, _ headers: HTTPFields = Self.admin, with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: headers)
    }

    /// A hub that accepted the example arrest request; its receipt.
    static func withOnePackage(_ body: @escaping @Sendable (any TestClientProtocol, Receipt) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        try await IntakeRoutesTests.hub(directory).test(.router) { client in
            let receipt = try IntakeRoutesTests.receipt(try await IntakeRoutesTests.send(Fixtures.example(IntakeRoutesTests.example), with: client))
            #expect(receipt.status == .accepted)
            try await body(client, receipt)
        }
    }

    @Test func supervisorsSeeTheLimitTheCaseAndTheCounters() async throws {
        try await Self.withOnePackage { client, receipt in
            let code = try #require(receipt.unifiedCaseCode)
            // The procuratorate's 7 days to decide on the arrest (刑事诉讼法第91条第3款), on the deadline board.
            let board = try await Self.get("/v1/supervision/deadlines", with: client)
            #expect(board.status == .ok && String(buffer: board.body).contains("刑事诉讼法第91条第3款"))
            let csv = try await Self.get("/v1/supervision/deadlines?format=csv", with: client)
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let cases = try await Self.get("/v1/supervision/cases", with: client)
            #expect(cases.status == .ok && String(buffer: cases.body).contains(code))
            #expect(try await Self.get("/v1/supervision/counters", with: client).status == .ok)
            #expect(try await Self.get("/v1/supervision/reminders", with: client).status == .ok)
            #expect(try await Self.get("/v1/supervision/custody?days=7", with: client).status == .ok)
            // The receiving node's own red counters.
            let counters = try await Self.get("/v1/counters", IntakeRoutesTests.bearer(IntakeRoutesTests.procuratorateToken), with: client)
            #expect(counters.status == .ok)
        }
    }

    @Test func statisticsCountThePeriodAskedAndRefuseAMalformedOne() async throws {
        try await Self.withOnePackage { client, _ in
            let month = try await Self.get("/v1/statistics?from=2026-11-01&to=2026-12-01", with: client)
            #expect(month.status == .ok)
            let bad = try await Self.get("/v1/statistics?from=yesterday&to=2026-12-01", with: client)
            #expect(bad.status == .badRequest && IntakeRoutesTests.code(bad) == "query.invalid")
        }
    }

    @Test func theAdministratorSeesNodesCalendarAccessLogAndReplays() async throws {
        try await Self.withOnePackage { client, _ in
            let nodes = try await Self.get("/v1/admin/nodes", with: client)
            #expect(nodes.status == .ok && String(buffer: nodes.body).contains(IntakeRoutesTests.police))
            let calendar = try await Self.get("/v1/admin/calendar", with: client)
            #expect(calendar.status == .ok && String(buffer: calendar.body).contains("2026"))
            #expect(try await Self.get("/v1/admin/access-log", with: client).status == .ok)
            let replays = try await Self.get("/v1/admin/replays", with: client)
            #expect(replays.status == .ok && String(buffer: replays.body) == "[]")
            #expect(try await Self.get("/v1/admin/alerts", with: client).status == .ok)
        }
    }

    @Test func theEvidenceLogHasLeavesBeforeItsFirstSignedHead() async throws {
        try await Self.withOnePackage { client, receipt in
            // The hand-overs are leaves at once; a head is signed by the hub's signer, which is not configured here.
            let leaves = try await Self.get("/v1/evidence/leaves?from=0&count=10", with: client)
            #expect(leaves.status == .ok && String(buffer: leaves.body).contains(receipt.packageId))
            let head = try await Self.get("/v1/evidence/tree-head", with: client)
            #expect(head.status == .notFound && IntakeRoutesTests.code(head) == "evidence.no-tree-head")
            let consistency = try await Self.get("/v1/evidence/consistency?first=a&second=b", with: client)
            #expect(consistency.status == .badRequest && IntakeRoutesTests.code(consistency) == "query.invalid")
        }
    }

    @Test func theEvidenceOfAPackageAndTheSignedHeadsAwaitTheFirstHead() async throws {
        try await Self.withOnePackage { client, receipt in
            // No head is signed yet: a package's proof cannot be given, and the list of heads is empty.
            let proof = try await Self.get("/v1/evidence/packages/\(receipt.packageId)", with: client)
            #expect(proof.status == .notFound && IntakeRoutesTests.code(proof) == "evidence.no-tree-head")
            let heads = try await Self.get("/v1/evidence/tree-heads", with: client)
            #expect(heads.status == .ok && String(buffer: heads.body) == "[]")
            // The heads' list is the administrator's alone.
            let asNode = try await Self.get("/v1/evidence/tree-heads", IntakeRoutesTests.bearer(IntakeRoutesTests.policeToken), with: client)
            #expect(asNode.status == .unauthorized && IntakeRoutesTests.code(asNode) == "auth.admin-required")
        }
    }

    @Test func theCommitteesConsolePagesNeedASessionAndShowTheCase() async throws {
        try await Self.withOnePackage { client, receipt in
            let code = try #require(receipt.unifiedCaseCode)
            let anonymous = try await client.execute(uri: "/console/cases", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/console/login")
            let login = try await client.execute(
                uri: "/console/login",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "user=admin&password=\(IntakeRoutesTests.adminToken)")
            )
            let cookie = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            for page in ["/console", "/console/cases", "/console/deadlines", "/console/admin", "/console/cases/\(code)"] {
                let reply = try await client.execute(uri: page, method: .get, headers: [.cookie: cookie])
                #expect(reply.status == .ok && String(buffer: reply.body).contains("<html lang=\"zh"), "\(page)")
            }
            // The case list and the case's page name the case.
            let cases = try await client.execute(uri: "/console/cases", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: cases.body).contains(code))
        }
    }
}
