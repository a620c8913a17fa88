import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import XietongCore
import XietongHTTP
import XietongHub
import XietongTesting

/// The hub's package, blob, hop and feed routes in-process (issue 21: routes tested at their own layer), each with
/// its success and its errors as a node sees them.
@Suite(.serialized) struct IntakeRoutesTests {
    static let police = "330106000101"
    static let procuratorate = "330106000201"
    static let policeToken = "police-token-intake-routes"
    static let procuratorateToken = "procuratorate-token-intake-routes"
    static let adminToken = "admin-token-intake-routes"
    static let example = "arrestApproval.arrestRequest"

    static func hub(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        try await InProcessServices.hub(
            InProcessServices.hubConfiguration(
                in: directory,
                nodes: [(Self.police, Self.policeToken), (Self.procuratorate, Self.procuratorateToken)],
                adminToken: Self.adminToken
            )
        )
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: BearerToken.header(token)] }

    static func code(_ response: TestResponse) -> String? {
        struct Body: Decodable { let error: String }
        return try? JSONDecoder().decode(Body.self, from: Data(response.body.readableBytesView)).error
    }

    static func receipt(_ response: TestResponse) throws -> Receipt {
        try JSONDecoder().decode(Receipt.self, from: Data(response.body.readableBytesView))
    }

    /// Uploads the example's attachment and posts `xml` as the police node.
    static func send(_ xml: String, with client: some TestClientProtocol) async throws -> TestResponse {
        let pdf = try Data(contentsOf: Repository.url("examples/packages/attachments/\(Self.example).pdf"))
        let put = try await client.execute(
            uri: "/v1/blobs/\(ContentHash.sha256([UInt8](pdf)))",
            method: .put,
            headers: Self.bearer(Self.policeToken),
            body: ByteBuffer(bytes: pdf)
        )
        #expect(put.status.code < 300, "the blob is stored")
        var headers = Self.bearer(Self.policeToken)
        headers[.contentType] = "application/xml"
        return try await client.execute(uri: "/v1/packages", method: .post, headers: headers, body: ByteBuffer(string: xml))
    }

    @Test func aPackageIsAcceptedOnceAndReadBackAsSent() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let xml = Fixtures.example(Self.example)
            let first = try await Self.send(xml, with: client)
            #expect(first.status == .ok)
            let receipt = try Self.receipt(first)
            #expect(receipt.status == .accepted && receipt.unifiedCaseCode != nil)
            // Sent again (a retry after a lost answer): the first receipt, nothing stored twice.
            let again = try Self.receipt(try await Self.send(xml, with: client))
            #expect(again.receivedAt == receipt.receivedAt && again.packageId == receipt.packageId)
            // The sender reads its status, and the receiver the bytes exactly as sent (GZ-1).
            let status = try await client.execute(uri: "/v1/packages/\(receipt.packageId)", method: .get, headers: Self.bearer(Self.policeToken))
            #expect(status.status == .ok && String(buffer: status.body).contains("receivedByHub"))
            let content = try await client.execute(
                uri: "/v1/packages/\(receipt.packageId)/content",
                method: .get,
                headers: Self.bearer(Self.procuratorateToken)
            )
            #expect(content.status == .ok && String(buffer: content.body) == xml)
            // A package the hub does not hold.
            let unknown = try await client.execute(uri: "/v1/packages/nope", method: .get, headers: Self.bearer(Self.policeToken))
            #expect(unknown.status == .notFound && Self.code(unknown) == "package.not-found")
        }
    }

    @Test func aBrokenPackageIsRefusedWithItsFindingsAndListedForAdministrators() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let broken = Fixtures.example(Self.example).replacingOccurrences(of: "<Gender>1<", with: "<Gender>3<")
            let reply = try await Self.send(broken, with: client)
            #expect(reply.status == .unprocessableContent)
            let receipt = try Self.receipt(reply)
            #expect(receipt.status == .refused && receipt.findings.map(\.code.rawValue).contains("codeset.gender"))
            let refusals = try await client.execute(uri: "/v1/admin/refusals", method: .get, headers: Self.bearer(Self.adminToken))
            #expect(refusals.status == .ok && String(buffer: refusals.body).contains(receipt.packageId))
            // Not a package at all.
            var headers = Self.bearer(Self.policeToken)
            headers[.contentType] = "application/xml"
            let garbage = try await client.execute(uri: "/v1/packages", method: .post, headers: headers, body: ByteBuffer(string: "<nope"))
            #expect(garbage.status == .unprocessableContent && (try? Self.receipt(garbage))?.status == .refused)
        }
    }

    @Test func blobsAreStoredByTheirHashAndNothingElse() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let node = Self.bearer(Self.policeToken)
            let missing = try await client.execute(uri: "/v1/blobs/\(String(repeating: "0", count: 64))", method: .get, headers: node)
            #expect(missing.status == .notFound && Self.code(missing) == "blob.not-found")
            let badName = try await client.execute(uri: "/v1/blobs/not-a-hash", method: .put, headers: node, body: ByteBuffer(string: "x"))
            #expect(badName.status == .badRequest && Self.code(badName) == "blob.bad-hash")
            let wrong = try await client.execute(
                uri: "/v1/blobs/\(ContentHash.sha256(Array("other".utf8)))",
                method: .put,
                headers: node,
                body: ByteBuffer(string: "this")
            )
            #expect(wrong.status == .unprocessableContent && Self.code(wrong) == "blob.hash-mismatch")
            let bytes = Array("a dossier page".utf8)
            let sha = ContentHash.sha256(bytes)
            #expect(try await client.execute(uri: "/v1/blobs/\(sha)", method: .put, headers: node, body: ByteBuffer(bytes: bytes)).status.code < 300)
            let read = try await client.execute(uri: "/v1/blobs/\(sha)", method: .get, headers: node)
            #expect(read.status == .ok && Array(read.body.readableBytesView) == bytes)
        }
    }

    @Test func hopsAreReportedByTheReceiverAloneAndReachTheFeed() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let receipt = try Self.receipt(try await Self.send(Fixtures.example(Self.example), with: client))
            let id = receipt.packageId
            // The receiver's feed holds the delivery.
            let feed = try await client.execute(uri: "/v1/feed?after=0", method: .get, headers: Self.bearer(Self.procuratorateToken))
            #expect(feed.status == .ok && String(buffer: feed.body).contains(id))
            // A report that is not a hop, the sender reporting for the receiver, and the receiver's real report.
            let invalid = try await client.execute(
                uri: "/v1/packages/\(id)/events",
                method: .post,
                headers: Self.bearer(Self.procuratorateToken),
                body: ByteBuffer(string: "{}")
            )
            #expect(invalid.status == .badRequest && Self.code(invalid) == "event.invalid")
            let stored = #"{"packageId":"\#(id)","hop":"storedByReceiver","at":"2026-11-20T01:00:00Z","organisation":"\#(Self.procuratorate)"}"#
            let notTheReceiver = try await client.execute(
                uri: "/v1/packages/\(id)/events",
                method: .post,
                headers: Self.bearer(Self.policeToken),
                body: ByteBuffer(string: stored)
            )
            #expect(notTheReceiver.status == .forbidden && Self.code(notTheReceiver) == "auth.forbidden")
            let recorded = try await client.execute(
                uri: "/v1/packages/\(id)/events",
                method: .post,
                headers: Self.bearer(Self.procuratorateToken),
                body: ByteBuffer(string: stored)
            )
            #expect(recorded.status == .ok && String(buffer: recorded.body).contains("recorded"))
            // The sender's feed now carries the receiver's hop.
            let senderFeed = try await client.execute(uri: "/v1/feed?after=0", method: .get, headers: Self.bearer(Self.policeToken))
            #expect(String(buffer: senderFeed.body).contains("storedByReceiver"))
            // An acknowledgement that is not one.
            let ack = try await client.execute(
                uri: "/v1/feed/ack",
                method: .post,
                headers: Self.bearer(Self.policeToken),
                body: ByteBuffer(string: "[]")
            )
            #expect(ack.status == .badRequest && Self.code(ack) == "ack.invalid")
        }
    }

    @Test func aCaseTheHubDoesNotKnowIsNotFound() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            let reply = try await client.execute(
                uri: "/v1/cases/20261120110133010600010199999999/timeline",
                method: .get,
                headers: Self.bearer(Self.adminToken)
            )
            #expect(reply.status == .notFound && Self.code(reply) == "case.not-found")
        }
    }

    @Test func aBatchIsReceiptedPackageByPackageAndHeldQueriesNameWhatTheHubLacks() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            // The dossier first (as a node's lane does), then two packages in one request: one valid, one broken.
            let pdf = try Data(contentsOf: Repository.url("examples/packages/attachments/\(Self.example).pdf"))
            _ = try await client.execute(
                uri: "/v1/blobs/\(ContentHash.sha256([UInt8](pdf)))",
                method: .put,
                headers: Self.bearer(Self.policeToken),
                body: ByteBuffer(bytes: pdf)
            )
            let valid = Fixtures.example(Self.example)
            let broken = valid.replacingOccurrences(of: PackageFactory.element("PackageId", in: valid), with: ExamplePackages.uuid("intake-broken"))
                .replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: valid), with: "intake-broken")
                .replacingOccurrences(of: "<Gender>1<", with: "<Gender>3<")
            let packages = [valid, broken].map { "\"\(Data($0.utf8).base64EncodedString())\"" }.joined(separator: ",")
            let batch = try await client.execute(
                uri: "/v1/packages/batch",
                method: .post,
                headers: Self.bearer(Self.policeToken),
                body: ByteBuffer(string: #"{"packages":[\#(packages)]}"#)
            )
            #expect(batch.status == .ok)
            struct Receipts: Decodable { let receipts: [Receipt] }
            let receipts = try JSONDecoder().decode(Receipts.self, from: Data(batch.body.readableBytesView)).receipts
            #expect(receipts.map(\.status) == [.accepted, .refused])
            // An empty batch, and one that is not base64.
            for body in [#"{"packages":[]}"#, #"{"packages":["not base64!"]}"#] {
                let bad = try await client.execute(
                    uri: "/v1/packages/batch",
                    method: .post,
                    headers: Self.bearer(Self.policeToken),
                    body: ByteBuffer(string: body)
                )
                #expect(bad.status == .badRequest && Self.code(bad) == "batch.invalid", "\(body)")
            }
            // Which of the node's packages does the hub lack (after a restore, issue 19)? Only the one it never had.
            let held = try await client.execute(
                uri: "/v1/packages/held",
                method: .post,
                headers: Self.bearer(Self.policeToken),
                body: ByteBuffer(string: #"{"packageIds":["\#(receipts[0].packageId)","never-sent"]}"#)
            )
            #expect(held.status == .ok)
            struct Held: Decodable { let missing: [String] }
            #expect(try JSONDecoder().decode(Held.self, from: Data(held.body.readableBytesView)).missing == ["never-sent"])
            let noIds = try await client.execute(
                uri: "/v1/packages/held",
                method: .post,
                headers: Self.bearer(Self.policeToken),
                body: ByteBuffer(string: #"{"packageIds":[]}"#)
            )
            #expect(noIds.status == .badRequest && Self.code(noIds) == "held.invalid")
        }
    }
}
