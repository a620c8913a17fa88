import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XietongCore
import XietongDocuments
import XietongHTTP
import XietongNode
import XietongProcess
import XietongStore
import XietongTesting

/// Online file reading at a node, in-process (issue 26, GUI-2): the procuratorate's business system grants a defence
/// lawyer three days' reading of a received dossier; the lawyer signs in with the grant's code and sees each page as an
/// image with the watermark in its pixels, cannot download the original, and every view is in the access log; after
/// revocation nothing is shown; a grant past its time lets nothing through either.
@Suite(.serialized) struct ReadingRoutesTests {
    static let procuratorate = "330106000201"
    static let apiKey = "procuratorate-business-key-reading"
    static let key: HTTPFields = [.authorization: BearerToken.header(Self.apiKey), .contentType: "application/json"]

    /// A node holding a received package whose one file is a one-page PDF; the package's id.
    static func holding(_ directory: TemporaryDirectory) async throws -> (NodeConfiguration, String) {
        let configuration = InProcessServices.nodeConfiguration(in: directory, organisation: Self.procuratorate, apiKey: Self.apiKey)
        let page = directory.url.appendingPathComponent("dossier.pdf")
        let package = try #require(Fixtures.check(bytes: Array(Fixtures.example("arrestApproval.arrestRequest").utf8), attachments: false).package)
        let document = try #require(
            FilledDocument.fill(
                try DocumentTemplates.bundled()["arrestRequest"]!,
                from: package,
                registry: Fixtures.registry,
                today: Fixtures.testDay
            )
        )
        try FilledDocumentPDF.write(document, to: page)
        let bytes = Array(try Data(contentsOf: page))
        let blobs = try BlobStore(root: configuration.blobLocation, directIO: false)
        let file = Delivery.File(sha256: try await blobs.write(bytes), size: bytes.count, name: "提请批准逮捕书.pdf", mediaType: "application/pdf")
        let database = try await DatabaseURL.sqlite(path: directory.file("node.sqlite").path).open(
            migrations: Migrations.node,
            logger: StoreBackend.logger
        )
        let content = Array(Fixtures.example("arrestApproval.arrestRequest").utf8)
        let delivery = Delivery(
            packageId: "dossier-1",
            sender: "330106000101",
            receiver: Self.procuratorate,
            flow: "arrestApproval",
            messageType: "arrestRequest",
            unifiedCaseCode: "20261120110133010600010100000004",
            agencyCaseNumber: "杭西公（刑）字〔2026〕1001号",
            contentSHA256: ContentHash.sha256(content),
            contentSize: content.count,
            attachments: [file],
            acceptedAt: "2026-11-20T01:00:00Z"
        )
        _ = try await NodeStore(database: database, organisation: Self.procuratorate).store(delivery, feedSeq: 1, content: content)
        await database.close()
        return (configuration, file.sha256)
    }

    struct Granted: Decodable {
        var grant: ReadingGrant
        var accessCode: String
    }

    static func grant(_ days: Int, with client: some TestClientProtocol) async throws -> (id: String, code: String) {
        let body = #"{"packageId": "dossier-1", "reader": {"kind": "lawyer", "name": "李律师", "licence": "13301201910123456"}, "days": \#(days)}"#
        let reply = try await client.execute(uri: "/api/v1/reading-grants", method: .post, headers: Self.key, body: ByteBuffer(string: body))
        #expect(reply.status == .created, "\(String(buffer: reply.body))")
        let granted = try JSONDecoder().decode(Granted.self, from: Data(reply.body.readableBytesView))
        return (granted.grant.grantId, granted.accessCode)
    }

    static func signIn(_ grant: (id: String, code: String), with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(
            uri: "/reading/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "grant=\(grant.id)&code=\(grant.code)")
        )
    }

    /// The reddish pixels of a PNG: the watermark's. ffmpeg (installed for the browser test) turns it into raw RGB.
    static func redPixels(_ png: [UInt8], in directory: TemporaryDirectory) async throws -> Int {
        let file = directory.file("page-\(UUID().uuidString).png")
        let raw = directory.file("page-\(UUID().uuidString).rgb")
        try Data(png).write(to: file)
        _ = try await ChildProcess.run(
            "/usr/bin/env",
            ["ffmpeg", "-loglevel", "error", "-y", "-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path]
        )
        let pixels = Array(try Data(contentsOf: raw))
        var red = 0
        for index in stride(from: 0, to: pixels.count - 2, by: 3) {
            let (r, g, b) = (Int(pixels[index]), Int(pixels[index + 1]), Int(pixels[index + 2]))
            if r > 180 && r - g > 40 && r - b > 40 { red += 1 }
        }
        return red
    }

    @Test func aLawyerReadsWatermarkedPagesEveryViewIsLoggedAndARevokedGrantShowsNothing() async throws {
        let directory = try TemporaryDirectory()
        let (configuration, sha256) = try await Self.holding(directory)
        try await InProcessServices.node(configuration).test(.router) { client in
            // Refusals: no such package, a lawyer without a licence number.
            let unknown = try await client.execute(
                uri: "/api/v1/reading-grants",
                method: .post,
                headers: Self.key,
                body: ByteBuffer(string: #"{"packageId": "nope", "reader": {"kind": "lawyer", "name": "李律师", "licence": "1"}, "days": 3}"#)
            )
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("reading.not-found"))
            let unlicensed = try await client.execute(
                uri: "/api/v1/reading-grants",
                method: .post,
                headers: Self.key,
                body: ByteBuffer(string: #"{"packageId": "dossier-1", "reader": {"kind": "lawyer", "name": "李律师"}, "days": 3}"#)
            )
            #expect(unlicensed.status == .badRequest && String(buffer: unlicensed.body).contains("reading.invalid"))

            // A name the watermark's fonts cannot show (U+20BB7, 𠮷) would lock the reader out: refused at once.
            let unshowable = try await client.execute(
                uri: "/api/v1/reading-grants",
                method: .post,
                headers: Self.key,
                body: ByteBuffer(
                    string: #"{"packageId": "dossier-1", "reader": {"kind": "lawyer", "name": "王\#u{20BB7}", "licence": "1"}, "days": 3}"#
                )
            )
            #expect(unshowable.status == .badRequest && String(buffer: unshowable.body).contains("reader.name"))
            let grant = try await Self.grant(3, with: client)
            // A wrong code: the page again, no cookie.
            let wrong = try await Self.signIn((grant.id, "0000-0000-0000-0000"), with: client)
            #expect(String(buffer: wrong.body).contains("授权编号或阅卷码错误") && wrong.headers[.setCookie]?.contains("xietong_reading") != true)
            let signedIn = try await Self.signIn(grant, with: client)
            #expect(signedIn.status == .seeOther)
            let cookie = try #require(signedIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let page = try await client.execute(uri: "/reading", method: .get, headers: [.cookie: cookie])
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("/reading/files/\(sha256)/pages/1.png") && html.contains("仅可在线阅卷"))
            #expect(!html.contains("下载原件"))
            // 「退出」 ends this reader's session, not a console user's; another session of the grant goes on.
            #expect(html.contains("href=\"/reading/logout\"") && !html.contains("/console/logout"))
            let second = try await Self.signIn(grant, with: client)
            let secondCookie = try #require(second.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let out = try await client.execute(uri: "/reading/logout", method: .get, headers: [.cookie: secondCookie])
            #expect(out.status == .seeOther && out.headers[.location] == "/reading/login")
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let afterOut = try await client.execute(uri: "/reading", method: .get, headers: [.cookie: secondCookie])
            #expect(afterOut.status == .seeOther && afterOut.headers[.location] == "/reading/login")
            #expect(try await client.execute(uri: "/reading", method: .get, headers: [.cookie: cookie]).status == .ok)

            // The page as an image, with the watermark in its pixels: a plain rendering has no red.
            let image = try await client.execute(uri: "/reading/files/\(sha256)/pages/1.png", method: .get, headers: [.cookie: cookie])
            #expect(image.status == .ok && image.headers[.contentType] == "image/png")
            let marked = try await Self.redPixels(Array(image.body.readableBytesView), in: directory)
            let plain = try PageRenderer().page(
                1,
                of: configuration.blobLocation.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256),
                watermark: ""
            )
            let unmarked = try await Self.redPixels(plain, in: directory)
            #expect(marked > unmarked * 2 + 5000, "red pixels: \(marked) watermarked, \(unmarked) without")
            let beyond = try await client.execute(uri: "/reading/files/\(sha256)/pages/9.png", method: .get, headers: [.cookie: cookie])
            #expect(beyond.status == .notFound)
            // No original for this grant; none without signing in.
            let original = try await client.execute(uri: "/reading/files/\(sha256)", method: .get, headers: [.cookie: cookie])
            #expect(original.status == .forbidden && String(buffer: original.body).contains("reading.closed"))
            let anonymous = try await client.execute(uri: "/reading/files/\(sha256)/pages/1.png", method: .get)
            #expect(anonymous.status == .seeOther)

            // Revoked: nothing more is shown, and signing in again is refused.
            let revoked = try await client.execute(uri: "/api/v1/reading-grants/\(grant.id)/revoke", method: .post, headers: Self.key)
            #expect(revoked.status == .ok && String(buffer: revoked.body).contains("\"revoked\""))
            let after = try await client.execute(uri: "/reading/files/\(sha256)/pages/1.png", method: .get, headers: [.cookie: cookie])
            #expect(after.status != .ok)
            let again = try await Self.signIn(grant, with: client)
            #expect(String(buffer: again.body).contains("阅卷授权已撤销"))
        }
        // The access log: the grant, the sign-in, the page viewed (by the lawyer, named), the refused download.
        let database = try await DatabaseURL.sqlite(path: directory.file("node.sqlite").path).open(
            migrations: Migrations.node,
            logger: StoreBackend.logger
        )
        let log = try await AccessLog(database: database).records()
        await database.close()
        #expect(log.contains { $0.action == "reading.grant" })
        #expect(
            log.contains {
                $0.action == "dossier.page" && $0.who == "李律师（13301201910123456）" && $0.role == "reader" && $0.subject.hasSuffix("提请批准逮捕书.pdf p1")
            }
        )
        #expect(log.contains { $0.action == "dossier.download" && !$0.allowed })
        #expect(log.contains { $0.action == "reading.login" && !$0.allowed })
    }

    @Test func aGrantPastItsTimeLetsNothingThrough() async throws {
        let directory = try TemporaryDirectory()
        let (configuration, sha256) = try await Self.holding(directory)
        let grant = try await InProcessServices.node(configuration).test(.router) { client in try await Self.grant(1, with: client) }
        // Two days on: the same node, its clock later.
        let later = WallClock.starting(at: Fixtures.clock().now().addingTimeInterval(2 * 86400))
        try await InProcessServices.node(configuration, clock: later).test(.router) { client in
            let signIn = try await Self.signIn(grant, with: client)
            #expect(String(buffer: signIn.body).contains("阅卷授权已于") && signIn.headers[.setCookie]?.contains("xietong_reading") != true)
            let listed = try await client.execute(uri: "/api/v1/reading-grants", method: .get, headers: Self.key)
            #expect(String(buffer: listed.body).contains("\"expired\""))
            _ = sha256
        }
    }
}
