import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import XietongCore
import XietongHTTP
import XietongNode
import XietongTesting

/// The node's business-system interface in-process (issue 21: routes tested at their own layer): what a vendor's
/// system sees for a package, an upload and its inbox, successes and errors, with no hub needed.
@Suite(.serialized) struct NodeRoutesTests {
    static let police = "330106000101"
    static let apiKey = "api-key-node-routes"
    static let example = "arrestApproval.arrestRequest"

    /// A node whose hub is not there (nothing listens on port 1): packages wait in its outbox.
    static func node(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        try await InProcessServices.node(InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey))
    }

    static var key: HTTPFields { [.authorization: BearerToken.header(Self.apiKey)] }

    static func code(_ response: TestResponse) -> String? {
        struct Body: Decodable { let error: String }
        return try? JSONDecoder().decode(Body.self, from: Data(response.body.readableBytesView)).error
    }

    static func post(_ uri: String, _ body: String, with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: Self.key, body: ByteBuffer(string: body))
    }

    @Test func aPackageIsAcceptedIntoTheOutboxOnceAndItsStatusRead() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            let pdf = try Data(contentsOf: Repository.url("examples/packages/attachments/\(Self.example).pdf"))
            let attached = try await client.execute(uri: "/api/v1/attachments", method: .post, headers: Self.key, body: ByteBuffer(bytes: pdf))
            #expect(attached.status.code < 300)
            let xml = Fixtures.example(Self.example)
            let first = try await Self.post("/api/v1/packages", xml, with: client)
            #expect(first.status == .accepted)
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(first.body.readableBytesView))
            #expect(receipt.status == .accepted)
            // The same package again (a retry): 200 and the first receipt.
            let again = try await Self.post("/api/v1/packages", xml, with: client)
            #expect(again.status == .ok)
            #expect(try JSONDecoder().decode(Receipt.self, from: Data(again.body.readableBytesView)).receivedAt == receipt.receivedAt)
            // Its status: accepted by the node, waiting for the hub.
            let status = try await client.execute(uri: "/api/v1/packages/\(receipt.packageId)", method: .get, headers: Self.key)
            #expect(status.status == .ok && String(buffer: status.body).contains("acceptedByNode"))
            let unknown = try await client.execute(uri: "/api/v1/packages/nope", method: .get, headers: Self.key)
            #expect(unknown.status == .notFound && Self.code(unknown) == "package.not-found")
        }
    }

    @Test func aPackageWithoutItsDossierOrOfAnotherAgencyIsRefusedAtTheNode() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            // The dossier was never uploaded: refused before it leaves (GZ-4), with the finding.
            let missing = try await Self.post("/api/v1/packages", Fixtures.example(Self.example), with: client)
            #expect(missing.status == .unprocessableContent && String(buffer: missing.body).contains("attachment."))
            // A package of the procuratorate sent through the police's node.
            let foreign = try await Self.post("/api/v1/packages", Fixtures.example("arrestApproval.arrestApprovalDecision"), with: client)
            #expect(foreign.status == .unprocessableContent && String(buffer: foreign.body).contains("codeset.organisation"))
        }
    }

    @Test func anUploadResumesOnlyAtItsOffset() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            let bytes = Array("a dossier of several pages".utf8)
            let created = try await Self.post("/api/v1/uploads", #"{"sha256":"\#(ContentHash.sha256(bytes))","size":\#(bytes.count)}"#, with: client)
            #expect(created.status == .created)
            struct Upload: Decodable { let uploadId: String }
            let id = try JSONDecoder().decode(Upload.self, from: Data(created.body.readableBytesView)).uploadId
            var headers = Self.key
            headers[HTTPField.Name("Upload-Offset")!] = "5"
            let wrong = try await client.execute(uri: "/api/v1/uploads/\(id)", method: .patch, headers: headers, body: ByteBuffer(bytes: bytes))
            #expect(wrong.status == .conflict && Self.code(wrong) == "upload.offset-mismatch")
            headers[HTTPField.Name("Upload-Offset")!] = "0"
            let done = try await client.execute(uri: "/api/v1/uploads/\(id)", method: .patch, headers: headers, body: ByteBuffer(bytes: bytes))
            #expect(done.status == .noContent)
            let status = try await client.execute(uri: "/api/v1/uploads/\(id)", method: .get, headers: Self.key)
            #expect(String(buffer: status.body).contains("\"completed\":true"))
        }
    }

    @Test func theInboxAnswersForWhatItHoldsAndAsksAReturnForItsReason() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            let inbox = try await client.execute(uri: "/api/v1/inbox", method: .get, headers: Self.key)
            #expect(inbox.status == .ok)
            let sign = try await Self.post("/api/v1/inbox/nope/sign", "{}", with: client)
            #expect(sign.status == .notFound && Self.code(sign) == "package.not-found")
            let noReason = try await Self.post("/api/v1/inbox/nope/return", "{}", with: client)
            #expect(noReason.status == .badRequest && Self.code(noReason) == "return.reason-required")
            let subscription = try await Self.post("/api/v1/subscriptions", #"{"url":"not a url"}"#, with: client)
            #expect(subscription.status == .badRequest && Self.code(subscription) == "subscription.invalid")
        }
    }

    @Test func whatTheNodeKeepsItselfIsReadWithoutTheHubAndWhatTheHubKeepsIsABadGateway() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            // Kept by the node: its reminders, its record of hub restores, the evidence log's head it keeps (none yet).
            for path in ["/api/v1/reminders", "/api/v1/hub-restores"] {
                let reply = try await client.execute(uri: path, method: .get, headers: Self.key)
                #expect(reply.status == .ok && String(buffer: reply.body) == "[]", "\(path)")
            }
            let evidence = try await client.execute(uri: "/api/v1/evidence", method: .get, headers: Self.key)
            #expect(evidence.status == .ok && !String(buffer: evidence.body).contains("treeSize"))
            // A case's packages need the case named.
            let noCase = try await client.execute(uri: "/api/v1/packages", method: .get, headers: Self.key)
            #expect(noCase.status == .badRequest && Self.code(noCase) == "query.case-required")
            // Kept by the hub, which is not there (a case's timeline, the red counters): said as such, not as an
            // empty answer.
            let timeline = try await client.execute(uri: "/api/v1/cases/20261120110133010600010100000001/timeline", method: .get, headers: Self.key)
            #expect(timeline.status == .badGateway && Self.code(timeline) == "hub.unreachable")
            let counters = try await client.execute(uri: "/api/v1/counters", method: .get, headers: Self.key)
            #expect(counters.status == .badGateway && Self.code(counters) == "hub.unreachable")
        }
    }

    @Test func theInboxsOtherRoutesAnswerForPackagesTheNodeDoesNotHold() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/inbox/nope"), (.post, "/api/v1/inbox/nope/ack"),
                (.get, "/api/v1/inbox/nope/attachments/\(String(repeating: "0", count: 64))"),
            ] {
                let reply = try await client.execute(uri: path, method: method, headers: Self.key)
                #expect(reply.status == .notFound && Self.code(reply) == "package.not-found", "\(path)")
            }
            // A file's headers alone (issue 24): the same answer, for a package the node does not hold.
            let head = try await client.execute(
                uri: "/api/v1/inbox/nope/attachments/\(String(repeating: "0", count: 64))",
                method: .head,
                headers: Self.key
            )
            #expect(head.status == .notFound)
            // A package's evidence is the hub's to give: said as unreachable here.
            let evidence = try await client.execute(uri: "/api/v1/packages/nope/evidence", method: .get, headers: Self.key)
            #expect(evidence.status == .badGateway && Self.code(evidence) == "hub.unreachable")
        }
    }
}
