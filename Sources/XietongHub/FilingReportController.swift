import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// Case filing reports (issue 26, GUI-2): a node files its organisation's reports (`POST /v1/filing-reports`) and
/// reads their status; supervisors list them with counts by kind and status and acknowledge them. Each supervisor's
/// read and acknowledgement is in the access log.
struct FilingReportController: Sendable {
    let store: HubStore
    let registry: OrganisationRegistry
    let kinds: FilingReportKinds
    let reads: ReadAccess

    func addRoutes(nodes: RouterGroup<PeerRequestContext>, supervisors: RouterGroup<PeerRequestContext>) {
        nodes.post("/v1/filing-reports") { request, context in try await self.file(request, reporter: try HubAccess.node(context)) }
        nodes.get("/v1/filing-reports/:id") { _, context in
            let reporter = try HubAccess.node(context)
            guard let report = try await self.store.filingReport(context.parameters.get("id") ?? ""), report.reporter == reporter else {
                throw Self.notFound
            }
            return HTTPJSON.response(report)
        }
        supervisors.get("/v1/supervision/filing-reports") { request, context in try await self.list(request, caller: context.caller) }
        supervisors.post("/v1/supervision/filing-reports/:id/acknowledge") { request, context in
            // By token only: a console session acknowledges through its page's form, which carries the session's
            // CSRF token (`HubConsole.acknowledgeReport`); the cookie alone must not.
            guard context.caller.token != nil else { throw HubAccess.supervisorsOnly }
            let body = try await request.body.collect(upTo: 16 << 10)
            let note = (try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView)))?["note"]
            return HTTPJSON.response(try await self.acknowledge(context.parameters.get("id") ?? "", note: note, caller: context.caller))
        }
    }

    static let notFound = APIError(.reportNotFound, zh: "没有该报备", en: "no such filing report")

    /// Files a report from a node's organisation: 201 with the report, or 200 with it as first filed when resent.
    func file(_ request: Request, reporter: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        let draft: FilingReportDraft
        do {
            draft = try JSONDecoder().decode(FilingReportDraft.self, from: Data(body.readableBytesView))
        } catch {
            throw APIError(
                .reportInvalid,
                zh: "报备应为 JSON：reportId、kind、caseCode、agencyCaseNumber、title、summary、persons、eventDate",
                en: "a filing report is JSON with reportId, kind, caseCode, agencyCaseNumber, title, summary, persons and eventDate"
            )
        }
        let checked: FilingReportDraft
        do {
            checked = try draft.checked(kinds: self.kinds, reporterKinds: self.registry[reporter]?.kinds ?? [])
        } catch {
            throw Self.apiError(error)
        }
        do {
            let (report, created) = try await self.store.fileReport(checked, reporter: reporter, kind: self.kinds[checked.kind])
            return HTTPJSON.response(report, status: created ? .created : .ok)
        } catch is HubStore.ReportIdTaken {
            throw APIError(
                .reportIdTaken,
                zh: "报备编号已被其他机关使用：\(checked.reportId)",
                en: "another organisation filed a report with the id \(checked.reportId)"
            )
        }
    }

    static func apiError(_ problem: FilingReportDraft.Problem) -> APIError {
        let code: APIError.Code =
            switch problem.code {
            case .invalid: .reportInvalid
            case .unknownKind: .reportUnknownKind
            case .notReporter: .reportNotReporter
            }
        return APIError(code, problem)
    }

    /// The committee's list: the kinds, the counts by kind and status, and the reports newest first.
    struct Listing: Encodable {
        struct Count: Encodable {
            let kind: String
            let status: FilingReport.Status
            let count: Int
            let late: Int
        }

        let kinds: [FilingReportKinds.Kind]
        let counts: [Count]
        let reports: [FilingReport]
    }

    func listing(status: FilingReport.Status?, kind: String?, reporter: String?) async throws -> Listing {
        Listing(
            kinds: self.kinds.kinds,
            counts: try await self.store.filingReportCounts().map { Listing.Count(kind: $0.kind, status: $0.status, count: $0.count, late: $0.late) },
            reports: try await self.store.filingReports(status: status, kind: kind, reporter: reporter)
        )
    }

    func list(_ request: Request, caller: Caller) async throws -> Response {
        guard caller.node == nil else { throw HubAccess.committeeOnly }
        let status: FilingReport.Status? =
            request.uri.queryParameters.get("status") == nil ? nil : try Query.choice(request, "status", default: FilingReport.Status.received)
        let kind = request.uri.queryParameters.get("kind").flatMap { $0.isEmpty ? nil : $0 }
        if let kind, self.kinds[kind] == nil {
            throw APIError.badQuery("kind", kind, expected: self.kinds.kinds.map(\.id).joined(separator: ", "))
        }
        let reporter = request.uri.queryParameters.get("organisation").flatMap { $0.isEmpty ? nil : $0 }
        try await self.reads.log(caller, "report.list", request.uri.description)
        let listing = try await self.listing(status: status, kind: kind, reporter: reporter)
        guard try Query.wantsCSV(request) else { return HTTPJSON.response(listing) }
        return SupervisionController.csv(Self.csv(listing.reports, kinds: self.kinds), name: "filing-reports")
    }

    static func csv(_ reports: [FilingReport], kinds: FilingReportKinds) -> String {
        CSV.document(
            header: [
                "报备编号 report", "类别 kind", "报备机关 reporter", "统一赋码 case code", "机关案号 agency case number", "标题 title",
                "事件日期 event date", "报备时间 reported at", "应报日期 due", "逾期 late", "状态 status", "阅知 acknowledged by",
            ],
            rows: reports.map { report in
                [
                    report.draft.reportId, kinds[report.draft.kind]?.zh ?? report.draft.kind, report.reporter, report.draft.caseCode,
                    report.draft.agencyCaseNumber, report.draft.title, report.draft.eventDate, report.reportedAt, report.dueOn ?? "",
                    report.late ? "是 yes" : "否 no", report.status.name.zh + " " + report.status.name.en, report.acknowledgedBy ?? "",
                ]
            }
        )
    }

    /// A supervisor (or the administrator) marks a report read, logged.
    func acknowledge(_ reportId: String, note: String?, caller: Caller) async throws -> FilingReport {
        guard caller.node == nil else { throw HubAccess.committeeOnly }
        guard let who = caller.reader?.name else { throw HubAccess.supervisorsOnly }
        if let note, note.count > 1000 { throw APIError(.reportInvalid, zh: "批注不超过 1000 个字", en: "a note has at most 1,000 characters") }
        guard let report = try await self.store.acknowledgeReport(reportId, by: who, note: note) else {
            try await self.reads.log(caller, "report.acknowledge", reportId, allowed: false)
            throw Self.notFound
        }
        try await self.reads.log(caller, "report.acknowledge", reportId)
        return report
    }
}
