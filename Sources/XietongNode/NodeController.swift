import Foundation
import Hummingbird
import Logging
import NIOCore
import XietongCore
import XietongHTTP
import XietongStore

/// The node's interface for business systems (ZJ-7.1.3.2, ZJ-7.2.1, ZJ-7.2.3; docs/openapi.yaml).
struct NodeController: Sendable {
    let engine: NodeEngine
    let uploads: Uploads

    init(engine: NodeEngine) {
        self.engine = engine
        self.uploads = Uploads(store: engine.store, blobs: engine.blobs, inProgress: engine.uploads)
    }

    static let maxPackageBytes = 32 << 20
    static let notFound = APIError(.packageNotFound, zh: "没有该数据包", en: "no such package")

    /// Logs a read of case data by the business system calling (issue 6).
    func logRead(_ context: PeerRequestContext, _ action: String, _ subject: String) async throws {
        let who = context.caller.token ?? Principal(name: "anonymous", role: .businessSystem)
        try await self.engine.store.accessLog.record(who, action: action, subject: subject)
    }

    func addRoutes(to router: Router<PeerRequestContext>) {
        // Every route of the API is for business systems, by their key.
        let api = router.group("/api/v1").add(middleware: NodeAccess.identify(self.engine.configuration.credentials))
            .add(middleware: NodeAccess.businessSystems)
        api.post("/packages") { request, _ in
            // The package's trace starts here, continuing the business system's `traceparent` if it sent one (issue 22).
            let span = self.engine.tracing.start("POST /api/v1/packages", serving: request)
            do {
                let response = try await self.sendPackage(request, trace: span)
                span?.set("http.response.status_code", String(response.status.code))
                span.end()
                return response
            } catch {
                span.end(error: error)
                throw error
            }
        }
        // The events are a WebSocket (NodeApplication): a request with a valid key that does not ask for the upgrade.
        api.get("/events") { _, _ -> Response in
            throw APIError(
                .eventsUpgradeRequired,
                zh: "该接口为 WebSocket，请以 WebSocket 连接（RFC 6455）",
                en: "this is a WebSocket: connect with an upgrade request (RFC 6455)",
                headers: [.upgrade: "websocket"]
            )
        }
        api.get("/packages/:id") { _, context in try await self.packageStatus(context) }
        api.get("/packages") { request, context in try await self.query(request, context) }
        api.get("/cases/:code/timeline") { _, context in
            try await self.logRead(context, "case.timeline", context.parameters.get("code") ?? "")
            return try await self.timeline(context)
        }
        // Similar cases and sentencing reference (issue 26, SZ-6, GS-6), answered by the hub for the cases this
        // organisation took part in.
        api.get("/cases/:code/similar") { request, context in
            let code = context.parameters.get("code") ?? ""
            try await self.logRead(context, "case.similar", code)
            let limit = request.uri.queryParameters.get("limit")
            return try await Self.relay(contentType: "application/json; charset=utf-8") { () async throws(HubClient.Failure) in
                try await self.engine.hub.similarCases(ofCase: code, limit: limit)
            }
        }
        api.get("/evidence") { _, _ in try await self.evidence() }
        // Each time the node found the hub restored from an older copy, and what it sent again or still waits for (issue 19).
        api.get("/hub-restores") { _, _ in HTTPJSON.response(try await self.engine.store.hubRestores()) }
        api.get("/packages/:id/evidence") { _, context in
            try await self.logRead(context, "package.evidence", context.parameters.get("id") ?? "")
            return try await self.packageEvidence(context)
        }
        api.get("/counters") { request, _ in try await self.counters(request) }
        // Case filing reports to the committee (issue 26, GUI-2), passed on to the hub, which checks and keeps them.
        api.get("/filing-reports/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            try await self.logRead(context, "report.read", id)
            return try await Self.relay(contentType: "application/json; charset=utf-8") { () async throws(HubClient.Failure) in
                try await self.engine.hub.filingReport(id)
            }
        }
        api.get("/reminders") { _, _ in HTTPJSON.response(try await self.engine.store.reminders()) }
        // Remote arraignment rooms and bookings (issue 26, GUI-2), passed on to the hub, which checks and keeps them;
        // the changes come back through the feed, kept here.
        let arraignment: @Sendable (Request, PeerRequestContext) async throws -> Response = { request, context in
            let path = String(request.uri.path.dropFirst("/api/v1/arraignment/".count)) + (request.uri.query.map { "?" + $0 } ?? "")
            let body = request.method == .get ? nil : Array(try await request.body.collect(upTo: 64 << 10).readableBytesView)
            try await self.logRead(context, "arraignment.\(request.method.rawValue.lowercased())", path)
            return try await Self.relay(contentType: "application/json; charset=utf-8") { () async throws(HubClient.Failure) in
                try await self.engine.hub.arraignment(path, put: request.method == .put, body: body)
            }
        }
        api.put("/arraignment/rooms", use: arraignment)
        api.get("/arraignment/rooms", use: arraignment)
        api.get("/arraignment/bookings", use: arraignment)
        api.get("/arraignment/bookings/:id", use: arraignment)
        api.get("/arraignment/bookings/:id/evidence", use: arraignment)
        api.post("/arraignment/bookings/:id/:action", use: arraignment)
        self.addDocumentRoutes(to: api)
        // Online file reading (issue 26): grants by the business system, the reader's pages outside the API.
        NodeReading(engine: self.engine).addRoutes(api: api, router: router)
        api.get("/arraignment/notices") { request, _ in
            let booking = request.uri.queryParameters.get("booking").map { String($0) }
            return HTTPJSON.response(try await self.engine.store.bookingNotices(booking: booking))
        }
        api.get("/exchange-database") { _, _ in try await self.exchangeDatabase() }
        // New work is refused below the free-space reserve (507 store.disk-full); reads and accepted work go on.
        let reserve = self.engine.reserve
        api.post("/attachments") { request, _ in
            try reserve.check()
            return try await self.uploadWhole(request)
        }
        api.post("/uploads") { request, _ in
            try reserve.check()
            return try await self.createUpload(request)
        }
        api.head("/uploads/:id") { _, context in try await self.uploadOffset(context) }
        api.get("/uploads/:id") { _, context in try await self.uploadOffset(context) }
        api.patch("/uploads/:id") { request, context in
            try reserve.check()
            return try await self.appendUpload(request, context)
        }
        api.get("/inbox") { request, _ in try await self.inbox(request) }
        api.get("/inbox/:id") { _, context in
            try await self.logRead(context, "package.content", context.parameters.get("id") ?? "")
            return try await self.inboxContent(context)
        }
        // A file, whole or the byte range asked for (issue 24: a player seeks in a recording), and its headers alone.
        let attachment: @Sendable (Request, PeerRequestContext) async throws -> Response = { request, context in
            try await self.logRead(context, "package.attachment", "\(context.parameters.get("id") ?? "")/\(context.parameters.get("sha256") ?? "")")
            return try await self.attachment(request, context)
        }
        api.get("/inbox/:id/attachments/:sha256", use: attachment)
        api.head("/inbox/:id/attachments/:sha256", use: attachment)
        api.post("/inbox/:id/ack") { _, context in try await self.acknowledge(context) }
        api.post("/inbox/:id/sign") { request, context in try await self.receiverAction(request, context, .signedFor) }
        api.post("/inbox/:id/return") { request, context in try await self.receiverAction(request, context, .returned) }
        api.post("/subscriptions") { request, _ in try await self.subscribe(request) }
        api.post("/arraignment/bookings") { request, context in
            try reserve.check()
            return try await arraignment(request, context)
        }
        api.post("/filing-reports") { request, context in
            let body = try await request.body.collect(upTo: 64 << 10)
            struct Named: Decodable { let reportId: String? }
            // Who filed which report, in the node's access log; the hub checks the report.
            let named = try? JSONDecoder().decode(Named.self, from: Data(body.readableBytesView))
            try await self.logRead(context, "report.file", named?.reportId ?? "")
            return try await Self.relay(contentType: "application/json; charset=utf-8") { () async throws(HubClient.Failure) in
                try await self.engine.hub.fileReport(Array(body.readableBytesView))
            }
        }
    }

