import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

// The console's administration page: the nodes, the evidence log's health, alerts and refused packages.
extension HubConsole {
    func admin(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        var nodes: [[String]] = []
        for node in try await self.nodes.views() {
            let connected = node.lastSeenAt.flatMap(Timestamp.date).map { self.store.clock.now().timeIntervalSince($0) < 90 } ?? false
            // Named, with the code a hover away (and in the CSV): organisations are not shown as codes (issue 22).
            nodes.append([
                "<span title=\"\(ConsoleHTML.escape(node.organisation))\">\(ConsoleHTML.escape(self.orgName(node.organisation, language)))</span>",
                connected
                    ? "<span class=\"ok\">● \(ConsoleHTML.t(language, "在线", "connected"))</span>"
                    : "<span class=\"error\">○ \(ConsoleHTML.t(language, "离线", "not connected"))</span>",
                node.lastSeenAt.map(ConsoleHTML.time) ?? "—", String(node.queued),
            ])
        }
        var body = ""
        // Open limits whose last day is provisional: the holiday calendar lacks their year (issue 20).
        if let notice = LegalCalendar.missingYearsNotice(try await self.store.provisionalYears()) {
            // The setting and the command it names are typed, not read: code on the Chinese page, not English words.
            let text = language == .zh ? ConsoleHTML.escape(notice.zh, code: ["xietong calendar check", "calendar"]) : ConsoleHTML.escape(notice.en)
            body += "<p class=\"error\" id=\"calendar-missing\">\(text)</p>"
        }
        body += "<h2>\(ConsoleHTML.t(language, "机构与节点", "Organisations and nodes"))</h2>"
        body += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "机构", "Organisation"), ConsoleHTML.t(language, "连接", "Connection"),
                ConsoleHTML.t(language, "最近联系", "Last seen"), ConsoleHTML.t(language, "待取队列", "Queue depth"),
            ],
            nodes,
            id: "nodes",
            empty: ""
        )
        body += Self.csvLink("/v1/admin/nodes?format=csv", language)
        body += try await self.linkSection(language)
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
                    String(size), head.map { "\($0.treeSize) @ " + ConsoleHTML.time($0.timestamp) } ?? "—",
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
                    ConsoleHTML.time($0.raisedAt), "<span class=\"mono\">\(ConsoleHTML.escape($0.packageId))</span>",
                    ConsoleHTML.escape(self.orgName($0.sender, language)), ConsoleHTML.escape(self.orgName($0.receiver, language)),
                    ConsoleHTML.escape(Self.hopName($0.stuckAfter, language)),
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
                    ConsoleHTML.time($0.receipt.receivedAt), ConsoleHTML.escape(self.orgName($0.sender, language)),
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

extension HubConsole {
    /// The links to peer hubs (issue 23): each way's state, what waits for the peer and since when, and the peer's
    /// evidence log as this hub checked it. Nothing when the hub has no peers.
    func linkSection(_ language: ConsoleLanguage) async throws -> String {
        let views = try await self.links.views()
        guard !views.isEmpty else { return "" }
        func state(_ working: Bool, _ since: String?) -> String {
            (working
                ? "<span class=\"ok\">● \(ConsoleHTML.t(language, "正常", "working"))</span>"
                : "<span class=\"error\">○ \(ConsoleHTML.t(language, "中断", "down"))</span>") + (since.map { " " + ConsoleHTML.time($0) } ?? "")
        }
        let rows = views.map { link -> [String] in
            [
                "<span title=\"\(ConsoleHTML.escape(link.hub))\">\(ConsoleHTML.escape(link.name)) · \(ConsoleHTML.escape(self.orgName(link.hub, language)))</span>",
                state(link.peerReading, link.peerLastSeenAt), state(link.peerAnswering, link.peerLastAnsweredAt), String(link.waiting),
                (link.stuck ? "<span class=\"error\">⚠ " : "<span>") + (link.oldestWaitingSince.map(ConsoleHTML.time) ?? "—") + "</span>",
                link.evidenceAlarm.map { "<span class=\"error\">\(ConsoleHTML.escape(language.pick($0.zh, $0.en)))</span>" }
                    ?? (link.peerTreeSize.map { "<span class=\"ok\">\($0) ✔</span>" } ?? "—"),
            ]
        }
        return "<h2>\(ConsoleHTML.t(language, "与其他中心平台的链路", "Links to peer hubs"))</h2>"
            + ConsoleHTML.table(
                [
                    ConsoleHTML.t(language, "链路", "Link"), ConsoleHTML.t(language, "对端读取本平台队列", "Peer reads this hub"),
                    ConsoleHTML.t(language, "本平台读取对端队列", "This hub reads the peer"), ConsoleHTML.t(language, "待对端取走", "Waiting for the peer"),
                    ConsoleHTML.t(language, "最早等待", "Oldest waiting since"), ConsoleHTML.t(language, "对端证据日志", "Peer's evidence log"),
                ],
                rows,
                id: "links",
                empty: ""
            )
    }
}
