import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XietongCore
import XietongHTTP
import XietongTesting

@testable import XietongNode

/// The agency's web console in-process (issue 7; issue 21: routes tested at their own layer): an officer signs in,
/// sees the inbox in Chinese first, and nothing is shown without a session.
@Suite(.serialized) struct NodeConsoleRoutesTests {
    static let officer = (user: "ga-clerk", password: "officer-password-console-routes")

    static func node(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        var configuration = InProcessServices.nodeConfiguration(in: directory, organisation: NodeRoutesTests.police, apiKey: NodeRoutesTests.apiKey)
        configuration.users = [Credential(name: Self.officer.user, role: .officer, token: Self.officer.password)]
        return try await InProcessServices.node(configuration)
    }

    static func login(_ password: String, with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(
            uri: "/console/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "user=\(Self.officer.user)&password=\(password)")
        )
    }

    @Test func anOfficerSignsInAndSeesTheInboxAndNobodyElseDoes() async throws {
        let directory = try TemporaryDirectory()
        try await Self.node(directory).test(.router) { client in
            // Without a session: to the log-in page, nothing of the inbox.
            let anonymous = try await client.execute(uri: "/console", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/console/login")
            // The icon, for any browser, signed in or not (issue 22).
            let icon = try await client.execute(uri: "/favicon.svg", method: .get)
            #expect(icon.status == .ok && icon.headers[.contentType] == "image/svg+xml")
            // A wrong password: the page again, with the reason in Chinese, and no session.
            let wrong = try await Self.login("not-the-password", with: client)
            #expect(wrong.status == .ok && String(buffer: wrong.body).contains("用户名或密码错误"))
            #expect(wrong.headers[.setCookie]?.contains(ConsoleSessions.cookie) != true)
            // The officer: a session cookie that scripts cannot read, and the inbox, Chinese first, English on request.
            let right = try await Self.login(Self.officer.password, with: client)
            #expect(right.status == .seeOther && right.headers[.location] == "/console")
            let setCookie = try #require(right.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
            let inbox = try await client.execute(uri: "/console", method: .get, headers: [.cookie: cookie])
            #expect(inbox.status == .ok && String(buffer: inbox.body).contains("<title>收件箱 · 杭州市公安局西湖区分局"))
            let english = try await client.execute(uri: "/console?lang=en", method: .get, headers: [.cookie: cookie])
            // The English page names the agency in English.
            let englishTitle = "<title>Inbox · Xihu District Branch, Hangzhou Public Security Bureau · Xietong exchange node</title>"
            #expect(String(buffer: english.body).contains(englishTitle))
            // What the agency sent.
            let outgoing = try await client.execute(uri: "/console/outgoing", method: .get, headers: [.cookie: cookie])
            #expect(outgoing.status == .ok && String(buffer: outgoing.body).contains("<html lang=\"zh"))
            // The exchange database's page (issue 24): this node has none, and says so.
            let exchange = try await client.execute(uri: "/console/exchange-database", method: .get, headers: [.cookie: cookie])
            #expect(exchange.status == .ok && String(buffer: exchange.body).contains("本节点未配置中间库"))
            // A package the node does not hold: said so, with a 404.
            let unknown = try await client.execute(uri: "/console/packages/nope", method: .get, headers: [.cookie: cookie])
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("没有该数据包"))
        }
    }

    /// A recording plays in its package's page (issue 24): a video or an audio player with the browser's controls,
    /// loading only the metadata, whose source is the file's address at the console (answered with byte ranges); the
    /// file's name escaped.
    @Test func recordingsPlayInThePageFromTheFilesAddress() {
        let sha256 = String(repeating: "a", count: 64)
        let video = Delivery.File(sha256: sha256, size: 3 << 20, name: "讯问<录像>.webm", mediaType: "video/webm")
        let page = NodeConsole.player("p-1", video, .zh)
        let source = "/console/packages/p-1/files/\(sha256)/\(NodeConsole.percentEncoded(video.name))"
        #expect(page.hasPrefix("<figure class=\"recording\"><video class=\"player\" controls preload=\"metadata\" src=\"\(source)\""))
        #expect(page.contains("讯问&lt;录像&gt;.webm · 3.0 MB") && !page.contains("<录像>"))
        #expect(page.contains("浏览器无法播放该文件"))
        let audio = Delivery.File(sha256: sha256, size: 1000, name: "庭审录音.ogg", mediaType: "audio/ogg")
        let english = NodeConsole.player("p-1", audio, .en)
        #expect(english.contains("<audio class=\"player\" controls preload=\"metadata\"") && english.contains("The browser cannot play"))
        #expect(NodeConsole.isPlayable("video/mp4") && NodeConsole.isPlayable("audio/mpeg") && !NodeConsole.isPlayable("application/pdf"))
        #expect(NodeConsole.fileType("video/webm", .zh) == "视频 <span class=\"mono\">video/webm</span>")
        #expect(NodeConsole.fileType("audio/ogg", .en) == "Audio <span class=\"mono\">audio/ogg</span>")
    }
}