    // MARK: Sending

    /// The media types a package is sent as (docs/openapi.yaml); a request without `Content-Type` is read as XML, as
    /// business systems and `NodeAPIClient` have sent packages so far.
    static let xmlMediaTypes: Set<String> = ["application/xml", "text/xml"]

    func sendPackage(_ request: Request, trace: PackageSpan? = nil) async throws -> Response {
        if let contentType = request.headers[.contentType] {
            let mediaType = MultipartForm.mediaType(contentType)
            if mediaType == "multipart/form-data" {
                guard let boundary = MultipartForm.boundary(contentType) else {
                    throw APIError(
                        .multipartInvalid,
                        zh: "multipart 请求缺少 boundary 参数",
                        en: "a multipart request needs its boundary parameter"
                    )
                }
                return try await self.sendMultipart(request, boundary: boundary, trace: trace)
            }
            guard Self.xmlMediaTypes.contains(mediaType) else {
                throw APIError(
                    .contentTypeUnsupported,
                    zh: "不支持的内容类型“\(mediaType)”：数据包应以 application/xml、text/xml 或 multipart/form-data 发送",
                    en: "the content type '\(mediaType)' is not taken: send a package as application/xml, text/xml or multipart/form-data"
                )
            }
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxPackageBytes)
        } catch {
            throw APIError(
                .packageTooLarge,
                zh: "数据包超过 32 MiB；附件请先上传",
                en: "the package exceeds 32 MiB; upload attachments first"
            )
        }
        return try await self.respond(to: Array(body.readableBytesView), trace: trace)
    }

    /// One request carrying the package (part `package`) and its files (any other parts).
    func sendMultipart(_ request: Request, boundary: String, trace: PackageSpan? = nil) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Uploads.maxSingleUploadBytes)
        } catch {
            throw APIError(
                .packageTooLarge,
                zh: "单次请求超过 64 MiB；大文件请使用可续传上传",
                en: "a single request is limited to 64 MiB; use resumable uploads for large files"
            )
        }
        let parts: [MultipartForm.Part]
        do {
            parts = try MultipartForm.parse(Array(body.readableBytesView), boundary: boundary)
        } catch {
            throw APIError(.multipartInvalid, zh: "multipart 请求格式错误：\(error)", en: "malformed multipart request: \(error)")
        }
        guard let package = parts.first(where: { $0.name == "package" }) else {
            throw APIError(.multipartNoPackage, zh: "缺少名为 package 的部分", en: "the part named 'package' is missing")
        }
        for part in parts where part.name != "package" {
            _ = try await self.engine.blobs.write(part.body)
        }
        return try await self.respond(to: package.body, trace: trace)
    }

    func respond(to bytes: [UInt8], trace: PackageSpan? = nil) async throws -> Response {
        switch try await self.engine.send(bytes, trace: trace) {
        case .accepted(let receipt, let repeated):
            return HTTPJSON.response(receipt, status: repeated ? .ok : .accepted)
        case .refused(let receipt):
            return HTTPJSON.response(receipt, status: .unprocessableContent)
        }
    }

    struct StatusView: Codable {
        var packageId: String
        var direction: String
        var events: [PackageEvent]
        var hubReceipt: Receipt?
    }

    func packageStatus(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let events = try await self.engine.store.events(of: packageId)
        guard !events.isEmpty else { throw Self.notFound }
        let incoming = try await self.engine.store.hasInbox(packageId)
        return HTTPJSON.response(
            StatusView(
                packageId: packageId,
                direction: incoming ? "incoming" : "outgoing",
                events: events,
                hubReceipt: incoming ? nil : try await self.engine.store.hubReceipt(of: packageId)
            )
        )
    }

    /// A case's timeline, from the hub (which knows every agency's steps), for the organisations that took part.
    func timeline(_ context: PeerRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        return try await Self.relay(contentType: "application/json; charset=utf-8") { () async throws(HubClient.Failure) in
            try await self.engine.hub.timeline(ofCase: code)
        }
    }

    /// This agency's red counters per business (GS-3): unread, due soon, overdue; `?format=csv` for a spreadsheet.
    func counters(_ request: Request) async throws -> Response {
        let csv = try Query.wantsCSV(request)
        return try await Self.relay(contentType: csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8") {
            () async throws(HubClient.Failure) in
            try await self.engine.hub.counters(csv: csv)
        }
    }

    /// The hub's answer passed on as it came, or a clear 502 when the hub cannot be reached.
    static func relay(
        contentType: String,
        _ call: () async throws(HubClient.Failure) -> (status: Int, body: [UInt8])
    ) async throws -> Response {
        do {
            let (status, body) = try await call()
            return Response(status: .init(code: status), headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        } catch {
            throw APIError(.hubUnreachable, zh: "无法连接平台中心", en: "the hub cannot be reached: \(error.message)")
        }
    }

    func query(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard let caseCode = request.uri.queryParameters.get("case") else {
            throw APIError(.queryCaseRequired, zh: "请提供案件统一赋码 case", en: "give the unified case code as ?case=")
        }
        guard caseCode.utf8.count == 32, caseCode.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw APIError.badQuery("case", String(caseCode), expected: "a unified case code of 32 digits")
        }
        try await self.logRead(context, "case.packages", String(caseCode))
        return HTTPJSON.response(try await self.engine.store.inbox(caseCode: caseCode, limit: 1000))
    }
}
