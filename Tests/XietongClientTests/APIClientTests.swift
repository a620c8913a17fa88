import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import XietongClient
import XietongCore
import XietongHTTP
import XietongHub
import XietongNode
import XietongTesting

/// The typed clients against a node and a hub built in-process, on a loopback port: the statuses and bodies callers
/// judge come through unchanged, the bearer token is sent, and the typed calls reach the documented paths.
@Suite(.serialized) struct APIClientTests {
    static let police = "330106000101"
    static let apiKey = "business-key-api-client"
    static let adminToken = "admin-token-api-client"

    /// A node of `hub` listening on `port`.
    static func node(_ directory: TemporaryDirectory, hub: String, port: Int) async throws -> some ApplicationProtocol & Sendable {
        var configuration = NodeConfiguration(organisation: Self.police)
        configuration.listen = .init(host: "127.0.0.1", port: port)
        configuration.dataDirectory = directory.url.path
        configuration.hub = .init(url: hub, token: "police-token")
        configuration.apiKeys = [Self.apiKey]
        configuration.freeSpaceReserveMB = 0
        return try await NodeApplication.build(
            configuration: configuration,
            registry: Fixtures.registry,
            catalog: try FlowCatalog.bundled(),
            logger: Logger(label: "test")
        ).0
    }

    static func hub(_ directory: TemporaryDirectory, port: Int) async throws -> some ApplicationProtocol & Sendable {
        var configuration = HubConfiguration()
        configuration.listen = .init(host: "127.0.0.1", port: port)
        configuration.dataDirectory = directory.url.path
        configuration.nodes = [.init(organisation: Self.police, token: "police-token")]
        configuration.adminToken = Self.adminToken
        configuration.freeSpaceReserveMB = 0
        return try await HubApplication.build(
            configuration: configuration,
            registry: Fixtures.registry,
            catalog: try FlowCatalog.bundled(),
            logger: Logger(label: "test")
        ).0
    }

    /// The code of an error's body.
    static func code(_ reply: Reply) -> String? {
        struct Body: Decodable { let error: String }
        return reply.json(Body.self)?.error
    }

    /// A hub and its node, each on a port of its own (run as `xietong` runs them, `LiveService`), and `body` with
    /// the node's and the hub's base URLs. The node's hub answers: a node whose hub is not there retries it, and its
    /// stop waited for that (once for over four minutes in a loaded run, once for ever).
    static func hubAndNode(_ body: @escaping @Sendable (_ node: String, _ hub: String) async throws -> Void) async throws {
        let hubDirectory = try TemporaryDirectory()
        let directory = try TemporaryDirectory()
        try await LiveService.run(
            { try await Self.hub(hubDirectory, port: $0) },
            { hub in
                try await LiveService.run({ try await Self.node(directory, hub: hub, port: $0) }, { node in try await body(node, hub) })
            }
        )
    }

    @Test func aNodeRefusesACallWithoutKeyAndAnswersForAnUnknownPackage() async throws {
        try await Self.hubAndNode { base, _ in
            #expect(try await NodeAPIClient(baseURL: base, apiKey: nil).health().status == 200)

            let anonymous = try await NodeAPIClient(baseURL: base, apiKey: nil).reminders()
            #expect(anonymous.status == 401 && Self.code(anonymous) == "auth.required")
            #expect(anonymous.header("content-type") == "application/json; charset=utf-8")
            let wrongKey = try await NodeAPIClient(baseURL: base, apiKey: "not-a-key").packageStatus("no-such-package")
            #expect(wrongKey.status == 401)

            let node = NodeAPIClient(baseURL: base + "/", apiKey: Self.apiKey)
            let unknown = try await node.packageStatus("no-such-package")
            #expect(unknown.status == 404)
            #expect(unknown.text == #"{"error":"package.not-found","message":{"en":"no such package","zh":"没有该数据包"}}"#)
            #expect(try await node.events(of: "no-such-package").isEmpty)
            #expect(try await node.reminders().json([DeadlineReminder].self) == [])
        }
    }

    @Test func aNodeAcceptsAPackageWhoseAttachmentWasUploadedInChunks() async throws {
        let made = PackageFactory.arrestRequest(case: 0, message: 0, run: "api-client")
        try await Self.hubAndNode { node, _ in try await Self.sendThroughTheNode(made, at: node) }
    }

    /// The calls of a business system sending a package, through the typed client.
    static func sendThroughTheNode(_ made: PackageFactory.Made, at base: String) async throws {
        let node = NodeAPIClient(baseURL: base, apiKey: Self.apiKey)

        // The package's attachment is not there yet: refused with the finding.
        let early = try await node.sendPackage(made.xml)
        #expect(early.status == 422)
        #expect(early.json(Receipt.self)?.status == .refused)

        // Created, appended in chunks of 100 bytes, stored; created again, the node has it.
        try await node.upload(made.attachment, chunkSize: 100)
        #expect(try await node.createUpload(sha256: ContentHash.sha256(made.attachment), size: made.attachment.count).status == 200)

        let accepted = try await node.sendPackage(made.xml)
        #expect(accepted.status == 202)
        let receipt = try accepted.decode(Receipt.self, what: "send", expected: 202)
        #expect(receipt.packageId == made.packageId && receipt.status == .accepted)
        // The same package again: the first receipt, 200 (GZ-7).
        let again = try await node.sendPackage(made.xml)
        #expect(again.status == 200 && again.json(Receipt.self)?.packageId == made.packageId)
        #expect(try await node.events(of: made.packageId).map(\.hop).first == .acceptedByNode)

        // An upload appended at the wrong offset: 409, and where to resume.
        let other = Array("not a pdf, only bytes".utf8)
        let id = try NodeAPIClient.uploadId(in: try await node.createUpload(sha256: ContentHash.sha256(other), size: other.count))
        let mismatch = try await node.appendUpload(id, at: 5, bytes: Array(other.dropFirst(5)))
        #expect(mismatch.status == 409 && Self.code(mismatch) == "upload.offset-mismatch")
        #expect(mismatch.header("Upload-Offset") == "0")
        #expect(try await node.uploadProgress(id).header("Upload-Offset") == "0")
        #expect(throws: UnexpectedReply.self) { try NodeAPIClient.uploadId(in: mismatch) }
    }

    @Test func theHubAnswersATimelineByToken() async throws {
        let directory = try TemporaryDirectory()
        try await LiveService.run(
            { try await Self.hub(directory, port: $0) },
            { base in
                let anonymous = try await HubAPIClient(baseURL: base, token: nil).timeline(ofCase: "no-such-case")
                #expect(anonymous.status == 401 && Self.code(anonymous) == "auth.required")
                let hub = HubAPIClient(baseURL: base, token: Self.adminToken)
                let unknown = try await hub.timeline(ofCase: "no-such-case")
                #expect(unknown.status == 404 && Self.code(unknown) == "case.not-found")
                #expect(try await hub.packageStatus("no-such-package").status == 404)
                #expect(try await hub.treeHeads().status == 200)
            }
        )
    }
}
