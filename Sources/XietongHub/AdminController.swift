import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// The administrator's API (docs/protocol.md): refused packages, alerts, the nodes, the holiday calendar and the
/// replays after a restore, each also open to an administrator signed in to the console (its CSV exports); the access
/// log, by token only.
struct AdminController: Sendable {
    let store: HubStore
    let nodes: NodeOverview
    let links: LinkOverview

    func addRoutes(administrators: RouterGroup<PeerRequestContext>, administratorsOrConsole: RouterGroup<PeerRequestContext>) {
        administrators.get("/v1/admin/access-log") { request, _ in try await self.accessLog(request) }
        // The packages nodes sent again after a restore, each with the time the hub first received it (issue 19).
        administratorsOrConsole.get("/v1/admin/replays") { _, _ in HTTPJSON.response(try await self.store.replays()) }
        administratorsOrConsole.get("/v1/admin/refusals") { request, _ in try await self.refusals(request) }
        administratorsOrConsole.get("/v1/admin/alerts") { request, _ in try await self.alerts(request) }
        administratorsOrConsole.get("/v1/admin/calendar") { _, _ in try await self.calendar() }
        administratorsOrConsole.get("/v1/admin/nodes") { request, _ in try await self.nodeList(request) }
        // The links to peer hubs (issue 23).
        administratorsOrConsole.get("/v1/admin/links") { _, _ in HTTPJSON.response(try await self.links.views()) }
    }

    func refusals(_ request: Request) async throws -> Response {
        let views = try await self.store.refusals()
        guard try Query.wantsCSV(request) else { return HTTPJSON.response(views) }
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
    func accessLog(_ request: Request) async throws -> Response {
        let limit = min(max(try Query.integer(request, "limit", default: 500), 1), 10_000)
        return HTTPJSON.response(try await self.store.accessLog.records(subject: request.uri.queryParameters.get("subject"), limit: limit))
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
    func calendar() async throws -> Response {
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

    func alerts(_ request: Request) async throws -> Response {
        let views = try await self.store.alerts()
        guard try Query.wantsCSV(request) else { return HTTPJSON.response(views) }
        return SupervisionController.csv(
            CSV.document(
                header: ["时间 raised", "数据包 package", "发送机关 sender", "接收机关 receiver", "滞留环节 stuck after"],
                rows: views.map { [$0.raisedAt, $0.packageId, $0.sender, $0.receiver, $0.stuckAfter] }
            ),
            name: "alerts"
        )
    }

    func nodeList(_ request: Request) async throws -> Response {
        let views = try await self.nodes.views()
        guard try Query.wantsCSV(request) else { return HTTPJSON.response(views) }
        return SupervisionController.csv(
            CSV.document(
                header: ["机构 organisation", "待取队列 queued", "已确认 acknowledged", "最近联系 last seen"],
                rows: views.map { [$0.organisation, String($0.queued), String($0.acknowledged), $0.lastSeenAt ?? ""] }
            ),
            name: "nodes"
        )
    }
}
