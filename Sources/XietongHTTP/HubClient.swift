public import AsyncHTTPClient
import Foundation
public import NIOCore
public import NIOHTTP1
public import XietongCore
public import XietongStore

/// The node's side of the hub protocol: send packages and attachments, read the feed, fetch what arrives, report
/// hops; also a hub's side of a link to a peer hub, which reads the peer's link feed the same way (issue 23). Every
/// call is safe to repeat.
public struct HubClient: Sendable {
    public let baseURL: String
    let token: String
    let client: HTTPClient
    /// Whether the hub answers: every request reports to it (issue 19, item 6).
    public let link: HubLink
    /// What a probe's own client is made with (the node's TLS identity, when it has one).
    let probeConfiguration: HTTPClient.Configuration

    public init(
        baseURL: String,
        token: String,
        client: HTTPClient = .shared,
        link: HubLink,
        probeConfiguration: HTTPClient.Configuration = .xietong()
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.client = client
        self.link = link
        self.probeConfiguration = probeConfiguration
    }

    /// A failure worth retrying (network, 5xx), or a definitive answer from the hub.
    public struct Failure: Error, CustomStringConvertible {
        public var status: Int?
        public var message: String
        public var isPermanent: Bool { if let status { return (400..<500).contains(status) && status != 408 && status != 429 } else { return false } }
        public var description: String { self.status.map { "HTTP \($0): \(self.message)" } ?? self.message }

        public init(status: Int?, message: String) {
            self.status = status
            self.message = message
        }
    }

