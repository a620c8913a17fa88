import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// The committee's pages, served by the hub (issue 7): every case filtered by state, agency and flow; the deadline
/// board; a dashboard of charts; a case's timeline; and, for administrators, the organisations and nodes, alerts,
/// refused packages and the health of the evidence log. Every table can be exported as CSV (the supervision API's
/// `?format=csv`, which the console session opens). Supervisors and administrators log in with their `users` name
/// and token.
struct HubConsole: Sendable {
    let store: HubStore
    let registry: OrganisationRegistry
    let sessions: ConsoleSessions
    /// Supervisors and administrators (`users`, `adminToken`): who may log in.
    let credentials: CredentialSet
    /// Whether the hub serves TLS (the session cookie is then `Secure`).
    let secure: Bool
    let nodes: NodeOverview
    /// The links to peer hubs (issue 23), on the administration page.
    let links: LinkOverview
    /// Pooled case search (issue 26), as the API answers it.
    let searcher: SearchController
    /// Case filing reports (issue 26), as the API lists them.
    let reports: FilingReportController
    /// Remote arraignment rooms and bookings (issue 26), as the API reads them.
    let arraignment: ArraignmentController
    /// Similar cases and sentencing reference (issue 26), as the API answers it.
    let similar: SimilarCasesController

    var catalog: FlowCatalog { self.store.flows.rules.catalog }
    let site = (zh: "政法委 · 跨部门协同监督", en: "Political-legal committee · supervision")

    /// An organisation's name in the page's language (its Chinese name where the registry gives no English one); its
    /// code only when the registry does not know it.
    func orgName(_ code: String, _ language: ConsoleLanguage) -> String {
        guard let name = self.registry[code]?.name else { return code }
        return language == .en && !name.en.isEmpty ? name.en : name.zh
    }

    /// The hop a package is stuck after, as an alert records it (`forwarded`), named in the page's language.
    static func hopName(_ hop: String, _ language: ConsoleLanguage) -> String {
        Hop(rawValue: hop).map { language.pick($0.name.zh, $0.name.en) } ?? hop
    }

    func flowName(_ flow: String, _ language: ConsoleLanguage) -> String {
        self.catalog.flow(flow).map { language.pick($0.zh, $0.en) } ?? flow
    }

    func messageName(_ flow: String, _ type: String, _ language: ConsoleLanguage) -> String {
        self.catalog.message(flow: flow, type: type).map { language.pick($0.zh, $0.en) } ?? type
    }

    func nav(_ session: ConsoleSessions.Session) -> [ConsoleHTML.NavItem] {
        var items = [
            ConsoleHTML.NavItem("/console", "统计看板", "Dashboard"),
            ConsoleHTML.NavItem("/console/cases", "全部案件", "All cases"),
            ConsoleHTML.NavItem("/console/deadlines", "期限看板", "Deadline board"),
            ConsoleHTML.NavItem("/console/search", "案件检索", "Case search"),
            ConsoleHTML.NavItem("/console/reports", "案件报备", "Filing reports"),
            ConsoleHTML.NavItem("/console/arraignment", "远程提审", "Remote arraignment"),
        ]
        if session.principal.role == .administrator { items.append(ConsoleHTML.NavItem("/console/admin", "系统管理", "Administration")) }
        return items
    }

