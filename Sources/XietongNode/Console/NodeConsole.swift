import Foundation
import Hummingbird
import XietongCore
import XietongDocuments
import XietongHTTP
import XietongStore

/// An agency's pages, served by its node (issue 7): the inbox with red counters per business, incoming and outgoing
/// packages, sign-for and return with a reason, a package's tracking hop by hop with its dossier viewer, and a case's
/// timeline. Officers log in with the name and token of a `users` entry (role `officer`).
struct NodeConsole: Sendable {
    let engine: NodeEngine
    let sessions: ConsoleSessions

    var catalog: FlowCatalog { self.engine.checker.catalog }
    var registry: OrganisationRegistry { self.engine.checker.registry }
    var organisation: String { self.engine.configuration.organisation }

    var site: (zh: String, en: String) {
        (
            "\(self.orgName(self.organisation, .zh)) · 政法协同交换节点",
            "\(self.orgName(self.organisation, .en)) · Xietong exchange node"
        )
    }

    /// An organisation's name in the page's language (its Chinese name where the registry gives no English one); its
    /// code only when the registry does not know it.
    func orgName(_ code: String, _ language: ConsoleLanguage) -> String {
        guard let name = self.registry[code]?.name else { return code }
        return language == .en && !name.en.isEmpty ? name.en : name.zh
    }

    func flowName(_ flow: String, _ language: ConsoleLanguage) -> String {
        self.catalog.flow(flow).map { language.pick($0.zh, $0.en) } ?? flow
    }

    func messageName(_ flow: String, _ type: String, _ language: ConsoleLanguage) -> String {
        self.catalog.message(flow: flow, type: type).map { language.pick($0.zh, $0.en) } ?? type
    }

    static let nav = [
        ConsoleHTML.NavItem("/console", "收件箱", "Inbox"),
        ConsoleHTML.NavItem("/console/outgoing", "已发送", "Sent"),
        ConsoleHTML.NavItem("/console/exchange-database", "中间库", "Exchange database"),
    ]

