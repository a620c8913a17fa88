import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// The hub's HTTP interface for nodes and the administrator (described in docs/protocol.md).
struct HubController: Sendable {
    let configuration: HubConfiguration
    /// The free-space reserve, made once from the configuration (checked on every package and upload).
    let reserve: DiskReserve
    let intake: PackageIntake
    let store: HubStore
    let blobs: BlobStore
    let notifier: ChangeNotifier
    let activity = NodeActivity()
    /// Signs receipts (issue 6).
    let signer: HubSigner
    /// The web console's log-ins (issue 7).
    let sessions = ConsoleSessions()
    let logger: Logger
    static let maxPackageBytes = 32 << 20

    /// The node's organisation: with mutual TLS, the one its verified client certificate names (if the hub knows
    /// it); otherwise the one its token belongs to.
    func node(_ request: Request) -> String? {
        if self.configuration.tls != nil {
            guard let organisation = request.headers[PeerOrganisationMiddleware.header],
                self.configuration.nodes.contains(where: { $0.organisation == organisation })
            else { return nil }
            return organisation
        }
        guard let token = HTTPJSON.bearerToken(request) else { return nil }
        return self.configuration.nodes.first { HTTPJSON.constantTimeEqual($0.token, token) }?.organisation
    }

    /// Supervisors and administrators (`users`, `adminToken`).
    var credentials: CredentialSet { self.configuration.credentials }

    /// Logs a read of case data: who read what, and when (issue 6). Refused reads are logged too.
    func logRead(_ request: Request, _ action: String, _ subject: String, allowed: Bool = true) async throws {
        var who = self.principal(request)
        if who == nil { who = await self.sessions.session(request)?.principal }
        let reader = who ?? Principal(name: "anonymous", role: .node)
        try await self.store.accessLog.record(reader, action: action, subject: subject, allowed: allowed)
    }

    /// The caller: a node (by its organisation), a supervisor or an administrator.
    func principal(_ request: Request) -> Principal? {
        if let organisation = self.node(request) { return Principal(name: organisation, role: .node) }
        return self.credentials.principal(request)
    }

    func isAdmin(_ request: Request) -> Bool { self.credentials.principal(request)?.role == .administrator }

    /// A supervisor or an administrator: every case's metadata, read-only (SZ-4).
    func supervisor(_ request: Request) -> Principal? {
        self.credentials.principal(request).flatMap { [.supervisor, .administrator].contains($0.role) ? $0 : nil }
    }

    /// A supervisor or an administrator by token, or signed in to the console (its CSV exports).
    func supervisorOrConsole(_ request: Request) async -> Principal? {
        if let principal = self.supervisor(request) { return principal }
        return await self.sessions.session(request)?.principal
    }

    static let unauthorised = APIError(.authRequired, zh: "需要有效的节点令牌", en: "a valid node token is required")
    static let forbidden = APIError(.authForbidden, zh: "无权访问该数据包", en: "not allowed to access this package")

