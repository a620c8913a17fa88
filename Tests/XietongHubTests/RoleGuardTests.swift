import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import XietongCore
import XietongHTTP
import XietongHub
import XietongNode
import XietongTesting
import XietongTrust

/// Each route group's guard, in-process: for every group one call it lets through and one it refuses, with the
/// refusal's code; the console session where a group accepts one; and a request header naming an organisation never
/// makes a node, with or without mutual TLS.
@Suite(.serialized) struct RoleGuardTests {
    static let police = "330106000101"
    static let policeToken = "police-token-role-guards"
    static let adminToken = "admin-token-role-guards"
    static let supervisorToken = "supervisor-token-role-guards"
    static let apiKey = "business-key-role-guards"
    static let spoofed = HTTPField.Name("Xietong-Peer-Organisation")!

    static func hub(_ directory: TemporaryDirectory, tls: TLSFiles? = nil) async throws -> some ApplicationProtocol {
        var configuration = InProcessServices.hubConfiguration(in: directory, nodes: [(Self.police, Self.policeToken)], adminToken: Self.adminToken)
        configuration.users = [Credential(name: "supervisor", role: .supervisor, token: Self.supervisorToken)]
        configuration.tls = tls
        return try await InProcessServices.hub(configuration)
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: BearerToken.header(token)] }

    /// The code of an error's body.
    static func code(_ response: TestResponse) -> String? {
        struct Body: Decodable { let error: String }
        return try? JSONDecoder().decode(Body.self, from: Data(response.body.readableBytesView)).error
    }

    static func get(_ uri: String, _ headers: HTTPFields = [:], with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: headers)
    }

    /// Logs in to the hub's console; the `Cookie` header of the session.
    static func session(_ user: String, _ token: String, with client: some TestClientProtocol) async throws -> HTTPFields {
        let reply = try await client.execute(
            uri: "/console/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "user=\(user)&password=\(token)")
        )
        let cookie = try #require(reply.headers[.setCookie]?.split(separator: ";").first)
        return [.cookie: String(cookie)]
    }

    @Test func eachOfTheHubsRouteGroupsLetsItsCallersThroughAndRefusesTheOthers() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let node = Self.bearer(Self.policeToken)
            let admin = Self.bearer(Self.adminToken)
            let supervisor = Self.bearer(Self.supervisorToken)

            // Nodes: the feed, the blobs.
            #expect(try await Self.get("/v1/feed", node, with: client).status == .ok)
            let notANode = try await Self.get("/v1/feed", admin, with: client)
            #expect(notANode.status == .unauthorized && Self.code(notANode) == "auth.required")
            let head = try await client.execute(uri: "/v1/blobs/\(String(repeating: "0", count: 64))", method: .head, headers: supervisor)
            #expect(head.status == .unauthorized && head.body.readableBytes == 0)

            // Any known caller: the evidence log's head (none signed yet, so past the guard: 404).
            #expect(Self.code(try await Self.get("/v1/evidence/tree-head", supervisor, with: client)) == "evidence.no-tree-head")
            #expect(Self.code(try await Self.get("/v1/evidence/tree-head", with: client)) == "auth.required")

            // Supervisors and nodes: a case's timeline (no such case, so past the guard: 404).
            #expect(Self.code(try await Self.get("/v1/cases/no-such-case/timeline", node, with: client)) == "case.not-found")
            #expect(Self.code(try await Self.get("/v1/cases/no-such-case/timeline", with: client)) == "auth.required")

            // Supervisors, by token or by console session; nodes are refused.
            #expect(try await Self.get("/v1/supervision/cases", supervisor, with: client).status == .ok)
            let nodeAtSupervision = try await Self.get("/v1/supervision/cases", node, with: client)
            #expect(nodeAtSupervision.status == .unauthorized && Self.code(nodeAtSupervision) == "auth.supervisor-required")
            let supervisorSession = try await Self.session("supervisor", Self.supervisorToken, with: client)
            #expect(try await Self.get("/v1/supervision/cases?format=csv", supervisorSession, with: client).status == .ok)

            // The administrator by token only: the access log, which shows the session's read above under its name.
            struct Record: Decodable {
                let who: String
                let subject: String
            }
            let log = try await Self.get("/v1/admin/access-log", admin, with: client)
            #expect(log.status == .ok)
            let records = try JSONDecoder().decode([Record].self, from: Data(log.body.readableBytesView))
            #expect(records.contains { $0.subject == "/v1/supervision/cases?format=csv" && $0.who == "supervisor" })
            let adminSession = try await Self.session("admin", Self.adminToken, with: client)
            let bySession = try await Self.get("/v1/admin/access-log", adminSession, with: client)
            #expect(bySession.status == .unauthorized && Self.code(bySession) == "auth.admin-required")

            // The administrator by token or console session: the nodes; supervisors are refused either way.
            #expect(try await Self.get("/v1/admin/nodes", admin, with: client).status == .ok)
            #expect(try await Self.get("/v1/admin/nodes?format=csv", adminSession, with: client).status == .ok)
            #expect(Self.code(try await Self.get("/v1/admin/nodes", supervisor, with: client)) == "auth.admin-required")
            #expect(Self.code(try await Self.get("/v1/admin/nodes", supervisorSession, with: client)) == "auth.admin-required")

            // A node's own counters: nodes only.
            #expect(try await Self.get("/v1/counters", node, with: client).status == .ok)
            #expect(Self.code(try await Self.get("/v1/counters", supervisor, with: client)) == "auth.required")
        }
    }

    @Test func aRequestHeaderNamingAnOrganisationNeverMakesANode() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let spoofed: HTTPFields = [Self.spoofed: Self.police]
            let feed = try await Self.get("/v1/feed", spoofed, with: client)
            #expect(feed.status == .unauthorized && Self.code(feed) == "auth.required")
            let timeline = try await Self.get("/v1/cases/no-such-case/timeline", spoofed, with: client)
            #expect(timeline.status == .unauthorized && Self.code(timeline) == "auth.required")
        }
    }

    @Test func underMutualTLSOnlyTheCertificateMakesANodeNeitherAHeaderNorAToken() async throws {
        let directory = try TemporaryDirectory()
        let pki = directory.url.appendingPathComponent("pki")
        _ = try CertificateAuthority.create(in: pki).issue(organisation: HubConfiguration().organisation)
        try await Self.hub(directory, tls: TLSFiles.issued(by: pki, to: HubConfiguration().organisation)).test(.router) { client in
            // No client certificate on this connection: a header naming the police, even with the police's token, is no node.
            var spoofed: HTTPFields = [Self.spoofed: Self.police]
            let headerOnly = try await Self.get("/v1/feed", spoofed, with: client)
            #expect(headerOnly.status == .unauthorized && Self.code(headerOnly) == "auth.required")
            spoofed[.authorization] = BearerToken.header(Self.policeToken)
            let withToken = try await Self.get("/v1/feed", spoofed, with: client)
            #expect(withToken.status == .unauthorized && Self.code(withToken) == "auth.required")
            // Supervisors still come by token.
            let supervision = try await Self.get("/v1/supervision/cases", Self.bearer(Self.supervisorToken), with: client)
            #expect(supervision.status == .ok)
        }
    }

    @Test func theNodesAPILetsBusinessSystemsThroughByTheirKeyAndRefusesOthers() async throws {
        let directory = try TemporaryDirectory()
        let node = try await InProcessServices.node(
            InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey)
        )
        try await node.test(.router) { client in
            #expect(try await Self.get("/api/v1/inbox", Self.bearer(Self.apiKey), with: client).status == .ok)
            #expect(Self.code(try await Self.get("/api/v1/inbox", Self.bearer("not-a-key"), with: client)) == "auth.required")
            let head = try await client.execute(uri: "/api/v1/uploads/no-such-upload", method: .head)
            #expect(head.status == .unauthorized && head.body.readableBytes == 0)
            // Health needs no key.
            #expect(try await Self.get("/healthz", with: client).status == .ok)
        }
    }
}
