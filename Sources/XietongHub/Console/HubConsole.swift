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

    var catalog: FlowCatalog { self.store.flows.rules.catalog }
    let site = (zh: "政法委 · 跨部门协同监督", en: "Political-legal committee · supervision")

    func orgName(_ code: String, _ language: ConsoleLanguage) -> String {
        self.registry[code].map { language.pick($0.name.zh, $0.name.en) } ?? code
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
        ]
        if session.principal.role == .administrator { items.append(ConsoleHTML.NavItem("/console/admin", "系统管理", "Administration")) }
        return items
    }

    func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("/console/login") { request, _ in ConsoleLogin.page(ConsoleLanguage.of(request), site: self.site, error: false, hint: "") }
        router.post("/console/login") { request, _ in try await self.login(request) }
        router.get("/console/logout") { request, _ in
            await self.sessions.end(request)
            return ConsoleHTML.redirect("/console/login", cookies: [ConsoleSessions.endCookie])
        }
        router.get("/console") { request, _ in try await self.signedIn(request) { try await self.dashboard(request, $0) } }
        router.get("/console/cases") { request, _ in try await self.signedIn(request) { try await self.cases(request, $0) } }
        router.get("/console/deadlines") { request, _ in try await self.signedIn(request) { try await self.deadlines(request, $0) } }
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

    // MARK: Dashboard (GS-3, GS-6, SZ-7)

    func dashboard(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let today = self.store.clock.today
        let statistics = try await self.store.statistics(from: today.adding(days: -90), to: today.adding(days: 1))
        var byFlow: [String: Int] = [:]
        var byAgency: [String: Int] = [:]
        for row in statistics.volume {
            byFlow[row.flow, default: 0] += row.packages
            byAgency[row.organisation, default: 0] += row.packages
        }
        let daily = try await self.store.dailyVolume(from: today.adding(days: -13), to: today)
        let handling = statistics.handling.sorted { $0.medianHours > $1.medianHours }.prefix(8)
        let custody = try await self.store.custodyWatch(within: 7)
        let dayAgo = Timestamp.string(self.store.clock.now().addingTimeInterval(-86400))
        let alerts = try await self.store.alerts().filter { $0.raisedAt >= dayAgo }
        let refusals = try await self.store.refusals(limit: 1000).filter { $0.receipt.receivedAt >= dayAgo }
        let custodyExchanges = byFlow["custodyTransfer"] ?? 0
        let l = { (zh: String, en: String) in language.pick(zh, en) }
        let charts = [
            SVGChart.bars(
                title: l("各业务数据包数（近 90 天）", "Packages per business (90 days)"),
                unit: "",
                byFlow.sorted { $0.value > $1.value }.prefix(10).map { (self.flowName($0.key, language), Double($0.value)) },
                id: "chart-volume-flow"
            ),
            SVGChart.bars(
                title: l("各机关发送数据包数", "Packages sent per agency"),
                unit: "",
                byAgency.sorted { $0.value > $1.value }.prefix(10).map { (self.orgName($0.key, language), Double($0.value)) },
                id: "chart-volume-agency"
            ),
            SVGChart.line(
                title: l("每日数据包数（近 14 天）", "Packages per day (14 days)"),
                zip(daily.days, daily.total).map { (String($0.0.suffix(5)), Double($0.1)) },
                id: "chart-daily"
            ),
            SVGChart.lines(
                title: l("各机关每日发送数（近 14 天）", "Packages per agency per day (14 days)"),
                labels: daily.days.map { String($0.suffix(5)) },
                series: daily.byAgency.sorted { $0.key < $1.key }.map { (self.orgName($0.key, language), $0.value.map(Double.init)) },
                id: "chart-daily-agency"
            ),
            SVGChart.lines(
                title: l("各业务每日数据包数（近 14 天）", "Packages per business per day (14 days)"),
                labels: daily.days.map { String($0.suffix(5)) },
                series: daily.byFlow.sorted { $0.value.reduce(0, +) > $1.value.reduce(0, +) }.prefix(8).map {
                    (self.flowName($0.key, language), $0.value.map(Double.init))
                },
                id: "chart-daily-flow"
            ),
            SVGChart.bars(
                title: l("各环节办理时长中位数（小时）", "Median handling time per stage (hours)"),
                unit: "h",
                handling.map { (self.messageName($0.flow, $0.messageType, language), $0.medianHours) },
                id: "chart-handling"
            ),
            SVGChart.ring(
                title: l("超期率", "Overdue rate"),
                rate: statistics.overdueRate,
                caption: l(
                    "\(statistics.dutiesOverdue)/\(statistics.dutiesDue) 项期限超期",
                    "\(statistics.dutiesOverdue) of \(statistics.dutiesDue) limits overdue"
                ),
                id: "chart-overdue",
                good: statistics.overdueRate < 0.05
            ),
            SVGChart.ring(
                title: l("网上流转率", "Online flow rate"),
                rate: statistics.onlineFlowRate,
                caption: l(
                    "\(statistics.flowsClosedOnline)/\(statistics.flowsOpened) 个流程网上办结",
                    "\(statistics.flowsClosedOnline) of \(statistics.flowsOpened) flows closed online"
                ),
                id: "chart-online",
                good: true
            ),
            SVGChart.bars(
                title: l("数字换押", "Digital custody exchange"),
                unit: "",
                [(l("换押数据包", "Custody packages"), Double(custodyExchanges)), (l("羁押期限预警", "Custody warnings"), Double(custody.count))],
                id: "chart-custody"
            ),
            SVGChart.bars(
                title: l("近 24 小时告警与退回", "Alerts and refusals, last 24 hours"),
                unit: "",
                [(l("超时告警", "Overdue alerts"), Double(alerts.count)), (l("拒收数据包", "Refused packages"), Double(refusals.count))],
                id: "chart-alerts"
            ),
        ]
        var body = "<div class=\"charts\" id=\"charts\">" + charts.map { "<div class=\"chart\">\($0)</div>" }.joined() + "</div>"
        body += Self.csvLink("/v1/statistics?format=csv&table=volume", language)
        body += "<h2>\(ConsoleHTML.t(language, "近 24 小时告警", "Alerts of the last 24 hours"))</h2>"
        body += ConsoleHTML.table(
            [ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "数据包", "Package"), ConsoleHTML.t(language, "滞留环节", "Stuck after")],
            alerts.prefix(20).map {
                [
                    ConsoleHTML.escape($0.raisedAt), "<span class=\"mono\">\(ConsoleHTML.escape($0.packageId))</span>",
                    ConsoleHTML.escape($0.stuckAfter),
                ]
            },
            empty: ConsoleHTML.t(language, "无", "None")
        )
        return self.render(request, session, title: ("统计看板", "Dashboard"), body: body)
    }

    // MARK: Cases and deadlines

    static func filters(_ path: String, _ current: String, _ options: [(String, String, String)], _ language: ConsoleLanguage) -> String {
        "<p class=\"filters\">"
            + options.map { value, zh, en in
                "<a class=\"\(value == current ? "on" : "")\" href=\"\(path)?filter=\(value)\">\(ConsoleHTML.t(language, zh, en))</a>"
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
            "<option value=\"\($0.code)\"\(agency == $0.code ? " selected" : "")>\(ConsoleHTML.escape(language.pick($0.name.zh, $0.name.en)))</option>"
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
                    ConsoleHTML.escape(self.flowName($0.flow, language)), ConsoleHTML.escape(String($0.openedAt.prefix(10))),
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
                    ConsoleHTML.escape($0.limit),
                    "<a href=\"/console/cases/\(ConsoleHTML.escape($0.caseCode))\" class=\"mono\">\(ConsoleHTML.escape($0.caseCode))</a>",
                    ConsoleHTML.escape($0.basis),
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
            body: ConsoleTimeline.html(timeline, language: language, name: { self.orgName($0, language) })
        )
    }

    // MARK: Administration

    func admin(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        var nodes: [[String]] = []
        for node in try await self.nodes.views() {
            let connected = node.lastSeenAt.flatMap(Timestamp.date).map { self.store.clock.now().timeIntervalSince($0) < 90 } ?? false
            nodes.append([
                ConsoleHTML.escape(self.orgName(node.organisation, language)), "<span class=\"mono\">\(node.organisation)</span>",
                connected
                    ? "<span class=\"ok\">● \(ConsoleHTML.t(language, "在线", "connected"))</span>"
                    : "<span class=\"error\">○ \(ConsoleHTML.t(language, "离线", "not connected"))</span>",
                ConsoleHTML.escape(node.lastSeenAt ?? "—"), String(node.queued),
            ])
        }
        var body = ""
        // Open limits whose last day is provisional: the holiday calendar lacks their year (issue 20).
        if let notice = LegalCalendar.missingYearsNotice(try await self.store.provisionalYears()) {
            body += "<p class=\"error\" id=\"calendar-missing\">\(ConsoleHTML.escape(language.pick(notice.zh, notice.en)))</p>"
        }
        body += "<h2>\(ConsoleHTML.t(language, "机构与节点", "Organisations and nodes"))</h2>"
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "机构", "Organisation"), ConsoleHTML.t(language, "代码", "Code"), ConsoleHTML.t(language, "连接", "Connection"),
                ConsoleHTML.t(language, "最近联系", "Last seen"), ConsoleHTML.t(language, "待取队列", "Queue depth"),
            ],
            nodes,
            id: "nodes",
            empty: ""
        )
        body += Self.csvLink("/v1/admin/nodes?format=csv", language)
        let size = try await self.store.evidenceSize()
        let head = try await self.store.latestTreeHead()
        let lag = head.map { size - $0.treeSize } ?? size
        body += "<h2>\(ConsoleHTML.t(language, "证据日志", "Evidence log"))</h2>"
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "记录数", "Entries"), ConsoleHTML.t(language, "最新签名树头", "Latest signed head"),
                ConsoleHTML.t(language, "根哈希", "Root"), ConsoleHTML.t(language, "未签名记录", "Entries not yet signed"),
                ConsoleHTML.t(language, "签名方式", "Signed with"),
            ],
            [
                [
                    String(size), ConsoleHTML.escape(head.map { "\($0.treeSize) @ \($0.timestamp)" } ?? "—"),
                    "<span class=\"mono\">\(ConsoleHTML.escape(head?.rootHash ?? ""))</span>",
                    lag <= 0 ? "<span class=\"ok\">0 ✔</span>" : "<span class=\"badge amber\">\(lag)</span>",
                    ConsoleHTML.escape(
                        head.map {
                            $0.certificate != nil ? language.pick("中心平台证书", "the hub's certificate") : language.pick("证据日志密钥", "the evidence key")
                        } ?? "—"
                    ),
                ]
            ],
            id: "evidence",
            empty: ""
        )
        body += "<p>\(ConsoleHTML.t(language, "完整核查：", "Full check: ")) <code>xietong audit verify --config hub.json</code></p>"
        let alerts = try await self.store.alerts()
        body += "<h2>\(ConsoleHTML.t(language, "告警", "Alerts"))</h2>"
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "数据包", "Package"), ConsoleHTML.t(language, "发送", "From"),
                ConsoleHTML.t(language, "接收", "To"), ConsoleHTML.t(language, "滞留环节", "Stuck after"),
            ],
            alerts.prefix(50).map {
                [
                    ConsoleHTML.escape($0.raisedAt), "<span class=\"mono\">\(ConsoleHTML.escape($0.packageId))</span>",
                    ConsoleHTML.escape(self.orgName($0.sender, language)), ConsoleHTML.escape(self.orgName($0.receiver, language)),
                    ConsoleHTML.escape($0.stuckAfter),
                ]
            },
            id: "alerts",
            empty: ConsoleHTML.t(language, "无", "None")
        )
        body += Self.csvLink("/v1/admin/alerts?format=csv", language)
        let refusals = try await self.store.refusals(limit: 50)
        body += "<h2>\(ConsoleHTML.t(language, "拒收的数据包", "Refused packages"))</h2>"
        body += ConsoleHTML.table(
            [ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "发送机关", "From"), ConsoleHTML.t(language, "原因", "Why")],
            refusals.map {
                [
                    ConsoleHTML.escape($0.receipt.receivedAt), ConsoleHTML.escape(self.orgName($0.sender, language)),
                    $0.receipt.findings.map {
                        "<span class=\"mono\">\(ConsoleHTML.escape($0.code.rawValue))</span> \(ConsoleHTML.escape(language.pick($0.message.zh, $0.message.en)))"
                    }.joined(separator: "<br>"),
                ]
            },
            id: "refusals",
            empty: ConsoleHTML.t(language, "无", "None")
        )
        body += Self.csvLink("/v1/admin/refusals?format=csv", language)
        return self.render(request, session, title: ("系统管理", "Administration"), body: body)
    }
}
