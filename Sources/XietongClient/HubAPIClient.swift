public import AsyncHTTPClient
public import NIOCore
import NIOHTTP1

/// A client of the hub's API for people and tools (docs/protocol.md): the demo, `xietong track`/`case` and
/// `xietong audit` call the hub through it, with a node's token or the administrator's. (A node's own calls, with
/// its retries and its link state, are `HubClient`'s.) Each method returns the hub's `Reply`, for the caller to judge.
public struct HubAPIClient: APIClient {
    public let transport: APITransport

    /// `token` is a node's token or the administrator's or a supervisor's; nil sends none (the hub then answers 401).
    public init(
        baseURL: String,
        token: String?,
        client: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(60),
        bodyLimit: Int = 256 << 20
    ) {
        self.transport = APITransport(baseURL: baseURL, bearer: token, client: client, timeout: timeout, bodyLimit: bodyLimit)
    }

    /// `GET /v1/packages/{packageId}`: a package's hops as the hub knows them, or 404.
    public func packageStatus(_ packageId: String) async throws -> Reply {
        try await self.request(.GET, "/v1/packages/\(packageId)")
    }

    /// `GET /v1/cases/{code}/timeline`: the case's `CaseTimeline`.
    public func timeline(ofCase code: String) async throws -> Reply {
        try await self.request(.GET, "/v1/cases/\(code)/timeline")
    }

    /// `GET /v1/evidence/tree-heads`: the evidence log's signed tree heads.
    public func treeHeads() async throws -> Reply { try await self.request(.GET, "/v1/evidence/tree-heads") }

    /// `GET /v1/evidence/leaves`: `count` of the evidence log's leaves from index `from`.
    public func evidenceLeaves(from: Int, count: Int) async throws -> Reply {
        try await self.request(.GET, "/v1/evidence/leaves?from=\(from)&count=\(count)")
    }
}
