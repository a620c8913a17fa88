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

/// The error codes are the documented ones: docs/protocol.md's table lists every code of `APIError` with its status,
/// and nothing else.
@Suite struct APIErrorCodeTests {
    /// The rows of the table under "### Error codes": code and status.
    static func documentedCodes() throws -> [String: Int] {
        let text = try String(contentsOf: Repository.url("docs/protocol.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n### Error codes\n").dropFirst().first)
        var rows: [String: Int] = [:]
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[0].hasPrefix("`"), cells[0].hasSuffix("`"), let status = Int(cells[1]) else { continue }
            let code = String(cells[0].dropFirst().dropLast())
            #expect(rows[code] == nil, "\(code) is listed twice")
            rows[code] = status
        }
        return rows
    }

    @Test func everyCodeIsDocumentedWithItsStatusAndNoOther() throws {
        let documented = try Self.documentedCodes()
        let codes = Dictionary(uniqueKeysWithValues: APIError.Code.allCases.map { ($0.rawValue, $0.status.code) })
        #expect(codes.count == 30)
        #expect(Set(codes.keys).subtracting(documented.keys).sorted() == [], "codes missing from docs/protocol.md")
        #expect(Set(documented.keys).subtracting(codes.keys).sorted() == [], "documented codes APIError does not have")
        for (code, status) in codes {
            if let listed = documented[code] { #expect(listed == status, "\(code): \(status) in the code, \(listed) in the docs") }
        }
    }

    @Test func theCodeFixesTheStatus() throws {
        let error = APIError(.uploadOffsetMismatch, zh: "续传位置应为 7", en: "resume from offset 7", headers: [.init("Upload-Offset")!: "7"])
        #expect(error.status == .conflict)
        #expect(error.description == "upload.offset-mismatch: 续传位置应为 7 / resume from offset 7")
    }
}

/// Errors through the hub's and a node's own routes, in-process: the status, the content type and the exact bytes of
/// the body, as they were before handlers threw `APIError` instead of returning the response.
@Suite(.serialized) struct ErrorRoutesTests {
    static let adminToken = "admin-token-error-routes"
    static let apiKey = "business-key-error-routes"
    static let police = "330106000101"

    static func hub(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        try await InProcessServices.hub(
            InProcessServices.hubConfiguration(in: directory, nodes: [(Self.police, "police-token")], adminToken: Self.adminToken)
        )
    }

    /// A node whose hub is not there: these answers need none.
    static func node(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        try await InProcessServices.node(InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey))
    }

    static func expect(
        _ response: TestResponse,
        _ status: HTTPResponse.Status,
        _ body: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        #expect(String(decoding: response.body.readableBytesView, as: UTF8.self) == body, sourceLocation: sourceLocation)
    }

    @Test func hubErrors() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            Self.expect(
                try await client.execute(uri: "/v1/packages/no-such-package", method: .get),
                .unauthorized,
                #"{"error":"auth.required","message":{"en":"a valid node token is required","zh":"需要有效的节点令牌"}}"#
            )
            Self.expect(
                try await client.execute(
                    uri: "/v1/packages/no-such-package",
                    method: .get,
                    headers: [.authorization: "Bearer \(Self.adminToken)"]
                ),
                .notFound,
                #"{"error":"package.not-found","message":{"en":"the hub has no such package","zh":"中心平台没有该数据包"}}"#
            )
            Self.expect(
                try await client.execute(
                    uri: "/v1/supervision/custody?days=999",
                    method: .get,
                    headers: [.authorization: "Bearer \(Self.adminToken)"]
                ),
                .badRequest,
                #"{"error":"query.invalid","message":{"en":"the query parameter days is invalid: '999'; expected 0…366","zh":"查询参数 days 无效：“999”，应为 0…366"}}"#
            )
            // HEAD answers without a body, as before.
            let head = try await client.execute(uri: "/v1/blobs/\(String(repeating: "0", count: 64))", method: .head)
            #expect(head.status == .unauthorized && head.body.readableBytes == 0)
        }
    }

    @Test func nodeErrors() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            Self.expect(
                try await client.execute(uri: "/api/v1/inbox", method: .get),
                .unauthorized,
                #"{"error":"auth.required","message":{"en":"a valid API key is required","zh":"需要有效的接口密钥"}}"#
            )
            let key: HTTPFields = [.authorization: "Bearer \(Self.apiKey)"]
            Self.expect(
                try await client.execute(uri: "/api/v1/packages/no-such-package", method: .get, headers: key),
                .notFound,
                #"{"error":"package.not-found","message":{"en":"no such package","zh":"没有该数据包"}}"#
            )
            // An upload resumed at the wrong offset: 409 with the offset to resume from in `Upload-Offset`.
            let created = try await client.execute(
                uri: "/api/v1/uploads",
                method: .post,
                headers: key,
                body: ByteBuffer(string: #"{"sha256": "\#(String(repeating: "ab", count: 32))", "size": 10}"#)
            )
            #expect(created.status == .created)
            let location = try #require(created.headers[.location])
            var patch = key
            patch[.init("Upload-Offset")!] = "5"
            let mismatch = try await client.execute(uri: location, method: .patch, headers: patch, body: ByteBuffer(string: "12345"))
            Self.expect(mismatch, .conflict, #"{"error":"upload.offset-mismatch","message":{"en":"resume from offset 0","zh":"续传位置应为 0"}}"#)
            #expect(mismatch.headers[.init("Upload-Offset")!] == "0")
        }
    }
}
