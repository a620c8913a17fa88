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
        #expect(codes.count == 61)
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

/// The node and the hub follow their published contracts (docs/openapi.yaml, docs/openapi-hub.yaml) where a fuzzer
/// found them apart (issue 22, item 6): every answer JSON with its code, methods and media types refused by status,
/// query parameters read strictly.
@Suite struct ContractRoutesTests {
    static let key: HTTPFields = [.authorization: "Bearer \(ErrorRoutesTests.apiKey)"]

    static func code(_ response: TestResponse) -> String? {
        struct Body: Decodable { let error: String }
        return try? JSONDecoder().decode(Body.self, from: Data(response.body.readableBytesView)).error
    }

    static func expect(_ response: TestResponse, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        #expect(Self.code(response) == code, sourceLocation: sourceLocation)
    }

    @Test func theNodeAnswersOffTheContractWithTheDeclaredStatusAndCode() async throws {
        let directory = try TemporaryDirectory()
        try await ErrorRoutesTests.node(directory).test(.router) { client in
            let key = Self.key
            // A method the path does not have, and a path no route has.
            let trace = try await client.execute(uri: "/api/v1/inbox", method: .init("TRACE")!, headers: key)
            Self.expect(trace, .methodNotAllowed, "method.not-allowed")
            #expect(trace.headers[.allow] == "GET")
            Self.expect(try await client.execute(uri: "/nowhere", method: .get), .notFound, "route.not-found")
            // A package in a media type the operation does not take.
            for type in ["text/plain", "application/json"] {
                var headers = key
                headers[.contentType] = type
                let response = try await client.execute(uri: "/api/v1/packages", method: .post, headers: headers, body: ByteBuffer(string: "<x/>"))
                Self.expect(response, .unsupportedMediaType, "content-type.unsupported")
            }
            var multipart = key
            multipart[.contentType] = "multipart/form-data"
            Self.expect(
                try await client.execute(uri: "/api/v1/packages", method: .post, headers: multipart, body: ByteBuffer(string: "x")),
                .badRequest,
                "multipart.invalid"
            )
            // Query parameters outside their values.
            for uri in [
                "/api/v1/counters?format=xml", "/api/v1/inbox?undelivered=AAA", "/api/v1/inbox?limit=0", "/api/v1/inbox?after=abc",
                "/api/v1/packages?case=abc",
            ] {
                Self.expect(try await client.execute(uri: uri, method: .get, headers: key), .badRequest, "query.invalid")
            }
            #expect(try await client.execute(uri: "/api/v1/inbox?undelivered=true&limit=5", method: .get, headers: key).status == .ok)
            // An upload that does not exist, and a PATCH that does not say where it resumes.
            Self.expect(try await client.execute(uri: "/api/v1/uploads/nope", method: .get, headers: key), .notFound, "upload.not-found")
            Self.expect(
                try await client.execute(uri: "/api/v1/uploads/nope", method: .patch, headers: key, body: ByteBuffer(string: "x")),
                .badRequest,
                "upload.invalid"
            )
            // A return without a reason, blank lines included, is refused before the package is looked up.
            for reason in [#"{"reason": ""}"#, #"{"reason": "\n\u3000"}"#] {
                Self.expect(
                    try await client.execute(uri: "/api/v1/inbox/x/return", method: .post, headers: key, body: ByteBuffer(string: reason)),
                    .badRequest,
                    "return.reason-required"
                )
            }
            // A JSON body over its route's limit.
            Self.expect(
                try await client.execute(uri: "/api/v1/uploads", method: .post, headers: key, body: ByteBuffer(repeating: 0x20, count: 65 << 10)),
                .contentTooLarge,
                "request.too-large"
            )
            // A file over 64 MiB in one request.
            let tooLarge = try await client.execute(
                uri: "/api/v1/attachments",
                method: .post,
                headers: key,
                body: ByteBuffer(repeating: 0, count: (64 << 20) + 1)
            )
            Self.expect(tooLarge, .contentTooLarge, "store.too-large")
            // The events without the upgrade: 426, naming the upgrade; without a key, 401 first.
            let plain = try await client.execute(uri: "/api/v1/events", method: .get, headers: key)
            Self.expect(plain, .upgradeRequired, "events.upgrade-required")
            #expect(plain.headers[.upgrade] == "websocket")
            Self.expect(try await client.execute(uri: "/api/v1/events", method: .get), .unauthorized, "auth.required")
        }
    }

    @Test func theHubAnswersOffTheContractWithTheDeclaredStatusAndCode() async throws {
        let directory = try TemporaryDirectory()
        try await ErrorRoutesTests.hub(directory).test(.router) { client in
            let node: HTTPFields = [.authorization: "Bearer police-token"]
            let admin: HTTPFields = [.authorization: "Bearer \(ErrorRoutesTests.adminToken)"]
            // The batch route takes POST only; the literal path wins over /v1/packages/{id}.
            let batch = try await client.execute(uri: "/v1/packages/batch", method: .get, headers: node)
            Self.expect(batch, .methodNotAllowed, "method.not-allowed")
            #expect(batch.headers[.allow] == "POST")
            // The evidence and the content of a package the hub does not hold: 404 for everyone, as its status.
            for headers in [node, admin] {
                Self.expect(
                    try await client.execute(uri: "/v1/evidence/packages/nope", method: .get, headers: headers),
                    .notFound,
                    "package.not-found"
                )
            }
            Self.expect(try await client.execute(uri: "/v1/packages/nope/content", method: .get, headers: node), .notFound, "package.not-found")
            for uri in ["/v1/feed?after=x", "/v1/feed?wait=soon", "/v1/admin/refusals?format=xml", "/v1/admin/access-log?limit=many"] {
                let headers = uri.hasPrefix("/v1/feed") ? node : admin
                Self.expect(try await client.execute(uri: uri, method: .get, headers: headers), .badRequest, "query.invalid")
            }
            // A JSON body over its route's limit.
            Self.expect(
                try await client.execute(uri: "/v1/feed/ack", method: .post, headers: node, body: ByteBuffer(repeating: 0x20, count: 8 << 10)),
                .contentTooLarge,
                "request.too-large"
            )
        }
    }
}
