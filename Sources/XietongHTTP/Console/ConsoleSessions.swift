public import Foundation
public import Hummingbird
import XietongCore
public import XietongStore

/// Console log-ins (issue 7): a random session id in an HttpOnly cookie, kept in memory for eight hours of
/// inactivity, with a per-session token that every form must carry (against cross-site requests).
public actor ConsoleSessions {
    public struct Session: Sendable {
        public var principal: Principal
        public var displayName: String
        public var csrf: String
        var lastUsed: Date
    }

    public static let cookie = "xietong_session"
    let idle: TimeInterval
    var sessions: [String: Session] = [:]

    public init(idle: TimeInterval = 8 * 3600) {
        self.idle = idle
    }

    /// Starts a session; returns the cookie to set.
    public func start(_ principal: Principal, displayName: String, secure: Bool) -> String {
        let id = Credential.newToken()
        self.sessions[id] = Session(principal: principal, displayName: displayName, csrf: Credential.newToken(), lastUsed: Date())
        self.sessions = self.sessions.filter { Date().timeIntervalSince($0.value.lastUsed) < self.idle }
        return "\(Self.cookie)=\(id); Path=/; HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    public func session(_ request: Request) -> Session? {
        guard let id = ConsoleCookies.value(Self.cookie, in: request), var session = self.sessions[id] else { return nil }
        guard Date().timeIntervalSince(session.lastUsed) < self.idle else {
            self.sessions[id] = nil
            return nil
        }
        session.lastUsed = Date()
        self.sessions[id] = session
        return session
    }

    /// Whether a `Cookie` header names a live session (for a WebSocket upgrade).
    public func isValid(cookieHeader: String) -> Bool {
        guard let id = ConsoleCookies.value(Self.cookie, inHeader: cookieHeader), let session = self.sessions[id] else { return false }
        return Date().timeIntervalSince(session.lastUsed) < self.idle
    }

    public func end(_ request: Request) {
        if let id = ConsoleCookies.value(Self.cookie, in: request) { self.sessions[id] = nil }
    }

    public static let endCookie = "\(cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}

/// Reading `application/x-www-form-urlencoded` fields: a form's body, or the query a GET form sends, where a space is
/// `+` (a search typed with spaces, issue 26).
public enum ConsoleForm {
    public static func fields(_ request: Request) async -> [String: String] {
        guard let body = try? await request.body.collect(upTo: 64 << 10) else { return [:] }
        return Self.decode(String(buffer: body))
    }

    /// The fields of the request's query, decoded as a form's.
    public static func query(_ request: Request) -> [String: String] {
        Self.decode(request.uri.query ?? "")
    }

    public static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = parts.first { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}

/// The log-in page, shared by the hub's and the nodes' consoles.
public enum ConsoleLogin {
    public static func page(
        _ language: ConsoleLanguage,
        site: (zh: String, en: String),
        error: Bool,
        hint: String
    ) -> Response {
        let message = error ? "<p class=\"error\">\(ConsoleHTML.t(language, "用户名或密码错误", "Wrong user name or password"))</p>" : ""
        let body = """
            <form class="login" id="login" method="post" action="/console/login">
            \(message)
            <label for="user">\(ConsoleHTML.t(language, "用户名", "User name"))</label><input type="text" id="user" name="user" autocomplete="username">
            <label for="password">\(ConsoleHTML.t(language, "密码（令牌）", "Password (token)"))</label><input type="password" id="password" name="password" autocomplete="current-password">
            <p><input type="submit" id="submit" value="\(ConsoleHTML.t(language, "登录", "Log in"))"></p>
            <p class="empty">\(ConsoleHTML.escape(hint))</p>
            </form>
            """
        return ConsoleHTML.page(title: ("登录", "Log in"), language: language, site: site, user: nil, nav: [], path: "/console/login", body: body)
    }
}

extension ConsoleSessions {
    /// Runs `page` for a signed-in user, writing the page view to `log`; otherwise to the log-in page.
    nonisolated public func signedIn(_ request: Request, log: AccessLog, _ page: (Session) async throws -> Response) async throws -> Response {
        guard let session = await self.session(request) else { return ConsoleHTML.redirect("/console/login") }
        try await log.record(session.principal, action: "console", subject: request.uri.path)
        return try await page(session)
    }

    /// Checks a log-in form (name and token) against `credentials`, for the given roles, and starts a session; the
    /// log-in page again, saying the name or password is wrong, when they do not match.
    public func logIn(
        _ request: Request,
        credentials: CredentialSet,
        roles: Set<Role>,
        secure: Bool,
        site: (zh: String, en: String)
    ) async -> Response {
        let fields = await ConsoleForm.fields(request)
        let user = fields["user"] ?? ""
        guard let principal = credentials.principal(token: fields["password"]), principal.name == user, roles.contains(principal.role) else {
            return ConsoleLogin.page(ConsoleLanguage.of(request), site: site, error: true, hint: "")
        }
        return ConsoleHTML.redirect("/console", cookies: [self.start(principal, displayName: user, secure: secure)])
    }
}

extension AccessLog {
    /// Records a read by `principal`, now.
    public func record(_ principal: Principal, action: String, subject: String, allowed: Bool = true) async throws(StoreError) {
        try await self.record(
            AccessRecord(at: Timestamp.now(), who: principal.name, role: principal.role.rawValue, action: action, subject: subject, allowed: allowed)
        )
    }
}
