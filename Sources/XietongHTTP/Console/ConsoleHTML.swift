public import Foundation
import HTTPTypes
public import Hummingbird
import XietongCore

/// The web console's language (issue 7): Chinese first, English on request (`?lang=en`, kept in a cookie).
public enum ConsoleLanguage: String, Sendable {
    case zh
    case en

    public static func of(_ request: Request) -> ConsoleLanguage {
        if let asked = request.uri.queryParameters.get("lang").flatMap(ConsoleLanguage.init(rawValue:)) { return asked }
        return ConsoleCookies.value("xietong_lang", in: request).flatMap(ConsoleLanguage.init(rawValue:)) ?? .zh
    }

    public func pick(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
}

/// Reading cookies.
public enum ConsoleCookies {
    public static func value(_ name: String, in request: Request) -> String? {
        request.headers[values: .cookie].lazy.compactMap { Self.value(name, inHeader: $0) }.first
    }

    /// A cookie's value in one `Cookie` header.
    public static func value(_ name: String, inHeader header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0] == name { return pair[1] }
        }
        return nil
    }
}

/// Server-rendered HTML (issue 7): escaping, the page frame with its navigation and language switch, and the
/// stylesheet. No JavaScript build chain, no CDN; read-only pages work without JavaScript.
public enum ConsoleHTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A text in both languages, the chosen one shown.
    public static func t(_ language: ConsoleLanguage, _ zh: String, _ en: String) -> String { escape(language.pick(zh, en)) }

    /// `text` escaped, with each of `literals` (a setting, a command: typed, not read) set as `<code>`, the first
    /// listed first: a longer literal before one it contains.
    public static func escape(_ text: String, code literals: [String]) -> String {
        guard let literal = literals.first else { return Self.escape(text) }
        let rest = Array(literals.dropFirst())
        return text.components(separatedBy: literal).map { Self.escape($0, code: rest) }.joined(separator: "<code>\(Self.escape(literal))</code>")
    }

    // MARK: Times

    /// The zone written after every time the consoles show (issue 22): China time, which China keeps all year
    /// (`CalendarDate.chinaUTCOffset`). One label in both languages.
    public static let zone = "UTC+8"

    /// An instant as officers read it: China time to the second, with its zone (`2026-12-02 09:10:57 UTC+8`). Every
    /// time on the consoles is written here.
    public static func chinaTime(_ date: Date) -> String {
        let seconds = Int((date.timeIntervalSince1970 + Double(CalendarDate.chinaUTCOffset)).rounded(.down))
        let ofDay = (seconds % 86400 + 86400) % 86400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(CalendarDate(chinaDayOf: date).iso) \(two(ofDay / 3600)):\(two(ofDay / 60 % 60)):\(two(ofDay % 60)) \(Self.zone)"
    }

    /// A timestamp as the exchange writes it (`Timestamp.string`: UTC, ISO 8601) shown in China time with its zone, as
    /// a `<time>` element that keeps the timestamp; the text as it is when it is no timestamp. HTML, escaped.
    public static func time(_ timestamp: String) -> String {
        guard let date = Timestamp.date(timestamp) else { return Self.escape(timestamp) }
        return "<time datetime=\"\(Self.escape(timestamp))\">\(Self.chinaTime(date))</time>"
    }

    /// The China day of a timestamp (`2026-12-02`), for a column of days (a flow opened, a flow closed), as a `<time>`
    /// element that keeps the timestamp. HTML, escaped.
    public static func day(_ timestamp: String) -> String {
        guard let date = Timestamp.date(timestamp) else { return Self.escape(String(timestamp.prefix(10))) }
        return "<time datetime=\"\(Self.escape(timestamp))\">\(CalendarDate(chinaDayOf: date).iso)</time>"
    }

    public struct NavItem: Sendable {
        public var href: String
        public var zh: String
        public var en: String

        public init(_ href: String, _ zh: String, _ en: String) {
            self.href = href
            self.zh = zh
            self.en = en
        }
    }

    /// A whole page.
    public static func page(
        title: (zh: String, en: String),
        language: ConsoleLanguage,
        site: (zh: String, en: String),
        user: String?,
        nav: [NavItem],
        path: String,
        body: String,
        live: Bool = false,
        logout: String = "/console/logout"
    ) -> Response {
        let other = language == .zh ? ConsoleLanguage.en : .zh
        let links = nav.map { "<a href=\"\(escape($0.href))\">\(t(language, $0.zh, $0.en))</a>" }.joined()
        let who =
            user.map {
                "<span class=\"user\">\(escape($0))</span> <a href=\"\(escape(logout))\">\(t(language, "退出", "Log out"))</a>"
            } ?? ""
        let html = """
            <!doctype html>
            <html lang="\(language == .zh ? "zh-CN" : "en")">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(t(language, title.zh, title.en)) · \(t(language, site.zh, site.en))</title>
            <link rel="icon" href="/favicon.svg" type="image/svg+xml">
            <style>\(Self.css)</style>
            </head>
            <body>
            <header><strong>\(t(language, site.zh, site.en))</strong><nav>\(links)</nav>
            <span class="right">\(who) <a class="lang" href="\(escape(path))?lang=\(other.rawValue)">\(other == .en ? "English" : "中文")</a></span></header>
            <main>
            <h1>\(t(language, title.zh, title.en))</h1>
            \(body)
            </main>
            \(live ? "<script src=\"/console/live.js\"></script>" : "")
            </body>
            </html>
            """
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        // The language chosen is kept for the next pages.
        headers.append(HTTPField(name: .setCookie, value: "xietong_lang=\(language.rawValue); Path=/console; SameSite=Lax"))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A table; cells are HTML already escaped by the caller.
    public static func table(_ header: [String], _ rows: [[String]], id: String? = nil, empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(empty)</p>" }
        let head = header.map { "<th>\($0)</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    /// A red (or grey, when zero) counter badge.
    public static func badge(_ count: Int, _ kind: String) -> String {
        "<span class=\"badge \(count > 0 ? kind : "zero") \(kind)-count\">\(count)</span>"
    }

    /// The consoles' icon (issue 22): two arrows handing over between agencies, white on the header's blue.
    public static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">\
        <rect width="32" height="32" rx="6" fill="#14365d"/>\
        <path d="M7 11h15l-4-4M25 21H10l4 4" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>\
        </svg>
        """

    /// Serves the icon at `/favicon.svg`, which every page links, and at `/favicon.ico`, which browsers ask for
    /// unprompted (the same SVG: browsers read the content type, not the name).
    public static func addFavicon<Context: RequestContext>(to router: Router<Context>) {
        router.get("/favicon.svg") { _, _ in ConsoleHTML.faviconResponse() }
        router.get("/favicon.ico") { _, _ in ConsoleHTML.faviconResponse() }
    }

    static func faviconResponse() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(string: ConsoleHTML.favicon))
        )
    }

    public static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    public static let css = """
        body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2733;background:#f4f6f9}
        header{display:flex;gap:18px;align-items:center;background:#14365d;color:#fff;padding:10px 20px}
        header a{color:#dfe9f5;text-decoration:none;margin-right:14px}header a:hover{text-decoration:underline}
        header .right{margin-left:auto}header .user{margin-right:8px}
        main{padding:16px 24px;max-width:1280px}
        h1{font-size:22px;margin:6px 0 14px}h2{font-size:17px;margin:20px 0 8px;color:#14365d}
        table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:12px;box-shadow:0 1px 2px #0001}
        th,td{border-bottom:1px solid #e3e8ef;padding:6px 8px;text-align:left;font-size:14px;vertical-align:top}
        th{background:#eef2f7;font-weight:600}
        .badge{display:inline-block;min-width:22px;padding:1px 7px;border-radius:11px;font-weight:700;text-align:center;color:#fff}
        .badge.red{background:#d93025}.badge.amber{background:#e37400}.badge.zero{background:#c3cad3}.badge.green{background:#188038}.badge.grey{background:#80868b}.badge.info{background:#e8f0fe;color:#174ea6;font-weight:400;text-align:left;margin:1px 0}.seal.good{color:#188038}.seal.bad{color:#d93025;font-weight:700}
        .tiles{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:14px}
        .tile{background:#fff;padding:12px 16px;border-radius:6px;box-shadow:0 1px 2px #0002;min-width:170px}
        .tile .name{font-size:14px;color:#445}.tile .num{font-size:13px;margin-top:6px}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
        .chart{background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002;padding:8px}
        form.inline{display:inline}button,input[type=submit]{background:#14365d;color:#fff;border:0;padding:6px 14px;border-radius:4px;cursor:pointer}
        button.warn{background:#b3261e}input[type=text],input[type=password]{padding:6px;border:1px solid #b8c2cf;border-radius:4px;width:280px}
        .login{background:#fff;max-width:380px;padding:20px;border-radius:8px;box-shadow:0 1px 3px #0003}
        .login label{display:block;margin:10px 0 4px}.error{color:#b3261e}.ok{color:#137333}.empty{color:#667}
        .hops li{margin:3px 0}.mono{font-family:monospace;font-size:12px;word-break:break-all}
        .viewer{width:100%;height:520px;border:1px solid #ccd}
        figure.recording{margin:8px 0 16px}.player{display:block;width:100%;max-width:720px}video.player{max-height:480px;background:#000}
        figure.recording figcaption{font-size:13px;color:#445;margin-top:4px}
        .filters a{margin-right:10px}.filters a.on{font-weight:700;text-decoration:underline}
        """
}