    func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("/healthz") { _, _ in
            HTTPJSON.response(Health(organisation: self.configuration.organisation, disks: self.reserve.status()))
        }
        router.post("/v1/packages") { request, context in try await self.receivePackage(request, context) }
        router.post("/v1/packages/batch") { request, _ in try await self.receiveBatch(request) }
        router.put("/v1/blobs/:sha256") { request, context in try await self.putBlob(request, context) }
        router.head("/v1/blobs/:sha256") { request, context in self.headBlob(request, context) }
        router.get("/v1/blobs/:sha256") { request, context in try self.getBlob(request, context) }
        router.get("/v1/packages/:id") { request, context in try await self.packageStatus(request, context) }
        router.get("/v1/packages/:id/content") { request, context in try await self.packageContent(request, context) }
        router.post("/v1/packages/:id/events") { request, context in try await self.packageEvent(request, context) }
        router.post("/v1/events") { request, _ in try await self.events(request) }
        router.get("/v1/feed") { request, context in try await self.feed(request, context) }
        router.post("/v1/feed/ack") { request, context in try await self.acknowledge(request, context) }
        router.post("/v1/packages/held") { request, _ in try await self.heldPackages(request) }
        router.get("/v1/admin/replays") { request, _ in try await self.adminReplays(request) }
        router.get("/v1/admin/refusals") { request, _ in try await self.adminRefusals(request) }
        router.get("/v1/admin/access-log") { request, _ in try await self.adminAccessLog(request) }
        router.get("/v1/admin/alerts") { request, _ in try await self.adminAlerts(request) }
        router.get("/v1/admin/calendar") { request, _ in try await self.adminCalendar(request) }
        router.get("/v1/cases/:code/timeline") { request, context in try await self.caseTimeline(request, context) }
        router.get("/v1/admin/nodes") { request, _ in try await self.adminNodes(request) }
    }

    func receivePackage(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        // Below the free-space reserve new packages are refused (507); the node keeps them and retries (issue 19).
        try self.reserve.check()
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxPackageBytes)
        } catch {
            throw APIError(.packageTooLarge, zh: "数据包超过 32 MiB", en: "the package exceeds 32 MiB")
        }
        let signature = request.headers[Self.signatureHeader].flatMap { Data(base64Encoded: $0) }.flatMap {
            JSONReader.decode(PackageSignature.self, from: Array($0))
        }
        let outcome = try await self.intake.receive(Array(body.readableBytesView), signature: signature, from: node) { "/v1/packages/\($0)" }
        switch outcome {
        case .receipt(let receipt, _):
            return HTTPJSON.response(try self.signer.sign(receipt), status: receipt.status == .accepted ? .ok : .unprocessableContent)
        case .unreadable(let findings):
            return HTTPJSON.response(Receipt(packageId: "", status: .refused, findings: findings), status: .unprocessableContent)
        case .wrongSender(let sender):
            throw APIError(
                .authWrongSender,
                zh: "节点 \(node) 不能代表机构 \(sender) 发送",
                en: "the node \(node) cannot send for \(sender)"
            )
        }
    }

    /// The sender's signature on a single package: its `PackageSignature` as JSON, base64.
    static let signatureHeader = HTTPField.Name("Xietong-Signature")!

    struct Batch: Codable, JSONReadable {
        var packages: [String]
        /// One per package (null for none), in order (issue 6).
        var signatures: [PackageSignature?]?
        /// The node records the hub's hops from the receipts, so they need not go to its feed (absent from nodes of
        /// earlier releases).
        var hopsInReceipt: Bool?
        /// One per package (null for none): the hub's own signed receipt for a package sent again because a restored
        /// hub no longer had it (issue 19).
        var replays: [Receipt?]?

        init(json reader: inout JSONReader) throws(JSONReader.Failure) {
            var packages: [String]?
            var signatures: [PackageSignature?]?
            var hopsInReceipt: Bool?
            var replays: [Receipt?]?
            try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                switch key {
                case "packages": packages = try reader.read([String].self)
                case "signatures":
                    signatures = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                        try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readOptional(PackageSignature.self)
                        }
                    }
                case "hopsInReceipt":
                    hopsInReceipt = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readBool() }
                case "replays":
                    replays = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                        try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readOptional(Receipt.self) }
                    }
                default: try reader.skipValue()
                }
            }
            self.packages = try reader.required(packages, "packages")
            self.signatures = signatures
            self.hopsInReceipt = hopsInReceipt
            self.replays = replays
        }
    }

    struct BatchReceipts: Codable, CanonicalJSONWritable {
        var receipts: [Receipt]
        /// The certificate whose key signed the receipts, when the platform PKI is in use.
        var certificate: String?

        func write(to writer: inout CanonicalJSONWriter) {
            writer.object {
                $0.field("certificate", self.certificate)
                $0.field("receipts", self.receipts)
            }
        }
    }

    /// Up to 64 packages of one lane, base64 in JSON, in order; answered with one receipt each, in order.
    func receiveBatch(_ request: Request) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        try self.reserve.check()
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 48 << 20)
        } catch {
            throw APIError(.packageTooLarge, zh: "批量请求过大", en: "the batch is too large")
        }
        guard let batch = JSONReader.decode(Batch.self, from: Array(body.readableBytesView)), (1...64).contains(batch.packages.count) else {
            throw APIError(.batchInvalid, zh: "需要 1 至 64 个数据包", en: "expected {\"packages\": [base64 …]} with 1 to 64 packages")
        }
        var packages: [[UInt8]] = []
        for text in batch.packages {
            guard let data = Data(base64Encoded: text), data.count <= Self.maxPackageBytes else {
                throw APIError(.batchInvalid, zh: "数据包编码错误", en: "a package is not valid base64 or exceeds 32 MiB")
            }
            packages.append([UInt8](data))
        }
        let outcomes = try await self.intake.receive(
            batch: packages,
            signatures: batch.signatures,
            replays: self.verifiedReplays(batch.replays, from: node),
            from: node,
            hopsInReceipt: batch.hopsInReceipt == true
        ) { "/v1/packages/\($0)" }
        return HTTPJSON.response(
            BatchReceipts(
                receipts: try outcomes.map { outcome throws(TrustError) in
                    try self.signer.sign(Self.receipt(outcome, node: node))
                },
                certificate: self.signer.certificate
            )
        )
    }

    static func receipt(_ outcome: PackageIntake.Outcome, node: String) -> Receipt {
        switch outcome {
        case .receipt(let receipt, _): return receipt
        case .unreadable(let findings): return Receipt(packageId: "", status: .refused, findings: findings)
        case .wrongSender(let sender):
            let finding = Finding(
                .codesetOrganisation,
                at: "/CasePackage/Envelope/Sender/OrganisationCode",
                zh: "节点 \(node) 不能代表机构 \(sender) 发送",
                en: "the node \(node) cannot send for \(sender)"
            )
            return Receipt(packageId: "", status: .refused, findings: [finding])
        }
    }

    func putBlob(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard self.node(request) != nil else { throw Self.unauthorised }
        let sha256 = context.parameters.get("sha256") ?? ""
        guard BlobStore.isSHA256(sha256) else {
            throw APIError(.blobBadHash, zh: "文件标识应为 64 位小写十六进制 SHA-256", en: "a blob is named by its lower-case hex SHA-256")
        }
        if self.blobs.size(sha256) != nil {
            for try await _ in request.body {}  // Drain without holding it: it may be a dossier of gigabytes.
            return HTTPJSON.response(["sha256": sha256, "status": "exists"])
        }
        try self.reserve.check()
        do {
            let written = try await self.blobs.write(request.body, expectedSHA256: sha256)
            return HTTPJSON.response(["sha256": written.sha256, "size": String(written.size), "status": "stored"], status: .created)
        } catch let error as StoreError where error.code == .hashMismatch {
            throw APIError(.blobHashMismatch, zh: error.message.zh, en: error.message.en)
        }
    }

    func headBlob(_ request: Request, _ context: PeerRequestContext) -> Response {
        guard self.node(request) != nil else { return Response(status: .unauthorized) }
        guard let size = self.blobs.size(context.parameters.get("sha256") ?? "") else { return Response(status: .notFound) }
        return Response(status: .ok, headers: [.contentLength: String(size)])
    }

    func getBlob(_ request: Request, _ context: PeerRequestContext) throws -> Response {
        guard self.node(request) != nil else { throw Self.unauthorised }
        let sha256 = context.parameters.get("sha256") ?? ""
        guard let size = self.blobs.size(sha256) else {
            throw APIError(.blobNotFound, zh: "文件不存在", en: "no such blob")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .contentLength: String(size)],
            body: ResponseBody(asyncSequence: self.blobs.chunks(sha256))
        )
    }

    /// The caller may read a package when it is its sender or receiver, or the administrator; supervisors may read
    /// its metadata (status and hops), not its content.
    func mayRead(_ request: Request, _ packageId: String, metadataOnly: Bool = false) async throws -> Bool {
        if self.isAdmin(request) || (metadataOnly && self.supervisor(request) != nil) { return true }
        guard let node = self.node(request), let parties = try await self.store.parties(of: packageId) else { return false }
        return node == parties.sender || node == parties.receiver
    }

    func packageStatus(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        guard self.principal(request) != nil else { throw Self.unauthorised }
        guard let summary = try await self.store.summary(of: packageId) else {
            if self.isAdmin(request), let refusal = try await self.store.refusals(limit: 1000).first(where: { $0.receipt.packageId == packageId }) {
                return HTTPJSON.response(refusal.receipt, status: .ok)
            }
            throw APIError(.packageNotFound, zh: "中心平台没有该数据包", en: "the hub has no such package")
        }
        guard try await self.mayRead(request, packageId, metadataOnly: true) else {
            try await self.logRead(request, "package.status", packageId, allowed: false)
            throw Self.forbidden
        }
        try await self.logRead(request, "package.status", packageId)
        return HTTPJSON.response(summary)
    }

    func packageContent(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        guard self.principal(request) != nil else { throw Self.unauthorised }
        guard try await self.mayRead(request, packageId), let content = try await self.store.content(of: packageId) else {
            try await self.logRead(request, "package.content", packageId, allowed: false)
            throw Self.forbidden
        }
        try await self.logRead(request, "package.content", packageId)
        return Response(status: .ok, headers: [.contentType: "application/xml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: content)))
    }

    func packageEvent(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        let packageId = context.parameters.get("id") ?? ""
        let body = try await request.body.collect(upTo: 4 << 20)
        guard var event = try? JSONDecoder().decode(PackageEvent.self, from: Data(body.readableBytesView)), event.packageId == packageId,
            Self.reportable.contains(event.hop)
        else {
            throw APIError(.eventInvalid, zh: "事件格式错误", en: "not a valid hop report")
        }
        event.organisation = node
        switch try await self.store.record(event, reportedBy: node) {
        case .recorded:
            if let parties = try await self.store.parties(of: packageId) { await self.notifier.notify(parties.sender) }
            return HTTPJSON.response(["status": "recorded"])
        case .unknownPackage:
            throw APIError(.packageNotFound, zh: "中心平台没有该数据包", en: "the hub has no such package")
        case .notAParty:
            throw Self.forbidden
        }
    }

    static let reportable = Hop.reportedByReceiver

    struct EventOutcomes: Codable, CanonicalJSONWritable {
        var outcomes: [String]

        func write(to writer: inout CanonicalJSONWriter) {
            writer.object { $0.field("outcomes", self.outcomes) }
        }
    }

    /// A batch of hop reports from a receiving node, recorded in one transaction.
    func events(_ request: Request) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        let body = try await request.body.collect(upTo: 16 << 20)
        guard let events = JSONReader.decode([PackageEvent].self, from: Array(body.readableBytesView)), events.count <= 1000 else {
            throw APIError(.eventInvalid, zh: "事件格式错误", en: "expected a JSON array of at most 1000 hop reports")
        }
        let valid = events.filter { Self.reportable.contains($0.hop) }
        let results = try await self.store.record(valid, reportedBy: node)
        var outcomes: [String] = []
        var index = 0
        for event in events {
            guard Self.reportable.contains(event.hop) else {
                outcomes.append("invalid")
                continue
            }
            let result = results[index]
            index += 1
            outcomes.append("\(result.outcome)")
        }
        for sender in Set(results.compactMap(\.sender)) { await self.notifier.notify(sender) }
        return HTTPJSON.response(EventOutcomes(outcomes: outcomes))
    }

    func feed(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        let after = request.uri.queryParameters.get("after", as: Int.self) ?? 0
        let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 200, 1), 1000)
        let wait = min(max(request.uri.queryParameters.get("wait", as: Double.self) ?? 0, 0), 60)
        await self.activity.saw(node, acknowledging: after)
        if let diverged = try await self.divergence(request, node: node, after: after) { return diverged }
        let version = await self.notifier.version(of: node)
        var page = try await self.store.feedPage(organisation: node, after: after, limit: limit)
        if page.count == 0 && wait > 0 {
            // A long-poll ends at once when the hub shuts down, so that a restart is not held up by waiting nodes.
            let notifier = self.notifier
            await cancelWhenGracefulShutdown { await notifier.wait(for: node, since: version, timeout: .milliseconds(Int(wait * 1000))) }
            page = try await self.store.feedPage(organisation: node, after: after, limit: limit)
        }
        return HTTPJSON.response(json: page.json)
    }

    func acknowledge(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        let body = try await request.body.collect(upTo: 4096)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any], let upTo = object["upTo"] as? Int
        else {
            throw APIError(.ackInvalid, zh: "确认格式错误", en: "expected {\"upTo\": N}")
        }
        await self.activity.saw(node, acknowledging: upTo)
        return HTTPJSON.response(["status": "acknowledged"])
    }

    static let adminOnly = APIError(.authAdminRequired, zh: "需要管理员令牌", en: "the administrator token is required")

    struct RefusalView: Codable {
        var stage: String
        var sender: String
        var receiver: String?
        var receipt: Receipt
    }

    /// An administrator by token, or signed in to the console as one (its CSV exports).
    func adminOrConsole(_ request: Request) async -> Bool {
        if self.isAdmin(request) { return true }
        return await self.sessions.session(request)?.principal.role == .administrator
    }

    func adminRefusals(_ request: Request) async throws -> Response {
        guard await self.adminOrConsole(request) else { throw Self.adminOnly }
        let views = try await self.store.refusals().map {
            RefusalView(stage: $0.stage, sender: $0.sender, receiver: $0.receiver, receipt: $0.receipt)
        }
        guard request.uri.queryParameters.get("format") == "csv" else { return HTTPJSON.response(views) }
        return SupervisionController.csv(
            CSV.document(
                header: ["时间 received", "环节 stage", "发送机关 sender", "接收机关 receiver", "数据包 package", "原因 findings"],
                rows: views.map {
                    [
                        $0.receipt.receivedAt, $0.stage, $0.sender, $0.receiver ?? "", $0.receipt.packageId,
                        $0.receipt.findings.map { "\($0.code.rawValue) \($0.message.zh) / \($0.message.en)" }.joined(separator: "; "),
                    ]
                }
            ),
            name: "refusals"
        )
    }

    /// Who read which case data, and when (issue 6): `?subject=` a package id or case code, `?limit=`.
    func adminAccessLog(_ request: Request) async throws -> Response {
        guard self.isAdmin(request) else { throw Self.adminOnly }
        let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 500
        return HTTPJSON.response(try await self.store.accessLog.records(subject: request.uri.queryParameters.get("subject"), limit: limit))
    }

    struct AlertView: Codable {
        var packageId: String
        var sender: String
        var receiver: String
        var stuckAfter: String
        var raisedAt: String
    }

    /// A case's timeline (GUI-3, SZ-4): for supervisors and administrators, and for the nodes of organisations that
    /// took part. Each read is logged.
    func caseTimeline(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let admin = self.supervisor(request) != nil
        let node = self.node(request)
        guard admin || node != nil else { throw Self.unauthorised }
        let code = context.parameters.get("code") ?? ""
        let timeline = try await self.store.timeline(ofCase: code)
        guard !timeline.instances.isEmpty else {
            throw APIError(.caseNotFound, zh: "没有该案件的流程记录：\(code)", en: "no flow of a case with the code \(code)")
        }
        guard admin || node.map(timeline.involves) == true else {
            try await self.logRead(request, "case.timeline", code, allowed: false)
            throw APIError(.authForbidden, zh: "本机构未参与该案件", en: "this organisation took no part in the case")
        }
        try await self.logRead(request, "case.timeline", code)
        return HTTPJSON.response(timeline)
    }

    struct CalendarStatus: Encodable {
        struct Missing: Encodable {
            let year: Int
            let openLimits: Int
        }
        let source: String
        let verified: Bool
        let years: [Int]
        /// Years open limits need and the calendar does not list: their last days are provisional (issue 20).
        let missing: [Missing]
        let message: LocalizedText?
    }

    /// `GET /v1/admin/calendar`: the holiday calendar the hub counts with, and the years open limits need that it
    /// does not list (administrator).
    func adminCalendar(_ request: Request) async throws -> Response {
        guard await self.adminOrConsole(request) else { throw Self.adminOnly }
        let calendar = self.store.flows.deadlines.calendar
        let missing = try await self.store.provisionalYears()
        return HTTPJSON.response(
            CalendarStatus(
                source: calendar.source,
                verified: calendar.verified,
                years: calendar.years.map(\.year).sorted(),
                missing: missing.map { CalendarStatus.Missing(year: $0.year, openLimits: $0.limits) },
                message: LegalCalendar.missingYearsNotice(missing)
            )
        )
    }

    func adminAlerts(_ request: Request) async throws -> Response {
        guard await self.adminOrConsole(request) else { throw Self.adminOnly }
        let views = try await self.store.alerts().map {
            AlertView(packageId: $0.packageId, sender: $0.sender, receiver: $0.receiver, stuckAfter: $0.stuckAfter, raisedAt: $0.raisedAt)
        }
        guard request.uri.queryParameters.get("format") == "csv" else { return HTTPJSON.response(views) }
        return SupervisionController.csv(
            CSV.document(
                header: ["时间 raised", "数据包 package", "发送机关 sender", "接收机关 receiver", "滞留环节 stuck after"],
                rows: views.map { [$0.raisedAt, $0.packageId, $0.sender, $0.receiver, $0.stuckAfter] }
            ),
            name: "alerts"
        )
    }

    struct NodeView: Codable {
        var organisation: String
        var queued: Int
        var acknowledged: Int
        var lastSeenAt: String?
    }

    /// Each configured node's queue depth and last contact (the admin API and the console's administration page).
    func nodeViews() async throws -> [NodeView] {
        let heads = try await self.store.feedHeads()
        var views: [NodeView] = []
        for node in self.configuration.nodes {
            let written = heads.first { $0.organisation == node.organisation }?.lastSeq ?? 0
            let activity = await self.activity.entry(node.organisation)
            views.append(
                NodeView(
                    organisation: node.organisation,
                    queued: max(0, written - (activity?.acknowledged ?? 0)),
                    acknowledged: activity?.acknowledged ?? 0,
                    lastSeenAt: activity?.lastSeenAt
                )
            )
        }
        return views
    }

    func adminNodes(_ request: Request) async throws -> Response {
        guard await self.adminOrConsole(request) else { throw Self.adminOnly }
        let views = try await self.nodeViews()
        guard request.uri.queryParameters.get("format") == "csv" else { return HTTPJSON.response(views) }
        return SupervisionController.csv(
            CSV.document(
                header: ["机构 organisation", "待取队列 queued", "已确认 acknowledged", "最近联系 last seen"],
                rows: views.map { [$0.organisation, String($0.queued), String($0.acknowledged), $0.lastSeenAt ?? ""] }
            ),
            name: "nodes"
        )
    }
}
