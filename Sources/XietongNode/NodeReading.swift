import Crypto
import Foundation
import Hummingbird
import Synchronization
import XietongCore
import XietongDocuments
import XietongHTTP
import XietongStore

/// Online file reading (网上阅卷, issue 26, GUI-2; ZJ-6.1.8, ZJ-6.3.2). The business system grants a named reader (a
/// defence lawyer, or another agency's officer) time-limited reading of a received package's files
/// (`/api/v1/reading-grants`), and hands the reader the grant's id and its access code, shown once. The reader signs in
/// at `/reading` with them and sees each PDF page as an image with the reader's name and the time burned in
/// (`PageRenderer`); the originals only when the grant allows downloading. Every page view is in the node's access
/// log. A revoked or expired grant lets nothing through.
struct NodeReading: Sendable {
    let engine: NodeEngine
    let sessions = ReadingSessions()

    static let cookie = "xietong_reading"
    static let notFound = APIError(.readingNotFound, zh: "没有该阅卷授权或文件", en: "no such reading grant or file")

    func addRoutes(api: RouterGroup<PeerRequestContext>, router: Router<PeerRequestContext>) {
        api.post("/reading-grants") { request, context in try await self.grant(request, context) }
        api.get("/reading-grants") { _, _ in
            let now = self.engine.clock.now()
            return HTTPJSON.response(try await self.engine.store.grants().map { Listed(grant: $0, state: $0.state(at: now)) })
        }
        api.post("/reading-grants/:id/revoke") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let grant = try await self.engine.store.revokeGrant(id, at: self.engine.clock.timestamp()) else { throw Self.notFound }
            try await self.log(Principal(name: context.caller.token?.name ?? "businessSystem", role: .businessSystem), "reading.revoke", id)
            await self.sessions.end(grant: id)
            return HTTPJSON.response(Listed(grant: grant, state: grant.state(at: self.engine.clock.now())))
        }
        router.get("/reading/login") { request, _ in self.loginPage(request, error: nil) }
        router.post("/reading/login") { request, _ in try await self.login(request) }
        // The reading page's 「退出」: ends this reader's session only (the console's is another one).
        router.get("/reading/logout") { request, _ in
            if let token = ConsoleCookies.value(Self.cookie, in: request) { await self.sessions.end(token: token) }
            return ConsoleHTML.redirect("/reading/login", cookies: ["\(Self.cookie)=; Path=/reading; Max-Age=0; HttpOnly; SameSite=Strict"])
        }
        router.get("/reading") { request, _ in try await self.reading(request) { grant, files in try await self.listPage(request, grant, files) } }
        router.get("/reading/files/:sha256/pages/:page") { request, context in
            try await self.reading(request) { grant, files in
                try await self.pageImage(grant, files, sha256: context.parameters.get("sha256") ?? "", page: context.parameters.get("page") ?? "")
            }
        }
        router.get("/reading/files/:sha256") { request, context in
            try await self.reading(request) { grant, files in try await self.download(grant, files, sha256: context.parameters.get("sha256") ?? "") }
        }
    }

    struct Listed: Encodable {
        var grant: ReadingGrant
        var state: ReadingGrant.State
    }

    func log(_ who: Principal, _ action: String, _ subject: String, allowed: Bool = true) async throws {
        try await self.engine.store.accessLog.record(who, action: action, subject: subject, allowed: allowed)
    }

    /// The reader as the access log names them.
    static func principal(_ grant: ReadingGrant) -> Principal {
        Principal(name: "\(grant.reader.name)（\(grant.reader.licence ?? grant.reader.organisation ?? "")）", role: .reader)
    }

    // MARK: Granting

    func grant(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 10)
        let asked: ReadingGrantRequest
        do {
            asked = try JSONDecoder().decode(ReadingGrantRequest.self, from: Data(body.readableBytesView)).checked()
        } catch let problem as Reading.Problem {
            throw APIError(.readingInvalid, problem)
        } catch {
            throw APIError(
                .readingInvalid,
                zh: "阅卷授权应为 JSON：packageId、reader（kind、name、licence 或 organisation）、days、allowDownload",
                en: "a reading grant is JSON with packageId, reader (kind, name, licence or organisation), days and allowDownload"
            )
        }
        // The watermark is drawn in the PDF's Chinese fonts: a name they cannot show would lock the reader out of every page.
        for (field, text) in [("reader.name", asked.reader.name), ("reader.licence", asked.reader.licence ?? "")] where !DocumentText.canShow(text) {
            throw APIError(
                .readingInvalid,
                zh: "\(field) 含有水印字体（GBK）无法显示的字：\(text)",
                en: "\(field) has a character the watermark's fonts (GBK) cannot show: \(text)"
            )
        }
        guard try await self.engine.store.inboxItem(asked.packageId) != nil else {
            throw APIError(.readingNotFound, zh: "本节点没有收到数据包 \(asked.packageId)", en: "this node received no package \(asked.packageId)")
        }
        let grant = ReadingGrant.make(
            asked,
            id: UUID().uuidString.lowercased(),
            by: self.engine.configuration.organisation,
            now: self.engine.clock.now()
        )
        // The code is shown once; the node keeps its SHA-256.
        let code = (0..<4).map { _ in String(format: "%04d", Int.random(in: 0...9999)) }.joined(separator: "-")
        try await self.engine.store.addGrant(grant, codeSHA256: ContentHash.sha256(Array(code.utf8)))
        try await self.log(Principal(name: context.caller.token?.name ?? "businessSystem", role: .businessSystem), "reading.grant", grant.grantId)
        struct Granted: Encodable {
            var grant: ReadingGrant
            var accessCode: String
            var readingPage: String
        }
        return HTTPJSON.response(Granted(grant: grant, accessCode: code, readingPage: "/reading/login"), status: .created)
    }

    // MARK: Reading

    /// Runs `page` for a signed-in reader whose grant holds, with the grant's PDF files; otherwise the log-in page, or
    /// the reason the grant no longer holds (logged as refused).
    func reading(_ request: Request, _ page: (ReadingGrant, [Delivery.File]) async throws -> Response) async throws -> Response {
        guard let token = ConsoleCookies.value(Self.cookie, in: request), let id = await self.sessions.grant(of: token),
            let grant = try await self.engine.store.grant(id)?.grant
        else {
            return ConsoleHTML.redirect("/reading/login")
        }
        do throws(Reading.Problem) {
            try grant.open(at: self.engine.clock.now())
        } catch {
            try await self.log(Self.principal(grant), "dossier.read", "\(grant.grantId) \(request.uri.path)", allowed: false)
            throw APIError(.readingClosed, error)
        }
        let files = try await self.engine.store.inboxItem(grant.packageId)?.delivery.attachments.filter { $0.mediaType == "application/pdf" } ?? []
        return try await page(grant, files)
    }

    func pageImage(_ grant: ReadingGrant, _ files: [Delivery.File], sha256: String, page: String) async throws -> Response {
        guard let file = files.first(where: { $0.sha256 == sha256 }), let number = Int(page.replacingOccurrences(of: ".png", with: "")), number >= 1
        else { throw Self.notFound }
        let url = self.engine.blobs.url(sha256)
        do {
            let watermark = grant.watermark(at: self.engine.clock.now())
            let png = try await DocumentWork.run { () -> [UInt8]? in
                let renderer = try PageRenderer()
                guard number <= (try renderer.pageCount(url)) else { return nil }
                return try renderer.page(number, of: url, watermark: watermark)
            }
            guard let png else { throw Self.notFound }
            try await self.log(Self.principal(grant), "dossier.page", "\(grant.grantId) \(file.name) p\(number)")
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: png)))
            response.headers[.contentType] = "image/png"
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as DocumentError {
            throw NodeController.documentError(error)
        }
    }

    func download(_ grant: ReadingGrant, _ files: [Delivery.File], sha256: String) async throws -> Response {
        guard let file = files.first(where: { $0.sha256 == sha256 }) else { throw Self.notFound }
        guard grant.allowDownload else {
            try await self.log(Self.principal(grant), "dossier.download", "\(grant.grantId) \(file.name)", allowed: false)
            throw APIError(.readingClosed, zh: "本授权只可在线阅卷，不可下载原件", en: "this grant lets the reader read online, not download the originals")
        }
        guard let data = FileManager.default.contents(atPath: self.engine.blobs.url(sha256).path) else { throw Self.notFound }
        try await self.log(Self.principal(grant), "dossier.download", "\(grant.grantId) \(file.name)")
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/pdf"
        return response
    }

    // MARK: Pages

    var site: (zh: String, en: String) {
        let name = self.engine.checker.registry[self.engine.configuration.organisation]?.name
        return (
            "\(name?.zh ?? self.engine.configuration.organisation) · 网上阅卷",
            "\(name?.en ?? self.engine.configuration.organisation) · Online file reading"
        )
    }

    func loginPage(_ request: Request, error: String?) -> Response {
        let language = ConsoleLanguage.of(request)
        let body = """
            \(error.map { "<p class=\"notice\" id=\"reading-error\">\(ConsoleHTML.escape($0))</p>" } ?? "")
            <form method="post" action="/reading/login" id="reading-login">
            <p><label>\(ConsoleHTML.t(language, "授权编号", "Grant")) <input id="grant" name="grant" required></label></p>
            <p><label>\(ConsoleHTML.t(language, "阅卷码", "Access code")) <input id="code" name="code" type="password" required></label></p>
            <p><button type="submit" id="submit">\(ConsoleHTML.t(language, "进入阅卷", "Read"))</button></p>
            </form>
            """
        return ConsoleHTML.page(
            title: ("网上阅卷", "Online file reading"),
            language: language,
            site: self.site,
            user: nil,
            nav: [],
            path: request.uri.path,
            body: body
        )
    }

    func login(_ request: Request) async throws -> Response {
        let fields = await ConsoleForm.fields(request)
        let language = ConsoleLanguage.of(request)
        let id = fields["grant"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let code = fields["code"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let (grant, expected) = try await self.engine.store.grant(id),
            ContentHash.sha256(Array(code.utf8)) == expected
        else {
            try await self.log(Principal(name: "anonymous", role: .reader), "reading.login", id, allowed: false)
            return self.loginPage(request, error: language.pick("授权编号或阅卷码错误", "wrong grant or access code"))
        }
        do throws(Reading.Problem) {
            try grant.open(at: self.engine.clock.now())
        } catch {
            try await self.log(Self.principal(grant), "reading.login", id, allowed: false)
            return self.loginPage(request, error: language.pick(error.message.zh, error.message.en))
        }
        let now = self.engine.clock.now()
        let token = await self.sessions.start(grant: id, until: Timestamp.date(grant.expiresAt) ?? now, now: now)
        try await self.log(Self.principal(grant), "reading.login", id)
        let secure = self.engine.configuration.serveTLS ? "; Secure" : ""
        return ConsoleHTML.redirect("/reading", cookies: ["\(Self.cookie)=\(token); Path=/reading; HttpOnly; SameSite=Strict\(secure)"])
    }

    func listPage(_ request: Request, _ grant: ReadingGrant, _ files: [Delivery.File]) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        var body = """
            <p id="reading-grant">\(ConsoleHTML.t(language, "阅卷人", "Reader")) \(ConsoleHTML.escape(grant.reader.name)) · \
            \(ConsoleHTML.t(language, "授权至", "until")) \(ConsoleHTML.time(grant.expiresAt)) · \
            \(grant.allowDownload ? ConsoleHTML.t(language, "可下载原件", "originals may be downloaded") : ConsoleHTML.t(language, "仅可在线阅卷，每一页的查看均有记录", "online reading only; every page viewed is logged"))</p>
            """
        let urls = files.map { self.engine.blobs.url($0.sha256) }
        let counts = try await DocumentWork.run { () -> [Int] in
            let renderer = try? PageRenderer()
            return urls.map { (try? renderer?.pageCount($0)) ?? 0 }
        }
        for (file, pages) in zip(files, counts) {
            body += "<h2>\(ConsoleHTML.escape(file.name))</h2><div class=\"pages\" data-file=\"\(file.sha256)\">"
            for page in 1...max(pages, 1) where pages > 0 {
                body +=
                    "<img class=\"page\" loading=\"lazy\" alt=\"\(ConsoleHTML.escape(file.name)) \(page)\" src=\"/reading/files/\(file.sha256)/pages/\(page).png\">"
            }
            body += "</div>"
            if grant.allowDownload {
                body += "<p><a href=\"/reading/files/\(file.sha256)\">\(ConsoleHTML.t(language, "下载原件", "Download the original"))</a></p>"
            }
        }
        if files.isEmpty { body += "<p class=\"empty\">\(ConsoleHTML.t(language, "没有可阅的卷宗文件", "No dossier files to read"))</p>" }
        return ConsoleHTML.page(
            title: ("网上阅卷", "Online file reading"),
            language: language,
            site: self.site,
            user: grant.reader.name,
            nav: [],
            path: request.uri.path,
            body: body,
            logout: "/reading/logout"
        )
    }
}

/// Readers' sessions: a random token in a cookie, for one grant, kept in memory while the node runs (a reader signs
/// in again after a restart); ended when the grant is revoked, and forgotten once the grant has expired (each
/// sign-in drops the sessions of expired grants, so that a node running for months keeps only the current ones).
actor ReadingSessions {
    private var sessions: [String: (grant: String, until: Date)] = [:]

    func start(grant: String, until: Date, now: Date) -> String {
        self.sessions = self.sessions.filter { $0.value.until > now }
        let token = (0..<4).map { _ in UInt64.random(in: 0...UInt64.max) }.map { String($0, radix: 16) }.joined()
        self.sessions[token] = (grant, until)
        return token
    }

    func grant(of token: String) -> String? { self.sessions[token]?.grant }

    func end(grant: String) {
        self.sessions = self.sessions.filter { $0.value.grant != grant }
    }

    func end(token: String) { self.sessions[token] = nil }

    var count: Int { self.sessions.count }
}