    func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("/console/login") { request, _ in ConsoleLogin.page(ConsoleLanguage.of(request), site: self.site, error: false, hint: "") }
        ConsoleHTML.addFavicon(to: router)
        router.post("/console/login") { request, _ in try await self.login(request) }
        router.get("/console/logout") { request, _ in
            await self.sessions.end(request)
            return ConsoleHTML.redirect("/console/login", cookies: [ConsoleSessions.endCookie])
        }
        router.get("/console") { request, _ in try await self.signedIn(request) { try await self.dashboard(request, $0) } }
        router.get("/console/cases") { request, _ in try await self.signedIn(request) { try await self.cases(request, $0) } }
        router.get("/console/deadlines") { request, _ in try await self.signedIn(request) { try await self.deadlines(request, $0) } }
        router.get("/console/search") { request, _ in try await self.signedIn(request) { try await self.search(request, $0) } }
        router.get("/console/reports") { request, _ in try await self.signedIn(request) { try await self.reportList(request, $0) } }
        router.post("/console/reports/:id/acknowledge") { request, context in
            try await self.signedIn(request) { try await self.acknowledgeReport(request, context.parameters.get("id") ?? "", $0) }
        }
        router.get("/console/arraignment") { request, _ in try await self.signedIn(request) { try await self.arraignmentCalendar(request, $0) } }
        router.get("/console/cases/:code/similar") { request, context in
            try await self.signedIn(request) { try await self.similarCases(request, context.parameters.get("code") ?? "", $0) }
        }
        router.get("/console/cases/:code") { request, context in
            try await self.signedIn(request) { try await self.caseTimeline(request, context.parameters.get("code") ?? "", $0) }
        }
        router.get("/console/admin") { request, _ in
            try await self.signedIn(request) { session in
                guard session.principal.role == .administrator else { return ConsoleHTML.redirect("/console") }
                return try await self.admin(request, session)
            }
        }
    }

    func signedIn(_ request: Request, _ page: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        try await self.sessions.signedIn(request, log: self.store.accessLog, page)
    }

    func login(_ request: Request) async throws -> Response {
        await self.sessions.logIn(
            request,
            credentials: self.credentials,
            roles: [.supervisor, .administrator],
            secure: self.secure,
            site: self.site
        )
    }

    func render(_ request: Request, _ session: ConsoleSessions.Session, title: (String, String), body: String) -> Response {
        ConsoleHTML.page(
            title: title,
            language: ConsoleLanguage.of(request),
            site: self.site,
            user: session.displayName,
            nav: self.nav(session),
            path: request.uri.path,
            body: body
        )
    }

    static func csvLink(_ path: String, _ language: ConsoleLanguage) -> String {
        "<p><a class=\"csv\" href=\"\(ConsoleHTML.escape(path))\">\(ConsoleHTML.t(language, "导出 CSV", "Export CSV"))</a></p>"
    }

    // MARK: Cases and deadlines

    static func filters(
        _ path: String,
        _ current: String,
        _ options: [(String, String, String)],
        _ language: ConsoleLanguage,
        parameter: String = "filter"
    ) -> String {
        "<p class=\"filters\">"
            + options.map { value, zh, en in
                "<a class=\"\(value == current ? "on" : "")\" href=\"\(path)?\(parameter)=\(value)\">\(ConsoleHTML.t(language, zh, en))</a>"
            }.joined() + "</p>"
    }

    func cases(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let parameters = request.uri.queryParameters
        let filter = parameters.get("filter").flatMap(Supervision.CaseFilter.init(rawValue:)) ?? .open
        let agency = parameters.get("agency").flatMap { $0.isEmpty ? nil : $0 }
        let flow = parameters.get("flow").flatMap { $0.isEmpty ? nil : $0 }
        let rows = try await self.store.cases(filter, organisation: agency, flow: flow)
        var body = Self.filters(
            "/console/cases",
            filter.rawValue,
            [("open", "办理中", "Open"), ("dueSoon", "即将到期", "Due soon"), ("overdue", "已超期", "Overdue"), ("all", "全部", "All")],
            language
        )
        let agencies = self.registry.organisations.map {
            "<option value=\"\($0.code)\"\(agency == $0.code ? " selected" : "")>\(ConsoleHTML.escape(self.orgName($0.code, language)))</option>"
        }
        let flows = self.catalog.flows.map {
            "<option value=\"\($0.id)\"\(flow == $0.id ? " selected" : "")>\(ConsoleHTML.escape(language.pick($0.zh, $0.en)))</option>"
        }
        body += """
            <form method="get" action="/console/cases" id="case-filter"><input type="hidden" name="filter" value="\(filter.rawValue)">
            <select name="agency"><option value="">\(ConsoleHTML.t(language, "全部机关", "All agencies"))</option>\(agencies.joined())</select>
            <select name="flow"><option value="">\(ConsoleHTML.t(language, "全部业务", "All businesses"))</option>\(flows.joined())</select>
            <input type="submit" value="\(ConsoleHTML.t(language, "筛选", "Filter"))"></form>
            """
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "案件统一赋码", "Case code"), ConsoleHTML.t(language, "业务", "Business"), ConsoleHTML.t(language, "开始", "Opened"),
                ConsoleHTML.t(language, "状态", "State"), ConsoleHTML.t(language, "最近届满日", "Next due"), ConsoleHTML.t(language, "即将到期", "Due soon"),
                ConsoleHTML.t(language, "已超期", "Overdue"),
            ],
            rows.map {
                [
                    "<a href=\"/console/cases/\(ConsoleHTML.escape($0.caseCode))\" class=\"mono\">\(ConsoleHTML.escape($0.caseCode))</a>",
                    ConsoleHTML.escape(self.flowName($0.flow, language)), ConsoleHTML.day($0.openedAt),
                    $0.closedAt == nil ? ConsoleHTML.t(language, "办理中", "open") : ConsoleHTML.t(language, "已办结", "closed"),
                    ConsoleHTML.escape($0.nextDue ?? ""), ConsoleHTML.badge($0.dueSoon, "amber"), ConsoleHTML.badge($0.overdue, "red"),
                ]
            },
            id: "cases",
            empty: ConsoleHTML.t(language, "没有符合条件的案件", "No case matches")
        )
        let query = "filter=\(filter.rawValue)" + (agency.map { "&agency=\($0)" } ?? "") + (flow.map { "&flow=\($0)" } ?? "")
        body += Self.csvLink("/v1/supervision/cases?format=csv&\(query)", language)
        return self.render(request, session, title: ("全部案件", "All cases"), body: body)
    }

    func deadlines(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let filter = request.uri.queryParameters.get("filter").flatMap(Supervision.Filter.init(rawValue:)) ?? .open
        let rows = try await self.store.deadlineBoard(filter)
        var body = Self.filters(
            "/console/deadlines",
            filter.rawValue,
            [("open", "全部待办", "All open"), ("dueSoon", "即将到期", "Due soon"), ("overdue", "已超期", "Overdue")],
            language
        )
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "届满日", "Due"), ConsoleHTML.t(language, "责任机关", "Responsible"), ConsoleHTML.t(language, "事项", "Message"),
                ConsoleHTML.t(language, "期限", "Limit"), ConsoleHTML.t(language, "案件", "Case"), ConsoleHTML.t(language, "依据", "Basis"),
            ],
            rows.map {
                [
                    ConsoleHTML.escape($0.dueOn)
                        + ($0.custody ? " <span class=\"badge amber\">\(ConsoleHTML.t(language, "在押", "custody"))</span>" : "")
                        + ($0.provisional ? " <span class=\"badge amber\">\(ConsoleHTML.t(language, "暂定", "provisional"))</span>" : "")
                        + ($0.changedFrom.map { "<br><small>\(ConsoleHTML.t(language, "原 \($0)", "was \($0)"))</small>" } ?? ""),
                    ConsoleHTML.escape(self.orgName($0.responsible, language)),
                    ConsoleHTML.escape(self.messageName($0.flow, $0.messageType, language)),
                    ConsoleHTML.escape(ConsoleTimeline.limit($0.limit, language)),
                    "<a href=\"/console/cases/\(ConsoleHTML.escape($0.caseCode))\" class=\"mono\">\(ConsoleHTML.escape($0.caseCode))</a>",
                    ConsoleHTML.escape(ConsoleTimeline.basis($0.basis, language)),
                ]
            },
            id: "deadlines",
            empty: ConsoleHTML.t(language, "无", "None")
        )
        body += Self.csvLink("/v1/supervision/deadlines?format=csv&filter=\(filter.rawValue)", language)
        return self.render(request, session, title: ("期限看板", "Deadline board"), body: body)
    }

    func caseTimeline(_ request: Request, _ code: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let timeline = try await self.store.timeline(ofCase: code)
        guard !timeline.instances.isEmpty else {
            return self.render(
                request,
                session,
                title: ("案件", "Case"),
                body: "<p class=\"empty\">\(ConsoleHTML.t(language, "没有该案件", "No such case"))</p>"
            )
        }
        try await self.store.accessLog.record(session.principal, action: "case.timeline", subject: code)
        return self.render(
            request,
            session,
            title: ("案件流程", "Case timeline"),
            body: "<p><a id=\"similar-link\" href=\"/console/cases/\(ConsoleHTML.escape(code))/similar\">"
                + ConsoleHTML.t(language, "类案与量刑参考", "Similar cases and sentencing reference") + "</a></p>"
                + ConsoleTimeline.html(timeline, language: language, name: { self.orgName($0, language) })
        )
    }
}
