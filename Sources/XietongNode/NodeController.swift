import Crypto
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

    static let maxPackageBytes = 32 << 20
    static let maxSingleUploadBytes = 64 << 20

    func authorised(_ request: Request) -> Bool { self.caller(request) != nil }

    /// Throws `auth.required` unless the request carries a valid key.
    func authorise(_ request: Request) throws {
        guard self.authorised(request) else { throw Self.unauthorised }
    }

    /// The business system calling, by its key; with no keys configured, anyone (development only).
    func caller(_ request: Request) -> Principal? {
        Self.caller(key: HTTPJSON.bearerToken(request), credentials: self.engine.configuration.credentials)
    }

    static func caller(key: String?, credentials: CredentialSet) -> Principal? {
        if credentials.credentials.isEmpty { return Principal(name: "unauthenticated", role: .businessSystem) }
        return credentials.principal(token: key)
    }

    /// Logs a read of case data by a business system (issue 6).
    func logRead(_ request: Request, _ action: String, _ subject: String) async throws {
        let who = self.caller(request) ?? Principal(name: "anonymous", role: .businessSystem)
        try await self.engine.store.accessLog.record(who, action: action, subject: subject)
    }

    static let unauthorised = APIError(.authRequired, zh: "需要有效的接口密钥", en: "a valid API key is required")
    static let notFound = APIError(.packageNotFound, zh: "没有该数据包", en: "no such package")

    func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("/healthz") { _, _ in
            HTTPJSON.response(Health(organisation: self.engine.configuration.organisation, disks: self.engine.reserve.status()))
        }
        let api = router.group("/api/v1")
        api.post("/packages") { request, _ in
            try self.authorise(request)
            return try await self.sendPackage(request)
        }
        api.get("/packages/:id") { request, context in
            try self.authorise(request)
            return try await self.packageStatus(context)
        }
        api.get("/packages") { request, _ in
            try self.authorise(request)
            try await self.logRead(request, "case.packages", request.uri.queryParameters.get("case") ?? "")
            return try await self.query(request)
        }
        api.get("/cases/:code/timeline") { request, context in
            try self.authorise(request)
            try await self.logRead(request, "case.timeline", context.parameters.get("code") ?? "")
            return try await self.timeline(context)
        }
        api.get("/evidence") { request, _ in
            try self.authorise(request)
            return try await self.evidence()
        }
        // Each time the node found the hub restored from an older copy, and what it sent again or still waits for (issue 19).
        api.get("/hub-restores") { request, _ in
            try self.authorise(request)
            return HTTPJSON.response(try await self.engine.store.hubRestores())
        }
        api.get("/packages/:id/evidence") { request, context in
            try self.authorise(request)
            try await self.logRead(request, "package.evidence", context.parameters.get("id") ?? "")
            return try await self.packageEvidence(context)
        }
        api.get("/counters") { request, _ in
            try self.authorise(request)
            return try await self.counters(request)
        }
        api.get("/reminders") { request, _ in
            try self.authorise(request)
            return HTTPJSON.response(try await self.engine.store.reminders())
        }
        // New work is refused below the free-space reserve (507 store.disk-full); reads and accepted work go on.
        let reserve = self.engine.reserve
        api.post("/attachments") { request, _ in
            try self.authorise(request)
            try reserve.check()
            return try await self.uploadWhole(request)
        }
        api.post("/uploads") { request, _ in
            try self.authorise(request)
            try reserve.check()
            return try await self.createUpload(request)
        }
        api.head("/uploads/:id") { request, context in
            try await self.authorised(request) ? self.uploadOffset(context) : Response(status: .unauthorized)
        }
        api.get("/uploads/:id") { request, context in
            try self.authorise(request)
            return try await self.uploadOffset(context)
        }
        api.patch("/uploads/:id") { request, context in
            try self.authorise(request)
            try reserve.check()
            return try await self.appendUpload(request, context)
        }
        api.get("/inbox") { request, _ in
            try self.authorise(request)
            return try await self.inbox(request)
        }
        api.get("/inbox/:id") { request, context in
            try self.authorise(request)
            try await self.logRead(request, "package.content", context.parameters.get("id") ?? "")
            return try await self.inboxContent(context)
        }
        api.get("/inbox/:id/attachments/:sha256") { request, context in
            try self.authorise(request)
            try await self.logRead(request, "package.attachment", "\(context.parameters.get("id") ?? "")/\(context.parameters.get("sha256") ?? "")")
            return try await self.attachment(context)
        }
        api.post("/inbox/:id/ack") { request, context in
            try self.authorise(request)
            return try await self.acknowledge(context)
        }
        api.post("/inbox/:id/sign") { request, context in
            try self.authorise(request)
            return try await self.receiverAction(request, context, .signedFor)
        }
        api.post("/inbox/:id/return") { request, context in
            try self.authorise(request)
            return try await self.receiverAction(request, context, .returned)
        }
        api.post("/subscriptions") { request, _ in
            try self.authorise(request)
            return try await self.subscribe(request)
        }
    }

    // MARK: Sending

    func sendPackage(_ request: Request) async throws -> Response {
        if let boundary = request.headers[.contentType].flatMap(MultipartForm.boundary) {
            return try await self.sendMultipart(request, boundary: boundary)
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
        return try await self.respond(to: Array(body.readableBytesView))
    }

    /// One request carrying the package (part `package`) and its files (any other parts).
    func sendMultipart(_ request: Request, boundary: String) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxSingleUploadBytes)
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
        return try await self.respond(to: package.body)
    }

    func respond(to bytes: [UInt8]) async throws -> Response {
        switch try await self.engine.send(bytes) {
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
        let csv = request.uri.queryParameters.get("format") == "csv"
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

    func query(_ request: Request) async throws -> Response {
        guard let caseCode = request.uri.queryParameters.get("case") else {
            throw APIError(.queryCaseRequired, zh: "请提供案件统一赋码 case", en: "give the unified case code as ?case=")
        }
        return HTTPJSON.response(try await self.engine.store.inbox(caseCode: caseCode, limit: 1000))
    }

    // MARK: Uploads (ZJ-7.2.3 a, GZ-6)

    func uploadWhole(_ request: Request) async throws -> Response {
        let expected = request.headers[.init("Xietong-Content-SHA256")!]?.lowercased()
        // A storage failure answers with its own status (StoreErrorResponse): a hash mismatch 422, a full disk 507.
        let written = try await self.engine.blobs.write(request.body, expectedSHA256: expected, maxSize: Self.maxSingleUploadBytes)
        return HTTPJSON.response(["sha256": written.sha256, "size": String(written.size)], status: .created)
    }

    struct NewUpload: Codable {
        var sha256: String
        var size: Int
        var name: String?
    }

    func createUpload(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let new = try? JSONDecoder().decode(NewUpload.self, from: Data(body.readableBytesView)), BlobStore.isSHA256(new.sha256.lowercased()),
            new.size >= 0
        else {
            throw APIError(
                .uploadInvalid,
                zh: "需要 sha256（64 位十六进制）和 size",
                en: "expected {\"sha256\": 64 hex digits, \"size\": bytes}"
            )
        }
        if self.engine.blobs.size(new.sha256.lowercased()) != nil {
            return HTTPJSON.response(["status": "exists", "sha256": new.sha256.lowercased()], status: .ok)
        }
        let upload = try await self.engine.store.createUpload(sha256: new.sha256.lowercased(), size: new.size, name: new.name)
        var response = HTTPJSON.response(upload, status: .created)
        response.headers[.location] = "/api/v1/uploads/\(upload.uploadId)"
        response.headers[.init("Upload-Offset")!] = "0"
        return response
    }

    /// The bytes actually on disk: after a crash the part file, not the database, is the truth.
    func onDisk(_ uploadId: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: self.engine.blobs.uploadPartURL(uploadId).path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    func uploadOffset(_ context: PeerRequestContext) async throws -> Response {
        let uploadId = context.parameters.get("id") ?? ""
        // A request cut a moment ago may still be storing what arrived: the offset is given once it has.
        await self.engine.uploads.settle(uploadId)
        guard let upload = try await self.engine.store.upload(uploadId) else { throw Self.notFound }
        let offset = upload.completed ? upload.size : self.onDisk(upload.uploadId)
        var response = HTTPJSON.response(
            NodeStore.Upload(
                uploadId: upload.uploadId,
                sha256: upload.sha256,
                size: upload.size,
                received: offset,
                name: upload.name,
                completed: upload.completed
            )
        )
        response.headers[.init("Upload-Offset")!] = String(offset)
        response.headers[.init("Upload-Length")!] = String(upload.size)
        return response
    }

    func appendUpload(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let uploadId = context.parameters.get("id") ?? ""
        guard await self.engine.uploads.claim(uploadId) else {
            throw APIError(
                .uploadInProgress,
                zh: "另一个请求正在写入该上传，请稍后查询续传位置",
                en: "another request is writing this upload; ask for the offset again shortly"
            )
        }
        do {
            let response = try await self.append(to: uploadId, request)
            await self.engine.uploads.release(uploadId)
            return response
        } catch {
            await self.engine.uploads.release(uploadId)
            throw error
        }
    }

    /// Appends the request's body to an upload this request has claimed.
    private func append(to uploadId: String, _ request: Request) async throws -> Response {
        guard let upload = try await self.engine.store.upload(uploadId) else { throw Self.notFound }
        let part = self.engine.blobs.uploadPartURL(upload.uploadId)
        let onDisk = upload.completed ? upload.size : self.onDisk(upload.uploadId)
        guard let offset = request.headers[.init("Upload-Offset")!].flatMap(Int.init), offset == onDisk, !upload.completed else {
            throw APIError(
                .uploadOffsetMismatch,
                zh: "续传位置应为 \(onDisk)",
                en: "resume from offset \(onDisk)",
                headers: [.init("Upload-Offset")!: String(onDisk)]
            )
        }
        let file: BlobFileWriter
        do {
            file = try BlobFileWriter(path: part.path, offset: offset, direct: self.engine.blobs.directIO)
        } catch {
            if error.code == .diskFull { throw error }
            throw APIError(.uploadIO, zh: "无法写入上传文件", en: "cannot create the upload file")
        }
        var received = offset
        // An upload sent whole in one request is hashed as it arrives; a resumed one is hashed from the disk at the end.
        var hasher: SHA256? = offset == 0 ? SHA256() : nil
        // Whatever arrived is on disk before the answer or the error.
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                guard received <= upload.size else {
                    try? await file.finish()
                    throw APIError(.uploadTooLarge, zh: "超过声明的大小", en: "more bytes than the declared size")
                }
                chunk.withUnsafeReadableBytes { hasher?.update(bufferPointer: $0) }
                try await file.write(chunk)
            }
            try await file.finish()
        } catch let refusal as APIError {
            // Too many bytes: answered as it is, the progress left where it was.
            throw refusal
        } catch let failure as StoreError {
            // The disk failed (full, say): what this request wrote may not be on the disk whole, so the part goes
            // back to where the request started, and the client resumes from there (issue 19).
            try? await file.finish()
            _ = truncate(part.path, off_t(offset))
            try? await self.engine.store.setUploadProgress(upload.uploadId, received: offset, completed: false)
            throw failure
        } catch {
            // A cut connection: keep what arrived; the client resumes from HEAD's offset.
            try? await file.finish()
            try? await self.engine.store.setUploadProgress(upload.uploadId, received: self.onDisk(upload.uploadId), completed: false)
            throw error
        }
        if received == upload.size {
            let (sha256, size) = try hasher.map { ($0.finalize().hex, received) } ?? BlobStore.hash(fileAt: part, direct: self.engine.blobs.directIO)
            guard sha256 == upload.sha256, size == upload.size else {
                try? FileManager.default.removeItem(at: part)
                try await self.engine.store.setUploadProgress(upload.uploadId, received: 0, completed: false)
                throw APIError(
                    .uploadHashMismatch,
                    zh: "文件的 SHA-256 与声明不符，已丢弃，请重新上传",
                    en: "the file's SHA-256 does not match the declared one; it was discarded, upload again"
                )
            }
            try self.engine.blobs.install(part, as: sha256)
            try await self.engine.store.setUploadProgress(upload.uploadId, received: size, completed: true)
        } else {
            try await self.engine.store.setUploadProgress(upload.uploadId, received: received, completed: false)
        }
        var response = Response(status: .noContent)
        response.headers[.init("Upload-Offset")!] = String(received)
        return response
    }

    // MARK: Receiving (pull, ZJ-7.1.3.2 b)

    func inbox(_ request: Request) async throws -> Response {
        let after = request.uri.queryParameters.get("after", as: Int.self) ?? 0
        let undelivered = request.uri.queryParameters.get("undelivered") == "1"
        let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
        return HTTPJSON.response(try await self.engine.store.inbox(afterSeq: after, undeliveredOnly: undelivered, limit: limit))
    }

    func inboxContent(_ context: PeerRequestContext) async throws -> Response {
        guard let (item, content) = try await self.engine.store.inboxContent(context.parameters.get("id") ?? "") else { throw Self.notFound }
        return Response(
            status: .ok,
            headers: [.contentType: "application/xml", .init("Xietong-Unified-Case-Code")!: item.delivery.unifiedCaseCode],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: content))
        )
    }

    func attachment(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let sha256 = context.parameters.get("sha256") ?? ""
        guard let (item, _) = try await self.engine.store.inboxContent(packageId),
            let file = item.delivery.attachments.first(where: { $0.sha256 == sha256 }),
            let size = self.engine.blobs.size(sha256)
        else { throw Self.notFound }
        return Response(
            status: .ok,
            headers: [.contentType: file.mediaType, .contentLength: String(size)],
            body: ResponseBody(asyncSequence: self.engine.blobs.chunks(sha256))
        )
    }

    func acknowledge(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        guard try await self.engine.store.hasInbox(packageId) else { throw Self.notFound }
        if try await self.engine.store.markDelivered(packageId) {
            await self.engine.broadcaster.publish(
                PackageEvent(packageId: packageId, hop: .delivered, organisation: self.engine.configuration.organisation)
            )
            await self.engine.notifier.notify(NodeEngine.Signal.reports)
        }
        return HTTPJSON.response(["status": "delivered"])
    }

    struct ActionBody: Codable {
        var reason: String?
    }

    func receiverAction(_ request: Request, _ context: PeerRequestContext, _ hop: Hop) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let body = try await request.body.collect(upTo: 64 << 10)
        let reason = (try? JSONDecoder().decode(ActionBody.self, from: Data(body.readableBytesView)))?.reason
        if hop == .returned, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError(.returnReasonRequired, zh: "退回须说明理由", en: "a return needs a reason")
        }
        guard try await self.engine.store.hasInbox(packageId) else { throw Self.notFound }
        guard try await self.engine.store.receiverAction(packageId, hop: hop, reason: reason) else {
            throw APIError(.packageAlreadyHandled, zh: "该数据包已签收或退回", en: "the package was already signed for or returned")
        }
        await self.engine.broadcaster.publish(
            PackageEvent(packageId: packageId, hop: hop, organisation: self.engine.configuration.organisation, detail: reason)
        )
        await self.engine.notifier.notify(NodeEngine.Signal.reports)
        return HTTPJSON.response(["status": hop.rawValue])
    }

    struct NewSubscription: Codable {
        var url: String
        var intervalSeconds: Int
        var flows: [String]?
    }

    func subscribe(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let new = try? JSONDecoder().decode(NewSubscription.self, from: Data(body.readableBytesView)),
            URL(string: new.url)?.scheme?.hasPrefix("http") == true, (1...86400 * 7).contains(new.intervalSeconds)
        else {
            throw APIError(
                .subscriptionInvalid,
                zh: "需要 url 和 intervalSeconds（1 秒至 7 天）",
                en: "expected {\"url\": http(s) URL, \"intervalSeconds\": 1…604800}"
            )
        }
        return HTTPJSON.response(
            try await self.engine.store.addSubscription(url: new.url, intervalSeconds: new.intervalSeconds, flows: new.flows ?? []),
            status: .created
        )
    }
}
