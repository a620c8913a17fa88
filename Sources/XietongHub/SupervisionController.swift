import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// The committee's supervision interface (GS-3, GS-6, SZ-4, SZ-7), read-only: the deadline board, every agency's red
/// counters, statistics, each as JSON or CSV (`?format=csv`), for supervisors and administrators (each read is
/// logged); a node's token opens its own organisation's counters.
struct SupervisionController: Sendable {
    let store: HubStore
    let reads: ReadAccess

    /// `supervisors`' routes are each logged as a read; `nodes` read their own counters.
    func addRoutes(supervisors: RouterGroup<PeerRequestContext>, nodes: RouterGroup<PeerRequestContext>) {
        let supervisors = supervisors.group().add(middleware: LogSupervision(reads: self.reads))
        supervisors.get("/v1/supervision/deadlines") { request, _ in try await self.deadlines(request) }
        supervisors.get("/v1/supervision/counters") { request, _ in try await self.counters(request, organisation: nil) }
        supervisors.get("/v1/supervision/custody") { request, _ in try await self.custody(request) }
        supervisors.get("/v1/supervision/cases") { request, _ in try await self.cases(request) }
        supervisors.get("/v1/supervision/reminders") { request, _ in try await self.reminders(request) }
        supervisors.get("/v1/statistics") { request, _ in try await self.statistics(request) }
        nodes.get("/v1/counters") { request, context in try await self.counters(request, organisation: try HubAccess.node(context)) }
    }

