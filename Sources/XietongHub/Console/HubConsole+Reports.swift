import Foundation
import Hummingbird
import XietongCore
import XietongHTTP

// The committee's list of case filing reports (issue 26, GUI-2): counts by kind and status, the reports newest first,
// each acknowledged ("已阅") from the page with a note. The list and each acknowledgement are the API's
// (`FilingReportController`), logged the same way.
extension HubConsole {
    func reportList(_ request: Request, _ session: ConsoleSessions.Session, notice: String? = nil) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let parameters = request.uri.queryParameters
        let status = parameters.get("status").flatMap(FilingReport.Status.init(rawValue:))
        let kind = parameters.get("kind").flatMap { self.reports.kinds[$0] == nil ? nil : $0 }
        let caller = Caller(session: session.principal)
        try await self.reports.reads.log(caller, "report.list", request.uri.description)
        let listing = try await self.reports.listing(status: status, kind: kind, reporter: nil)
        func kindName(_ id: String) -> String { self.reports.kinds[id].map { language.pick($0.zh, $0.en) } ?? id }
        var body = notice.map { "<p class=\"notice\" id=\"report-notice\">\($0)</p>" } ?? ""
        // Counts: one row a kind, received and acknowledged, and how many came late.
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "报备类别", "Kind"), ConsoleHTML.t(language, "待阅", "Received"), ConsoleHTML.t(language, "已阅", "Acknowledged"),
                ConsoleHTML.t(language, "逾期报备", "Late"),
            ],
            listing.kinds.map { kind in
                let counts = listing.counts.filter { $0.kind == kind.id }
                func count(_ status: FilingReport.Status) -> Int { counts.filter { $0.status == status }.map(\.count).reduce(0, +) }
                return [
                    "<a href=\"/console/reports?kind=\(ConsoleHTML.escape(kind.id))\">\(ConsoleHTML.escape(language.pick(kind.zh, kind.en)))</a>",
                    ConsoleHTML.badge(count(.received), "amber"), String(count(.acknowledged)),
                    ConsoleHTML.badge(counts.map(\.late).reduce(0, +), "red"),
                ]
            },
            id: "report-counts",
            empty: ConsoleHTML.t(language, "无", "None")
        )
        body += Self.filters(
            "/console/reports",
            status?.rawValue ?? "",
            [("", "全部", "All"), ("received", "待阅", "Received"), ("acknowledged", "已阅", "Acknowledged")],
            language,
            parameter: "status"
        )
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "报备时间", "Reported"), ConsoleHTML.t(language, "类别", "Kind"), ConsoleHTML.t(language, "报备机关", "Agency"),
                ConsoleHTML.t(language, "案件", "Case"), ConsoleHTML.t(language, "内容", "Report"), ConsoleHTML.t(language, "状态", "Status"),
            ],
            listing.reports.map { report in
                let draft = report.draft
                let persons = draft.persons.map { ConsoleHTML.escape($0.name) }.joined(separator: "、")
                let state: String
                if report.status == .acknowledged {
                    state =
                        ConsoleHTML.t(language, "已阅", "Acknowledged") + "<br><small>" + ConsoleHTML.escape(report.acknowledgedBy ?? "") + " "
                        + ConsoleHTML.time(report.acknowledgedAt ?? "") + "</small>"
                        + (report.note.map { "<br><small>\(ConsoleHTML.escape($0))</small>" } ?? "")
                } else {
                    state = """
                        <form class="inline" method="post" action="/console/reports/\(ConsoleHTML.escape(draft.reportId))/acknowledge">\
                        <input type="hidden" name="csrf" value="\(session.csrf)"><input type="text" name="note" placeholder="\(ConsoleHTML.t(language, "批注（可选）", "Note (optional)"))" style="width:140px"> \
                        <button type="submit">\(ConsoleHTML.t(language, "阅知", "Acknowledge"))</button></form>
                        """
                }
                return [
                    ConsoleHTML.time(report.reportedAt)
                        + (report.late
                            ? " <span class=\"badge red\">\(ConsoleHTML.t(language, "逾期", "late"))</span>"
                            : ""),
                    ConsoleHTML.escape(kindName(draft.kind)),
                    ConsoleHTML.escape(self.orgName(report.reporter, language)),
                    "<a href=\"/console/cases/\(ConsoleHTML.escape(draft.caseCode))\" class=\"mono\">\(ConsoleHTML.escape(draft.caseCode))</a><br>"
                        + ConsoleHTML.escape(draft.agencyCaseNumber),
                    "<strong>\(ConsoleHTML.escape(draft.title))</strong>" + (persons.isEmpty ? "" : "<br>\(persons)")
                        + "<br><small>\(ConsoleHTML.escape(draft.summary))</small>",
                    state,
                ]
            },
            id: "reports",
            empty: ConsoleHTML.t(language, "没有报备", "No filing report")
        )
        body += Self.csvLink(
            "/v1/supervision/filing-reports?format=csv" + (status.map { "&status=\($0.rawValue)" } ?? "") + (kind.map { "&kind=\($0)" } ?? ""),
            language
        )
        return self.render(request, session, title: ("案件报备", "Filing reports"), body: body)
    }

    func acknowledgeReport(_ request: Request, _ reportId: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let fields = await ConsoleForm.fields(request)
        guard fields["csrf"] == session.csrf else {
            return try await self.reportList(request, session, notice: ConsoleHTML.t(language, "表单已过期，请重试", "The form has expired; try again"))
        }
        let note = fields["note"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            _ = try await self.reports.acknowledge(reportId, note: note?.isEmpty == false ? note : nil, caller: Caller(session: session.principal))
            return ConsoleHTML.redirect("/console/reports")
        } catch let error as APIError {
            return try await self.reportList(request, session, notice: ConsoleHTML.escape(language.pick(error.message.zh, error.message.en)))
        }
    }
}
