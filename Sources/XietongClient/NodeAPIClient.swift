public import AsyncHTTPClient
import Foundation
public import NIOCore
import NIOHTTP1
public import XietongCore

/// A business system's client of its node's API (docs/openapi.yaml): the demo, the simulated business systems, the
/// benchmarks, `xietong track`/`case` and the tests all call a node through it. Each method returns the node's
/// `Reply`, for the caller to judge its status, unless the caller only wants the decoded value.
public struct NodeAPIClient: APIClient {
    public let transport: APITransport

    /// `apiKey` is the business system's key; nil sends none (the node then answers 401).
    public init(
        baseURL: String,
        apiKey: String?,
        client: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(60),
        bodyLimit: Int = 64 << 20
    ) {
        self.transport = APITransport(baseURL: baseURL, bearer: apiKey, client: client, timeout: timeout, bodyLimit: bodyLimit)
    }

    // MARK: Sending

    /// `POST /api/v1/packages`: sends a package's XML. 202 with a `Receipt` when accepted, 200 with the first
    /// receipt when sent before, 422 with the findings when refused.
    public func sendPackage(_ xml: [UInt8], headers: [(String, String)] = []) async throws -> Reply {
        // As the contract says (docs/openapi.yaml): XML, unless the caller names another type (multipart, say).
        let typed = headers.contains { $0.0.lowercased() == "content-type" } ? headers : headers + [("Content-Type", "application/xml")]
        return try await self.request(.POST, "/api/v1/packages", body: xml, headers: typed)
    }

    /// `POST /api/v1/attachments`: uploads a file in one request (201 when stored).
    public func uploadAttachment(_ file: [UInt8], headers: [(String, String)] = []) async throws -> Reply {
        try await self.request(.POST, "/api/v1/attachments", body: file, headers: headers)
    }

    // MARK: Reading

    /// `GET /api/v1/packages/{packageId}`: a package's hops (`PackageStatus`), or 404.
    public func packageStatus(_ packageId: String) async throws -> Reply {
        try await self.request(.GET, "/api/v1/packages/\(packageId)")
    }

    /// A package's hops as the node records them; none when it has no record of the package.
    public func events(of packageId: String) async throws -> [PackageEvent] {
        try await self.packageStatus(packageId).json(PackageStatus.self)?.events ?? []
    }

    /// `GET /api/v1/packages/{packageId}/evidence`: the package's evidence receipt, checked by the node.
    public func evidence(of packageId: String) async throws -> Reply {
        try await self.request(.GET, "/api/v1/packages/\(packageId)/evidence")
    }

    /// `GET /api/v1/reminders`: the time-limit reminders the hub sent this agency (`[DeadlineReminder]`).
    public func reminders() async throws -> Reply { try await self.request(.GET, "/api/v1/reminders") }

    /// `GET /api/v1/cases/{code}/timeline`: the case's `CaseTimeline`, from the hub.
    public func timeline(ofCase code: String) async throws -> Reply {
        try await self.request(.GET, "/api/v1/cases/\(code)/timeline")
    }

    // MARK: Receiving

    /// `GET` of an attachment at `path` (as a push's `Xietong-Attachments` header gives it, followed by the
    /// SHA-256), with the body unread: the caller streams it. With `headers` such as `("Range", "bytes=0-1023")`, a
    /// part of it (206, issue 24).
    public func attachment(atPath path: String, headers: [(String, String)] = [], timeout: TimeAmount? = nil) async throws -> HTTPClientResponse {
        try await self.transport.execute(.GET, path, headers: headers, timeout: timeout)
    }

    /// `GET /api/v1/inbox/{packageId}/attachments/{sha256}`, streamed; `headers` as for `attachment(atPath:)`.
    public func attachment(
        _ sha256: String,
        of packageId: String,
        headers: [(String, String)] = [],
        timeout: TimeAmount? = nil
    ) async throws -> HTTPClientResponse {
        try await self.attachment(atPath: "/api/v1/inbox/\(packageId)/attachments/\(sha256)", headers: headers, timeout: timeout)
    }

    /// `POST /api/v1/inbox/{packageId}/ack`: marks a pulled package delivered.
    public func acknowledge(_ packageId: String) async throws -> Reply {
        try await self.request(.POST, "/api/v1/inbox/\(packageId)/ack", body: [])
    }

    /// `POST /api/v1/inbox/{packageId}/sign`: signs for a package (签收).
    public func signFor(_ packageId: String) async throws -> Reply {
        try await self.request(.POST, "/api/v1/inbox/\(packageId)/sign", body: Array("{}".utf8))
    }

    /// `POST /api/v1/inbox/{packageId}/return`: returns a package with a reason (退回).
    public func returnPackage(_ packageId: String, reason: String) async throws -> Reply {
        let body = Array(try CanonicalJSON.encode(["reason": reason]))
        return try await self.request(.POST, "/api/v1/inbox/\(packageId)/return", body: body)
    }
}

/// What `GET /api/v1/packages/{packageId}` answers: the package's hops, in order.
public struct PackageStatus: Sendable, Decodable {
    public var events: [PackageEvent]
}