    /// Logs each supervision read: who asked for what (issue 6).
    struct LogSupervision: RouterMiddleware {
        typealias Context = PeerRequestContext
        let reads: ReadAccess

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            try await self.reads.log(context.caller, "supervision", request.uri.description)
            return try await next(request, context)
        }
    }

    static func csv(_ text: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).csv\""],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    func wantsCSV(_ request: Request) throws(APIError) -> Bool { try Query.wantsCSV(request) }

    func deadlines(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let filterText = parameters.get("filter") ?? "open"
        guard let filter = Supervision.Filter(rawValue: filterText) else {
            throw APIError.badQuery("filter", filterText, expected: Supervision.Filter.allCases.map(\.rawValue).joined(separator: " | "))
        }
        let rows = try await self.store.deadlineBoard(filter, organisation: parameters.get("agency"), flow: parameters.get("flow"))
        guard try self.wantsCSV(request) else { return HTTPJSON.response(rows) }
        return Self.csv(
            CSV.document(
                header: [
                    "案件编码 case", "流程 flow", "消息 message", "责任机关 responsible", "期限 limit", "起算日 starts", "届满日 due", "在押 custody", "依据 basis",
                    "数据包 package", "暂定 provisional", "羁押情况 custody reason", "原届满日 was due", "变更原因 changed because",
                ],
                rows: rows.map {
                    [
                        $0.caseCode, $0.flow, $0.messageType, $0.responsible, $0.limit, $0.startsOn, $0.dueOn, $0.custody ? "是 yes" : "否 no",
                        $0.basis, $0.packageId,
                        $0.provisional ? "是 yes（未载入 \($0.uncoveredYears.map(String.init).joined(separator: "、")) 年节假日安排）" : "否 no",
                        $0.custodyReason?.zh ?? "", $0.changedFrom ?? "", $0.changeReason?.zh ?? "",
                    ]
                }
            ),
            name: "deadlines-\(filter.rawValue)"
        )
    }

    /// The time-limit reminders sent to agencies, newest first (GS-3: supervisors see them too).
    func reminders(_ request: Request) async throws -> Response {
        let rows = try await self.store.remindersSent()
        struct Row: Encodable {
            let point: String
            let sentAt: String
            let deadline: HubStore.DeadlineRecord
        }
        guard try self.wantsCSV(request) else {
            return HTTPJSON.response(rows.map { Row(point: $0.point, sentAt: $0.sentAt, deadline: $0.deadline) })
        }
        return Self.csv(
            CSV.document(
                header: ["发送时间 sent", "提醒 point", "案件编码 case", "流程 flow", "消息 message", "责任机关 responsible", "届满日 due", "状态 state"],
                rows: rows.map {
                    [
                        $0.sentAt, $0.point, $0.deadline.caseCode, $0.deadline.flow, $0.deadline.messageType, $0.deadline.responsible,
                        $0.deadline.dueOn, $0.deadline.state,
                    ]
                }
            ),
            name: "reminders"
        )
    }

    /// Every case's flows, filtered by state (`all`, `open`, `dueSoon`, `overdue`), agency and flow.
    func cases(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let filterText = parameters.get("filter") ?? "open"
        guard let filter = Supervision.CaseFilter(rawValue: filterText) else {
            throw APIError.badQuery("filter", filterText, expected: Supervision.CaseFilter.allCases.map(\.rawValue).joined(separator: " | "))
        }
        let rows = try await self.store.cases(filter, organisation: parameters.get("agency"), flow: parameters.get("flow"))
        guard try self.wantsCSV(request) else { return HTTPJSON.response(rows) }
        return Self.csv(
            CSV.document(
                header: ["案件编码 case", "流程 flow", "开始 opened", "办结 closed", "最近届满日 next due", "即将到期 due soon", "已超期 overdue", "流程编号 instance"],
                rows: rows.map {
                    [$0.caseCode, $0.flow, $0.openedAt, $0.closedAt ?? "", $0.nextDue ?? "", String($0.dueSoon), String($0.overdue), $0.instanceId]
                }
            ),
            name: "cases-\(filter.rawValue)"
        )
    }

    /// Persons in custody whose stage's period runs out within `days` (default 7), or already has (超期羁押 warning).
    func custody(_ request: Request) async throws -> Response {
        let daysText = request.uri.queryParameters.get("days") ?? "7"
        guard let days = Int(daysText), (0...366).contains(days) else { throw APIError.badQuery("days", daysText, expected: "0…366") }
        let rows = try await self.store.custodyWatch(within: days)
        guard try self.wantsCSV(request) else { return HTTPJSON.response(rows) }
        return Self.csv(
            CSV.document(
                header: [
                    "案件编码 case", "在押人员 persons", "流程 flow", "消息 message", "责任机关 responsible", "届满日 due", "剩余天数 days left", "期限 limit", "依据 basis",
                    "来源 source",
                ],
                rows: rows.map {
                    [
                        $0.caseCode, $0.persons.joined(separator: "、"), $0.flow, $0.messageType, $0.responsible, $0.dueOn, String($0.daysLeft),
                        $0.limit, $0.basis, $0.source,
                    ]
                }
            ),
            name: "custody"
        )
    }

    func counters(_ request: Request, organisation: String?) async throws -> Response {
        let rows = try await self.store.counters(organisation: organisation)
        guard try self.wantsCSV(request) else { return HTTPJSON.response(rows) }
        return Self.csv(
            CSV.document(
                header: ["机关 organisation", "业务 flow", "未签收 unread", "即将到期 due soon", "已超期 overdue"],
                rows: rows.map { [$0.organisation, $0.flow, String($0.unread), String($0.dueSoon), String($0.overdue)] }
            ),
            name: "counters"
        )
    }

    func statistics(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let today = self.store.clock.today
        let fromText = parameters.get("from") ?? today.adding(days: -30).iso
        let toText = parameters.get("to") ?? today.adding(days: 1).iso
        guard let from = CalendarDate(iso: fromText) else { throw APIError.badQuery("from", fromText, expected: "yyyy-MM-dd") }
        guard let to = CalendarDate(iso: toText), from < to else { throw APIError.badQuery("to", toText, expected: "yyyy-MM-dd after from") }
        let table = try Query.choice(request, "table", default: StatisticsTable.volume)
        let statistics = try await self.store.statistics(from: from, to: to)
        guard try self.wantsCSV(request) else { return HTTPJSON.response(statistics) }
        switch table {
        case .volume:
            return Self.csv(
                CSV.document(
                    header: ["月份 period", "流程 flow", "发送机关 organisation", "数据包 packages"],
                    rows: statistics.volume.map { [$0.period, $0.flow, $0.organisation, String($0.packages)] }
                ),
                name: "volume-\(from.iso)-\(to.iso)"
            )
        case .handling:
            return Self.csv(
                CSV.document(
                    header: ["流程 flow", "消息 message", "已答复 answered", "办理时长中位数（小时） median hours"],
                    rows: statistics.handling.map { [$0.flow, $0.messageType, String($0.answered), String(format: "%.2f", $0.medianHours)] }
                ),
                name: "handling-\(from.iso)-\(to.iso)"
            )
        case .summary:
            return Self.csv(
                CSV.document(
                    header: [
                        "起 from", "止 to", "到期职责 duties due", "超期 overdue", "超期率 overdue rate", "开启流程 flows opened", "网上办结 closed online",
                        "网上流转率 online flow rate",
                    ],
                    rows: [
                        [
                            statistics.from, statistics.to, String(statistics.dutiesDue), String(statistics.dutiesOverdue),
                            String(format: "%.4f", statistics.overdueRate), String(statistics.flowsOpened), String(statistics.flowsClosedOnline),
                            String(format: "%.4f", statistics.onlineFlowRate),
                        ]
                    ]
                ),
                name: "summary-\(from.iso)-\(to.iso)"
            )
        }
    }

    /// The tables the statistics export as CSV.
    enum StatisticsTable: String, CaseIterable {
        case volume, handling, summary
    }
}