    public func request(_ path: String, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: BearerToken.header(self.token))
        return request
    }

    public func send(
        _ request: HTTPClientRequest,
        timeout: TimeAmount = .seconds(60),
        maxBody: Int = 64 << 20
    ) async throws(Failure) -> (status: Int, body: [UInt8]) {
        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(request, timeout: timeout)
        } catch {
            // A request cancelled here (the service stopping) says nothing of the hub.
            if !Task.isCancelled { await self.link.failed() }
            throw Failure(status: nil, message: "\(error)")
        }
        await self.link.answered()
        do {
            let body = try await response.body.collect(upTo: maxBody)
            return (Int(response.status.code), Array(body.readableBytesView))
        } catch {
            throw Failure(status: nil, message: "\(error)")
        }
    }

    /// Asks the hub whether it is up (its `/healthz`), for `HubWatch`; an answer marks `link` up. The probe has a
    /// client of its own, made for it: the shared client's connection pool backs off after failed connections
    /// (100 ms · 1.25ⁿ, up to a minute), so after 20 s of outage a request through it waited 9–26 s for its first
    /// attempt even with the hub back.
    /// Returns why the hub did not answer (a refused connection, a certificate it refused), or nil when it did.
    @discardableResult
    public func probe() async -> String? {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: self.probeConfiguration)
        var failure: String?
        do {
            let response = try await client.execute(self.request("/healthz", method: .GET), timeout: .seconds(2))
            _ = try? await response.body.collect(upTo: 4096)
            await self.link.answered()
        } catch {
            failure = "\(error)"
        }
        try? await client.shutdown()
        return failure
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        JSONReader.decode(type, from: bytes)
    }

    /// Sends a lane's packages in one request; the hub answers with one receipt each, in order, signed by the key
    /// of `certificate` when the platform PKI is in use.
    /// `replays`: per package, the hub's receipt for it from before a restore of the hub that lost it (issue 19);
    /// nil when none is sent again.
    public func send(
        packages contents: [[UInt8]],
        signatures: [PackageSignature]? = nil,
        replays: [Receipt?]? = nil,
        traceparents: [String?]? = nil
    ) async throws(Failure) -> (receipts: [Receipt], certificate: String?) {
        struct Batch: Encodable, CanonicalJSONWritable {
            var packages: [String]
            var signatures: [PackageSignature]?
            var replays: [Receipt?]?
            /// Per package, its trace's context (issue 22), while tracing is on.
            var traceparents: [String?]?
            /// This node records the hub's hops from the receipts (`NodeStore.settle`).
            var hopsInReceipt = true

            func write(to writer: inout CanonicalJSONWriter) {
                writer.object {
                    $0.field("hopsInReceipt", self.hopsInReceipt)
                    $0.field("packages", self.packages)
                    $0.field("replays", self.replays)
                    $0.field("signatures", self.signatures)
                    $0.field("traceparents", self.traceparents)
                }
            }
        }
        struct Receipts: JSONReadable {
            var receipts: [Receipt]
            var certificate: String?

            init(json reader: inout JSONReader) throws(JSONReader.Failure) {
                var receipts: [Receipt]?
                var certificate: String?
                try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                    switch key {
                    case "receipts": receipts = try reader.read([Receipt].self)
                    case "certificate": certificate = try reader.readOptionalString()
                    default: try reader.skipValue()
                    }
                }
                self.receipts = try reader.required(receipts, "receipts")
                self.certificate = certificate
            }
        }
        var request = self.request("/v1/packages/batch", method: .POST)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(
                bytes: CanonicalJSON.bytes(
                    Batch(
                        packages: contents.map { Data($0).base64EncodedString() },
                        signatures: signatures,
                        replays: replays,
                        traceparents: traceparents
                    )
                )
            )
        )
        let (status, body) = try await self.send(request)
        guard status == 200, let receipts = Self.decode(Receipts.self, body), receipts.receipts.count == contents.count else {
            throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self))
        }
        return (receipts.receipts, receipts.certificate)
    }

    /// Makes sure the hub has a blob, streaming it from the node's store if not.
    public func ensureBlob(_ sha256: String, size: Int, from blobs: BlobStore) async throws(Failure) {
        let head = try await self.send(self.request("/v1/blobs/\(sha256)", method: .HEAD), timeout: .seconds(30))
        if head.status == 200 { return }
        var request = self.request("/v1/blobs/\(sha256)", method: .PUT)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(blobs.chunks(sha256), length: .known(Int64(size)))
        let (status, body) = try await self.send(request, timeout: .minutes(30))
        guard status == 200 || status == 201 else { throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self)) }
    }

    /// A page of this node's feed, or the hub's answer that it does not hold the entry at the cursor (issue 19).
    public enum FeedPage: Sendable {
        case entries([FeedEntry])
        /// The hub runs that wrote the feed the hub holds: it was restored from an older copy.
        case diverged([FeedRun])
    }

    /// Entries of this node's feed after `seq`, waiting up to `wait` seconds for new ones. `boots`: the hub runs that
    /// may have written the entry at `seq`, as the node read it; the hub answers `diverged` when it holds no such entry.
    public func feed(after seq: Int, boots: [String] = [], wait: Double, limit: Int = 200) async throws(Failure) -> FeedPage {
        struct Page: JSONReadable {
            var entries: [FeedEntry]

            init(json reader: inout JSONReader) throws(JSONReader.Failure) {
                self.entries = try reader.readObject(field: "entries", as: [FeedEntry].self)
            }
        }
        struct Diverged: Decodable {
            var error: String
            var runs: [FeedRun]
        }
        var path = "/v1/feed?after=\(seq)&limit=\(limit)&wait=\(wait)"
        if !boots.isEmpty { path += "&boots=" + boots.joined(separator: ",") }
        let (status, body) = try await self.send(self.request(path, method: .GET), timeout: .seconds(Int64(wait) + 30))
        if status == 409, let diverged = try? JSONDecoder().decode(Diverged.self, from: Data(body)), diverged.error == "feed.diverged" {
            return .diverged(diverged.runs)
        }
        guard status == 200, let page = Self.decode(Page.self, body) else {
            throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self))
        }
        return .entries(page.entries)
    }

    /// Which of these packages (up to 1,000, sent or received by this node) the hub does not hold (issue 19).
    public func missing(_ packageIds: [String]) async throws(Failure) -> [String] {
        struct Asked: Encodable { var packageIds: [String] }
        struct Answer: Decodable { var missing: [String] }
        guard !packageIds.isEmpty else { return [] }
        var request = self.request("/v1/packages/held", method: .POST)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: (try? JSONEncoder().encode(Asked(packageIds: packageIds))) ?? Data()))
        let (status, body) = try await self.send(request)
        guard status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
            throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self))
        }
        return answer.missing
    }

    /// The package's original bytes.
    public func content(of packageId: String) async throws(Failure) -> [UInt8] {
        let (status, body) = try await self.send(self.request("/v1/packages/\(packageId)/content", method: .GET))
        guard status == 200 else { throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self)) }
        return body
    }

    /// Downloads a blob into the node's store, verifying its hash as it streams.
    public func download(_ sha256: String, into blobs: BlobStore) async throws(Failure) {
        if blobs.size(sha256) != nil { return }
        do {
            let response = try await self.client.execute(self.request("/v1/blobs/\(sha256)", method: .GET), timeout: .minutes(30))
            guard response.status == .ok else {
                _ = try? await response.body.collect(upTo: 1 << 20)
                throw Failure(status: Int(response.status.code), message: "the hub does not have the attachment \(sha256)")
            }
            _ = try await blobs.write(response.body, expectedSHA256: sha256)
        } catch let failure as Failure {
            throw failure
        } catch let error as StoreError where error.code == .hashMismatch {
            throw Failure(status: 422, message: error.message.en)
        } catch {
            throw Failure(status: nil, message: "\(error)")
        }
    }

    /// Reports a batch of hops in one request; returns each one's outcome (`recorded`, `unknownPackage`,
    /// `notAParty`, `invalid`), in order.
    public func report(_ events: [PackageEvent]) async throws(Failure) -> [String] {
        struct Outcomes: JSONReadable {
            var outcomes: [String]

            init(json reader: inout JSONReader) throws(JSONReader.Failure) {
                self.outcomes = try reader.readObject(field: "outcomes", as: [String].self)
            }
        }
        var request = self.request("/v1/events", method: .POST)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.bytes(events)))
        let (status, body) = try await self.send(request)
        guard status == 200, let outcomes = Self.decode(Outcomes.self, body), outcomes.outcomes.count == events.count else {
            throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self))
        }
        return outcomes.outcomes
    }

    /// The hub's status record of a package, as JSON.
    /// A case's timeline from the hub, as the hub sent it (status and JSON body).
    public func timeline(ofCase code: String) async throws(Failure) -> (status: Int, body: [UInt8]) {
        let escaped = code.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? code
        return try await self.send(self.request("/v1/cases/\(escaped)/timeline", method: .GET), timeout: .seconds(10))
    }

    /// The earlier judgments similar to a case the organisation took part in (issue 26, SZ-6, GS-6), `limit` as the
    /// business system gave it (the hub checks it); the hub's answer as it came.
    public func similarCases(ofCase code: String, limit: String?) async throws(Failure) -> (status: Int, body: [UInt8]) {
        let escaped = code.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? code
        let query = limit.map { "?limit=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        return try await self.send(self.request("/v1/cases/\(escaped)/similar\(query)", method: .GET), timeout: .seconds(10))
    }

    /// Files a case filing report with the hub (issue 26): the business system's JSON passed on; the hub's answer as it came.
    public func fileReport(_ body: [UInt8]) async throws(Failure) -> (status: Int, body: [UInt8]) {
        var request = self.request("/v1/filing-reports", method: .POST)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        return try await self.send(request, timeout: .seconds(10))
    }

    /// A call of the hub's remote arraignment service (issue 26): `path` under `/v1/arraignment/`, with its query, and
    /// the business system's JSON passed on (with PUT or POST); the hub's answer as it came.
    public func arraignment(_ path: String, put: Bool = false, body: [UInt8]?) async throws(Failure) -> (status: Int, body: [UInt8]) {
        var request = self.request("/v1/arraignment/" + path, method: body == nil ? .GET : put ? .PUT : .POST)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        return try await self.send(request, timeout: .seconds(10))
    }

    /// One of this organisation's filing reports, as the hub holds it (its status).
    public func filingReport(_ reportId: String) async throws(Failure) -> (status: Int, body: [UInt8]) {
        let escaped = reportId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? reportId
        return try await self.send(self.request("/v1/filing-reports/\(escaped)", method: .GET), timeout: .seconds(10))
    }

    /// This organisation's red counters from the hub, as the hub sent them.
    public func counters(csv: Bool) async throws(Failure) -> (status: Int, body: [UInt8]) {
        try await self.send(self.request("/v1/counters" + (csv ? "?format=csv" : ""), method: .GET), timeout: .seconds(10))
    }

    /// The proof that the hub's log of `first` leaves is a prefix of its log of `second` leaves.
    public func consistencyProof(from first: Int, to second: Int) async throws(Failure) -> [[UInt8]] {
        struct View: Decodable { var proof: [String] }
        let (status, body) = try await self.send(
            self.request("/v1/evidence/consistency?first=\(first)&second=\(second)", method: .GET),
            timeout: .seconds(10)
        )
        guard status == 200, let view = Self.decode(View.self, body) else {
            throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self))
        }
        return view.proof.compactMap(Hex.bytes)
    }

    /// The hub's newest signed head that at least `witnesses` witnesses countersigned, with their countersignatures;
    /// nil while none has been (issue 23).
    public func cosignedTreeHead(witnesses: Int = 1) async throws(Failure) -> Evidence.TreeHead? {
        let (status, body) = try await self.send(
            self.request("/v1/evidence/tree-head?cosigned=true&witnesses=\(witnesses)", method: .GET),
            timeout: .seconds(10)
        )
        if status == 404 { return nil }
        guard status == 200, let head = Self.decode(Evidence.TreeHead.self, body) else {
            throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self))
        }
        return head
    }

    /// A package's evidence receipt: its hand-overs with inclusion proofs against the hub's latest signed head.
    public func evidence(of packageId: String) async throws(Failure) -> (status: Int, body: [UInt8]) {
        try await self.send(self.request("/v1/evidence/packages/\(packageId)", method: .GET), timeout: .seconds(10))
    }

    public func status(of packageId: String) async throws(Failure) -> [UInt8] {
        let (status, body) = try await self.send(self.request("/v1/packages/\(packageId)", method: .GET), timeout: .seconds(10))
        guard status == 200 else { throw Failure(status: status, message: String(decoding: body.prefix(500), as: UTF8.self)) }
        return body
    }
}