    func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("/console/login") { request, _ in
            ConsoleLogin.page(ConsoleLanguage.of(request), site: self.site, error: false, hint: "")
        }
        router.post("/console/login") { request, _ in try await self.login(request) }
        router.get("/console/logout") { request, _ in
            await self.sessions.end(request)
            return ConsoleHTML.redirect("/console/login", cookies: [ConsoleSessions.endCookie])
        }
        router.get("/console") { request, _ in try await self.signedIn(request) { try await self.inbox(request, $0) } }
        router.get("/console/outgoing") { request, _ in try await self.signedIn(request) { try await self.outgoing(request, $0) } }
        router.get("/console/exchange-database") { request, _ in
            try await self.signedIn(request) { try await self.exchangeDatabase(request, $0) }
        }
        router.get("/console/packages/:id") { request, context in
            try await self.signedIn(request) { try await self.package(request, context.parameters.get("id") ?? "", $0, notice: nil) }
        }
        router.post("/console/packages/:id/sign") { request, context in
            try await self.signedIn(request) { try await self.act(request, context.parameters.get("id") ?? "", .signedFor, $0) }
        }
        router.post("/console/packages/:id/return") { request, context in
            try await self.signedIn(request) { try await self.act(request, context.parameters.get("id") ?? "", .returned, $0) }
        }
        // A package's file, whole or the byte range the audio and video players ask for as they seek (issue 24), and
        // its headers alone; also with the file's name last in the address, which the PDF viewer shows as the
        // document's title.
        let file: @Sendable (Request, PeerRequestContext) async throws -> Response = { request, context in
            try await self.signedIn(request) { _ in
                try await self.file(request, context.parameters.get("id") ?? "", context.parameters.get("sha256") ?? "")
            }
        }
        for path in ["/console/packages/:id/files/:sha256", "/console/packages/:id/files/:sha256/:name"] {
            router.get(RouterPath(path), use: file)
            router.head(RouterPath(path), use: file)
        }
        router.get("/console/cases/:code/similar") { request, context in
            try await self.signedIn(request) { try await self.similarCases(request, context.parameters.get("code") ?? "", $0) }
        }
        router.get("/console/cases/:code") { request, context in
            try await self.signedIn(request) { try await self.caseTimeline(request, context.parameters.get("code") ?? "", $0) }
        }
        router.get("/console/live") { request, _ in try await self.signedIn(request) { _ in try await self.liveCounters() } }
        ConsoleHTML.addFavicon(to: router)
        router.get("/console/live.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ConsoleScript.node))
            )
        }
    }

    /// Runs `page` for a signed-in officer; otherwise to the log-in page.
    func signedIn(_ request: Request, _ page: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        try await self.sessions.signedIn(request, log: self.engine.store.accessLog, page)
    }

    func login(_ request: Request) async throws -> Response {
        await self.sessions.logIn(
            request,
            credentials: self.engine.configuration.officers,
            roles: [.officer],
            secure: self.engine.configuration.serveTLS,
            site: self.site
        )
    }

    func render(_ request: Request, _ session: ConsoleSessions.Session, title: (String, String), body: String, live: Bool = false) -> Response {
        ConsoleHTML.page(
            title: title,
            language: ConsoleLanguage.of(request),
            site: self.site,
            user: session.displayName,
            nav: Self.nav,
            path: request.uri.path,
            body: body,
            live: live
        )
    }

    // MARK: Inbox

    struct Handling: Sendable {
        var unread: [String: Int] = [:]
        var state: [String: Hop] = [:]
    }

    /// Which incoming packages are signed for or returned, and how many are not, per flow.
    func handling(_ items: [NodeStore.InboxItem]) async throws -> Handling {
        var handling = Handling()
        for item in items {
            let hops = try await self.engine.store.events(of: item.packageId).map(\.hop)
            if let done = hops.last(where: { $0 == .signedFor || $0 == .returned }) {
                handling.state[item.packageId] = done
            } else {
                handling.unread[item.delivery.flow, default: 0] += 1
            }
        }
        return handling
    }

    func inbox(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let items = try await self.engine.store.inbox(limit: 500).reversed()
        let handling = try await self.handling(Array(items))
        let remote = await self.hubCounters()
        var flows = Set(items.map(\.delivery.flow))
        for counter in remote ?? [] { flows.insert(counter.flow) }
        var tiles = ""
        for flow in flows.sorted() {
            let counter = remote?.first { $0.flow == flow }
            tiles += """
                <div class="tile" data-flow="\(ConsoleHTML.escape(flow))"><div class="name">\(ConsoleHTML.escape(self.flowName(flow, language)))</div>
                <div class="num">\(ConsoleHTML.t(language, "未签收", "Unread")) \(ConsoleHTML.badge(handling.unread[flow] ?? 0, "red"))
                \(ConsoleHTML.t(language, "即将到期", "Due soon")) \(ConsoleHTML.badge(counter?.dueSoon ?? 0, "amber"))
                \(ConsoleHTML.t(language, "已超期", "Overdue")) \(ConsoleHTML.badge(counter?.overdue ?? 0, "red"))</div></div>
                """
        }
        if tiles.isEmpty { tiles = "<p class=\"empty\">\(ConsoleHTML.t(language, "暂无业务", "No business yet"))</p>" }
        let hubNote =
            remote == nil
            ? "<p class=\"error\">\(ConsoleHTML.t(language, "暂时无法连接中心平台：期限计数未更新", "The hub cannot be reached: the time-limit counts are not current"))</p>"
            : ""
        let rows = items.map { item -> [String] in
            let state = handling.state[item.packageId]
            let stateText =
                state == .signedFor
                ? ConsoleHTML.t(language, "已签收", "Signed for")
                : state == .returned
                    ? ConsoleHTML.t(language, "已退回", "Returned") : "<strong>\(ConsoleHTML.t(language, "待签收", "To sign for"))</strong>"
            return [
                ConsoleHTML.time(item.storedAt),
                ConsoleHTML.escape(self.orgName(item.delivery.sender, language)),
                "<a class=\"package-link\" data-message=\"\(ConsoleHTML.escape(item.delivery.messageType))\" data-state=\"\(state?.rawValue ?? "open")\" href=\"/console/packages/\(ConsoleHTML.escape(item.packageId))\">\(ConsoleHTML.escape(self.messageName(item.delivery.flow, item.delivery.messageType, language)))</a>",
                "<a href=\"/console/cases/\(ConsoleHTML.escape(item.delivery.unifiedCaseCode))\" class=\"mono\">\(ConsoleHTML.escape(item.delivery.unifiedCaseCode))</a>",
                stateText,
            ]
        }
        // The time-limit reminders the hub sent this agency (GS-3), newest first.
        let reminders = try await self.engine.store.reminders(limit: 8)
        let reminderList =
            reminders.isEmpty
            ? ""
            : "<h2>\(ConsoleHTML.t(language, "期限提醒", "Time-limit reminders"))</h2><ul id=\"reminders\">"
                + reminders.map {
                    "<li><a href=\"/console/packages/\(ConsoleHTML.escape($0.packageId))\">\(ConsoleHTML.escape(language.pick($0.text.zh, $0.text.en)))</a></li>"
                }.joined() + "</ul>"
        let body = """
            <h2>\(ConsoleHTML.t(language, "各项业务", "Businesses"))</h2><div class="tiles" id="counters">\(tiles)</div>\(hubNote)\(reminderList)
            <h2>\(ConsoleHTML.t(language, "收到的数据包", "Incoming packages"))</h2>
            \(ConsoleHTML.table([ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "发送机关", "From"), ConsoleHTML.t(language, "业务", "Message"), ConsoleHTML.t(language, "案件统一赋码", "Case code"), ConsoleHTML.t(language, "状态", "State")], rows, id: "incoming", empty: ConsoleHTML.t(language, "暂无", "None")))
            """
        return self.render(request, session, title: ("收件箱", "Inbox"), body: body, live: true)
    }

    func hubCounters() async -> [Supervision.Counter]? {
        guard let reply = try? await self.engine.hub.counters(csv: false), reply.status == 200 else { return nil }
        return try? JSONDecoder().decode([Supervision.Counter].self, from: Data(reply.body))
    }

    /// For the page's script: the unread count per flow, to refresh the badges when something arrives.
    func liveCounters() async throws -> Response {
        let handling = try await self.handling(try await self.engine.store.inbox(limit: 500))
        return HTTPJSON.response(handling.unread)
    }

    func outgoing(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let sent = try await self.engine.store.outboxSummary(limit: 500)
        var rows: [[String]] = []
        for item in sent {
            let last = try await self.engine.store.events(of: item.packageId).last
            rows.append([
                ConsoleHTML.time(item.acceptedAt),
                ConsoleHTML.escape(self.orgName(item.receiver, language)),
                "<a href=\"/console/packages/\(ConsoleHTML.escape(item.packageId))\">\(ConsoleHTML.escape(self.messageName(item.flow, item.messageType, language)))</a>",
                last.map { ConsoleHTML.escape(language.pick($0.hop.name.zh, $0.hop.name.en)) } ?? "",
            ])
        }
        let body = ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "接收机关", "To"), ConsoleHTML.t(language, "业务", "Message"),
                ConsoleHTML.t(language, "最新环节", "Latest hop"),
            ],
            rows,
            id: "outgoing",
            empty: ConsoleHTML.t(language, "暂无", "None")
        )
        return self.render(request, session, title: ("已发送", "Sent"), body: body, live: true)
    }

    // MARK: A package

    func package(_ request: Request, _ packageId: String, _ session: ConsoleSessions.Session, notice: String?) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let events = try await self.journey(of: packageId)
        let incoming = try await self.engine.store.inboxContent(packageId)?.item
        guard !events.isEmpty || incoming != nil else {
            // A page for people, with the status a link checker or a proxy reads.
            var page = self.render(
                request,
                session,
                title: ("没有该数据包", "No such package"),
                body: "<p class=\"empty\">\(ConsoleHTML.escape(packageId))</p>"
            )
            page.status = .notFound
            return page
        }
        var body = notice.map { "<p class=\"ok\" id=\"notice\">\($0)</p>" } ?? ""
        if let delivery = incoming?.delivery {
            body += """
                <table id="package"><tbody>
                <tr><th>\(ConsoleHTML.t(language, "业务", "Message"))</th><td>\(ConsoleHTML.escape(self.flowName(delivery.flow, language))) · \(ConsoleHTML.escape(self.messageName(delivery.flow, delivery.messageType, language)))</td></tr>
                <tr><th>\(ConsoleHTML.t(language, "发送机关", "From"))</th><td>\(ConsoleHTML.escape(self.orgName(delivery.sender, language)))</td></tr>
                <tr><th>\(ConsoleHTML.t(language, "案件统一赋码", "Case code"))</th><td><a href="/console/cases/\(ConsoleHTML.escape(delivery.unifiedCaseCode))">\(ConsoleHTML.escape(delivery.unifiedCaseCode))</a> \(ConsoleHTML.escape(delivery.agencyCaseNumber))</td></tr>
                <tr><th>\(ConsoleHTML.t(language, "数据包", "Package"))</th><td class="mono">\(ConsoleHTML.escape(packageId)) · SHA-256 \(ConsoleHTML.escape(delivery.contentSHA256))</td></tr>
                <tr><th>\(ConsoleHTML.t(language, "发送方签名", "Sender's signature"))</th><td>\(delivery.signature.map { ConsoleHTML.t(language, "已核验（\(self.orgName($0.signer, language))）", "verified (\(self.orgName($0.signer, language)))") } ?? ConsoleHTML.t(language, "无（未启用平台证书）", "none (platform PKI not in use)"))</td></tr>
                </tbody></table>
                """
            let handled = events.contains { $0.hop == .signedFor || $0.hop == .returned }
            if !handled {
                body += """
                    <h2>\(ConsoleHTML.t(language, "签收或退回", "Sign for or return"))</h2>
                    <form class="inline" id="sign" method="post" action="/console/packages/\(ConsoleHTML.escape(packageId))/sign"><input type="hidden" name="csrf" value="\(session.csrf)"><button type="submit" id="sign-button">\(ConsoleHTML.t(language, "签收", "Sign for"))</button></form>
                    <form class="inline" id="return" method="post" action="/console/packages/\(ConsoleHTML.escape(packageId))/return"><input type="hidden" name="csrf" value="\(session.csrf)"> <input type="text" name="reason" placeholder="\(ConsoleHTML.t(language, "退回理由（必填）", "Reason for returning (required)"))"> <button class="warn" type="submit">\(ConsoleHTML.t(language, "退回", "Return"))</button></form>
                    """
            }
            body += "<h2>\(ConsoleHTML.t(language, "卷宗材料", "Dossier"))</h2>"
            var seals: [String: String] = [:]
            for file in delivery.attachments where file.mediaType == "application/pdf" && seals[file.sha256] == nil {
                seals[file.sha256] = await self.seals(of: file.sha256, language)
            }
            body += ConsoleHTML.table(
                [
                    ConsoleHTML.t(language, "文件", "File"), ConsoleHTML.t(language, "类型", "Type"), ConsoleHTML.t(language, "大小", "Size"), "SHA-256",
                    ConsoleHTML.t(language, "电子签章", "Seals"),
                ],
                delivery.attachments.map {
                    [
                        "<a href=\"\(ConsoleHTML.escape(Self.fileURL(packageId, sha256: $0.sha256, name: $0.name)))\" target=\"viewer\">\(ConsoleHTML.escape($0.name))</a>",
                        Self.fileType($0.mediaType, language), ConsoleHTML.escape(Self.size($0.size)), "<span class=\"mono\">\($0.sha256)</span>",
                        seals[$0.sha256] ?? "",
                    ]
                },
                id: "files",
                empty: ConsoleHTML.t(language, "无附件", "No files")
            )
            if let first = delivery.attachments.first(where: { $0.mediaType == "application/pdf" || $0.mediaType.hasPrefix("image/") }) {
                let url = ConsoleHTML.escape(Self.fileURL(packageId, sha256: first.sha256, name: first.name))
                body +=
                    first.mediaType.hasPrefix("image/")
                    ? "<img class=\"viewer\" alt=\"\(ConsoleHTML.escape(first.name))\" src=\"\(url)\">"
                    : "<iframe class=\"viewer\" name=\"viewer\" title=\"\(ConsoleHTML.escape(first.name))\" src=\"\(url)\"></iframe>"
            }
            // Recordings of interrogations and hearings play in the page, and seek (issue 24).
            let recordings = delivery.attachments.filter { Self.isPlayable($0.mediaType) }
            if !recordings.isEmpty {
                body += "<h2>\(ConsoleHTML.t(language, "录音录像", "Recordings"))</h2><div id=\"recordings\">"
                body += recordings.map { Self.player(packageId, $0, language) }.joined() + "</div>"
            }
        }
        body += "<h2>\(ConsoleHTML.t(language, "逐环节跟踪", "Tracking, hop by hop"))</h2><ol class=\"hops\" id=\"hops\">"
        for event in events {
            let detail = ConsoleTimeline.hopDetail(event, language, name: { self.orgName($0, language) })
            body +=
                "<li data-hop=\"\(event.hop.rawValue)\"><strong>\(ConsoleHTML.escape(language.pick(event.hop.name.zh, event.hop.name.en)))</strong> · \(ConsoleHTML.time(event.at)) · \(ConsoleHTML.escape(self.orgName(event.organisation, language)))\(detail.map { " · " + $0 } ?? "")</li>"
        }
        body += "</ol>"
        return self.render(request, session, title: ("数据包", "Package"), body: body, live: true)
    }

    /// A PDF's seals as an officer reads them (issue 26): each signer and whether the seal holds, checked by pdfsig
    /// against the platform CA; what cannot be checked says why.
    func seals(of sha256: String, _ language: ConsoleLanguage) async -> String {
        let checks: [SealCheck]
        do {
            guard let checked = try await self.engine.seals.check(self.engine.blobs.url(sha256), engine: self.engine) else {
                return ConsoleHTML.t(language, "未启用平台证书，无法验章", "no platform PKI to check seals against")
            }
            checks = checked
        } catch {
            let message = (error as? DocumentError)?.message ?? LocalizedText(zh: "验章失败：\(error)", en: "the seals cannot be checked: \(error)")
            return "<span class=\"seal bad\">\(ConsoleHTML.escape(language.pick(message.zh, message.en)))</span>"
        }
        guard !checks.isEmpty else { return ConsoleHTML.t(language, "无签章", "not sealed") }
        return checks.map { check in
            let signer = ConsoleHTML.escape(self.orgName(check.signer, language))
            if check.valid {
                return
                    "<span class=\"seal good\" data-signer=\"\(ConsoleHTML.escape(check.signer))\">✔ \(signer) \(ConsoleHTML.t(language, "签章有效", "seal valid"))</span>"
            }
            let why = [
                check.signatureValid ? nil : language.pick("文书内容与签章不符（签章后被改动）", "the content does not match the seal (changed after sealing)"),
                check.wholeDocument ? nil : language.pick("签章未覆盖整份文书", "the seal does not cover the whole document"),
                check.certificateTrusted ? nil : language.pick("签章证书不受平台信任", "the seal's certificate is not trusted by the platform"),
                check.revoked ? language.pick("签章证书已被吊销", "the seal's certificate has been revoked") : nil,
            ].compactMap { $0 }.joined(separator: language.pick("；", "; "))
            return
                "<span class=\"seal bad\" data-signer=\"\(ConsoleHTML.escape(check.signer))\">✘ \(signer) \(ConsoleHTML.t(language, "签章无效", "seal invalid"))：\(ConsoleHTML.escape(why))</span>"
        }.joined(separator: "<br>")
    }

    /// Every hop of a package: the hub's record (the sender's and the hub's hops too) merged with this node's own.
    func journey(of packageId: String) async throws -> [PackageEvent] {
        struct Summary: Decodable { var events: [PackageEvent] }
        var events = try await self.engine.store.events(of: packageId)
        if let body = try? await self.engine.hub.status(of: packageId), let summary = try? JSONDecoder().decode(Summary.self, from: Data(body)) {
            for event in summary.events where !events.contains(where: { $0.hop == event.hop }) { events.append(event) }
        }
        return events.sorted(by: PackageEvent.journeyOrder)
    }

    /// Where the console serves a package's file: by its SHA-256, with the file's name last, percent-encoded, so that
    /// the browser's PDF viewer, which titles a document that has no title of its own by the last part of its address,
    /// shows the name and not the hash (issue 22). A name that is no path segment (`.`, `..`) is left out.
    static func fileURL(_ packageId: String, sha256: String, name: String) -> String {
        let base = "/console/packages/\(packageId)/files/\(sha256)"
        return name.isEmpty || name == "." || name == ".." ? base : "\(base)/\(Self.percentEncoded(name))"
    }

    /// Text with RFC 3986's unreserved characters kept and every other byte of its UTF-8 percent-encoded: a path
    /// segment, and a `filename*` parameter's value (RFC 8187).
    static func percentEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// A file's type as officers name it (`PDF`, `JPEG 图片`, `视频`); its media type, as code, for any other (and
    /// beside a recording's kind). HTML, escaped.
    static func fileType(_ mediaType: String, _ language: ConsoleLanguage) -> String {
        let code = "<span class=\"mono\">\(ConsoleHTML.escape(mediaType))</span>"
        return switch mediaType {
        case "application/pdf": "PDF"
        case "image/jpeg": ConsoleHTML.t(language, "JPEG 图片", "JPEG image")
        case "image/png": ConsoleHTML.t(language, "PNG 图片", "PNG image")
        case "image/tiff": ConsoleHTML.t(language, "TIFF 图片", "TIFF image")
        case let type where type.hasPrefix("video/"): ConsoleHTML.t(language, "视频", "Video") + " " + code
        case let type where type.hasPrefix("audio/"): ConsoleHTML.t(language, "音频", "Audio") + " " + code
        default: code
        }
    }

    /// Whether the page plays a file: audio and video, such as the recordings of interrogations and hearings.
    static func isPlayable(_ mediaType: String) -> Bool { mediaType.hasPrefix("video/") || mediaType.hasPrefix("audio/") }

    /// A recording's player (issue 24): the browser's own controls, with the file's address as its source. Only the
    /// metadata is loaded until it plays; playing and seeking ask the node for byte ranges (`BlobResponse`), so a
    /// recording of gigabytes starts and seeks at once. The session cookie goes with those requests, as with every
    /// page's. HTML, escaped.
    static func player(_ packageId: String, _ file: Delivery.File, _ language: ConsoleLanguage) -> String {
        let url = ConsoleHTML.escape(Self.fileURL(packageId, sha256: file.sha256, name: file.name))
        let name = ConsoleHTML.escape(file.name)
        let element = file.mediaType.hasPrefix("video/") ? "video" : "audio"
        let fallback = ConsoleHTML.t(language, "浏览器无法播放该文件，请下载：", "The browser cannot play this file; download it:")
        return """
            <figure class="recording"><\(element) class="player" controls preload="metadata" src="\(url)" title="\(name)">\(fallback) \
            <a href="\(url)">\(name)</a></\(element)><figcaption>\(name) · \(ConsoleHTML.escape(Self.size(file.size)))</figcaption></figure>
            """
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : String(format: "%.1f KB", Double(bytes) / 1024)
    }

    func act(_ request: Request, _ packageId: String, _ hop: Hop, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let fields = await ConsoleForm.fields(request)
        guard fields["csrf"] == session.csrf else {
            return self.render(
                request,
                session,
                title: ("请求无效", "Invalid request"),
                body: "<p class=\"error\">\(ConsoleHTML.t(language, "表单已过期，请重试", "The form has expired; try again"))</p>"
            )
        }
        let reason = fields["reason"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        if hop == .returned, reason?.isEmpty ?? true {
            return try await self.package(request, packageId, session, notice: ConsoleHTML.t(language, "退回须说明理由", "A return needs a reason"))
        }
        // Announced as stored: with the officer's name beside the reason, as the hub and the sender see it.
        let recorded = try await self.engine.store.receiverAction(
            packageId,
            hop: hop,
            reason: reason.map { "\($0)（\(session.displayName)）" } ?? session.displayName
        )
        await self.engine.announce(recorded)
        let notice =
            !recorded.isEmpty
            ? (hop == .signedFor ? ConsoleHTML.t(language, "已签收", "Signed for") : ConsoleHTML.t(language, "已退回", "Returned"))
            : ConsoleHTML.t(language, "该数据包已签收或退回", "The package was already signed for or returned")
        return try await self.package(request, packageId, session, notice: notice)
    }

    func file(_ request: Request, _ packageId: String, _ sha256: String) async throws -> Response {
        guard let (item, _) = try await self.engine.store.inboxContent(packageId),
            let file = item.delivery.attachments.first(where: { $0.sha256 == sha256 }), let size = self.engine.blobs.size(sha256)
        else { return Response(status: .notFound) }
        // Shown in the browser, under its own name when saved; a player asks for byte ranges (`BlobResponse`).
        return try BlobResponse.answer(
            to: request,
            blobs: self.engine.blobs,
            sha256: sha256,
            size: size,
            headers: [.contentType: file.mediaType, .contentDisposition: "inline; filename*=UTF-8''\(Self.percentEncoded(file.name))"]
        )
    }

    // MARK: A case

    func caseTimeline(_ request: Request, _ code: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        guard let reply = try? await self.engine.hub.timeline(ofCase: code), reply.status == 200,
            let timeline = try? JSONDecoder().decode(CaseTimeline.self, from: Data(reply.body))
        else {
            return self.render(
                request,
                session,
                title: ("案件", "Case"),
                body: "<p class=\"error\">\(ConsoleHTML.t(language, "无法取得该案件的流程记录", "The case's timeline is not available"))</p>"
            )
        }
        return self.render(
            request,
            session,
            title: ("案件流程", "Case timeline"),
            body: "<p><a id=\"similar-link\" href=\"/console/cases/\(ConsoleHTML.escape(code))/similar\">"
                + ConsoleHTML.t(language, "类案与量刑参考", "Similar cases and sentencing reference") + "</a></p>"
                + ConsoleTimeline.html(timeline, language: language, name: { self.orgName($0, language) })
        )
    }

    /// The similar cases of a case this organisation took part in (issue 26, SZ-6, GS-6), as the hub answers them; the
    /// hub logs the read under the node, and the node under the officer.
    func similarCases(_ request: Request, _ code: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let title = ("类案与量刑参考", "Similar cases and sentencing reference")
        try await self.engine.store.accessLog.record(session.principal, action: "case.similar", subject: code)
        let reply = try? await self.engine.hub.similarCases(ofCase: code, limit: ConsoleForm.query(request)["limit"])
        if let reply, reply.status == 200, let reference = try? JSONDecoder().decode(SimilarCases.Reference.self, from: Data(reply.body)) {
            return self.render(
                request,
                session,
                title: title,
                body: ConsoleSimilarCases.html(reference, language: language, name: { self.orgName($0, language) })
            )
        }
        // The hub's own words when it refused (no such case, no charge, not this organisation's case).
        let refusal = reply.flatMap { try? JSONDecoder().decode(APIError.Body.self, from: Data($0.body)) }
        let message =
            refusal.map {
                ConsoleHTML.escape(language.pick($0.message["zh"] ?? "", $0.message["en"] ?? "")) + " <code>\(ConsoleHTML.escape($0.error))</code>"
            }
            ?? ConsoleHTML.t(language, "无法连接中心平台，请稍后再试", "The hub cannot be reached; try again later")
        return self.render(request, session, title: title, body: "<p class=\"error\" id=\"similar-error\">\(message)</p>")
    }
}
