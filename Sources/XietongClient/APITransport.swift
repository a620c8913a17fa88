public import AsyncHTTPClient
public import NIOCore
public import NIOHTTP1
import XietongHTTP

/// The one place a request to a node's or the hub's API is built: the base URL, the bearer token, the client that
/// sends it and how long a call may take. `NodeAPIClient` and `HubAPIClient` name the paths; this sends them.
public struct APITransport: Sendable {
    /// Without a trailing slash; empty to give whole URLs as paths.
    public let baseURL: String
    /// Sent as `Authorization: Bearer …` (`BearerToken`) when set. Never printed: see `description`.
    let bearer: String?
    public let client: HTTPClient
    /// How long a call may take, unless the call says otherwise.
    public let timeout: TimeAmount
    /// The largest body a `Reply` reads.
    public let bodyLimit: Int

    public init(baseURL: String, bearer: String?, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(60), bodyLimit: Int = 64 << 20) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.bearer = bearer
        self.client = client
        self.timeout = timeout
        self.bodyLimit = bodyLimit
    }

    /// The request for `path` (appended to the base URL), with the bearer token and `headers`.
    public func makeRequest(
        _ method: HTTPMethod,
        _ path: String,
        body: HTTPClientRequest.Body? = nil,
        headers: [(String, String)] = []
    )
        -> HTTPClientRequest
    {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        if let bearer = self.bearer { request.headers.add(name: "Authorization", value: BearerToken.header(bearer)) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = body }
        return request
    }

    /// Sends a request and returns the response with its body unread: for a download the caller streams.
    public func execute(
        _ method: HTTPMethod,
        _ path: String,
        body: HTTPClientRequest.Body? = nil,
        headers: [(String, String)] = [],
        timeout: TimeAmount? = nil
    ) async throws -> HTTPClientResponse {
        try await self.client.execute(self.makeRequest(method, path, body: body, headers: headers), timeout: timeout ?? self.timeout)
    }

    /// Sends a request and reads the answer whole.
    public func request(
        _ method: HTTPMethod,
        _ path: String,
        body: HTTPClientRequest.Body? = nil,
        headers: [(String, String)] = [],
        timeout: TimeAmount? = nil
    ) async throws -> Reply {
        let response = try await self.execute(method, path, body: body, headers: headers, timeout: timeout)
        let collected = try await response.body.collect(upTo: self.bodyLimit)
        return Reply(
            status: Int(response.status.code),
            headers: response.headers.map { (name: $0.name, value: $0.value) },
            body: Array(collected.readableBytesView)
        )
    }

    /// Sends a request with `bytes` (if any) as its body and reads the answer whole.
    public func request(
        _ method: HTTPMethod,
        _ path: String,
        bytes: [UInt8]?,
        headers: [(String, String)] = [],
        timeout: TimeAmount? = nil
    ) async throws -> Reply {
        try await self.request(method, path, body: bytes.map { .bytes(ByteBuffer(bytes: $0)) }, headers: headers, timeout: timeout)
    }
}

/// A transport printed or dumped (a log line, a test's failure) shows where it goes, never its token.
extension APITransport: CustomStringConvertible, CustomReflectable {
    public var description: String { "APITransport(\(self.baseURL), token \(self.bearer == nil ? "none" : "set"))" }
    public var customMirror: Mirror { Mirror(self, children: ["baseURL": self.baseURL], displayStyle: .struct) }
}

/// A client of one of the platform's APIs over an `APITransport`: the node's (`NodeAPIClient`) or the hub's
/// (`HubAPIClient`). Both call the same way; they differ in the paths they name.
public protocol APIClient: Sendable {
    var transport: APITransport { get }
}

extension APIClient {
    public var baseURL: String { self.transport.baseURL }

    /// Any call to the API: `path` from its root (`/api/v1/…` at a node, `/v1/…` at the hub).
    public func request(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]? = nil,
        headers: [(String, String)] = [],
        timeout: TimeAmount? = nil
    ) async throws -> Reply {
        try await self.transport.request(method, path, bytes: body, headers: headers, timeout: timeout)
    }

    /// `GET /healthz`, without the token: health asks for none, and a token sent where none is needed is a token
    /// shown for nothing.
    public func health() async throws -> Reply {
        try await APITransport(baseURL: self.baseURL, bearer: nil, client: self.transport.client, timeout: self.transport.timeout)
            .request(.GET, "/healthz", bytes: nil, headers: [], timeout: nil)
    }
}
