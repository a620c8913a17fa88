public import AsyncHTTPClient
import Foundation
public import Hummingbird
public import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import XietongClient
import XietongCore
import XietongHTTP
public import XietongStore

/// A stand-in for an agency's business system (警综, 检察业务应用系统 …) in push mode: it takes each package the
/// node pushes, downloads and verifies its attachments from the node (ZJ-7.2.3 c), stores everything durably, and
/// only then answers 2xx. It recognises a repeat by `Xietong-Package-Id`, as real business systems must, so a
/// package is never taken twice.
public struct BusinessSystemSimulator: Sendable {
    public struct Configuration: Sendable {
        public var organisation: String
        public var dataDirectory: String
        public var host = "127.0.0.1"
        public var port = 0
        /// The node's base URL and API key, to fetch attachments.
        public var nodeURL: String
        public var apiKey: String
        /// Answer the first N pushes with 503, to show the node's retries.
        public var failFirst = 0

        public init(organisation: String, dataDirectory: String, nodeURL: String, apiKey: String) {
            self.organisation = organisation
            self.dataDirectory = dataDirectory
            self.nodeURL = nodeURL
            self.apiKey = apiKey
        }
    }

    static let migrations = [
        Migration(
            version: 1,
            name: "received packages",
            statements: [
                """
                CREATE TABLE received (
                    package_id TEXT PRIMARY KEY, arrival BIGINT NOT NULL, flow TEXT NOT NULL, message_type TEXT NOT NULL,
                    sender TEXT NOT NULL, unified_case_code TEXT NOT NULL, content_sha256 TEXT NOT NULL, attachments INTEGER NOT NULL,
                    received_at TEXT NOT NULL, content BYTEA NOT NULL
                )
                """,
                "CREATE TABLE repeats (package_id TEXT NOT NULL, offered_at TEXT NOT NULL)",
                "CREATE TABLE batches (arrival BIGINT PRIMARY KEY, body TEXT NOT NULL, received_at TEXT NOT NULL)",
                "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            ]
        )
    ]

    /// What the business system has taken, in order.
    public struct Received: Sendable, Codable, Hashable {
        public var packageId: String
        public var arrival: Int
        public var flow: String
        public var messageType: String
        public var sender: String
        public var unifiedCaseCode: String
        public var contentSHA256: String
        public var attachments: Int
        public var receivedAt: String
    }

    public static func received(in database: any SQLDatabase) async throws -> [Received] {
        // Not the packages' bytes: the list of what was taken is read whole (by the benchmark, after thousands).
        try await database.execute(
            """
            SELECT package_id, arrival, flow, message_type, sender, unified_case_code, content_sha256, attachments, received_at
            FROM received ORDER BY arrival
            """,
            []
        ).map {
            Received(
                packageId: $0.string("package_id") ?? "",
                arrival: $0.int("arrival") ?? 0,
                flow: $0.string("flow") ?? "",
                messageType: $0.string("message_type") ?? "",
                sender: $0.string("sender") ?? "",
                unifiedCaseCode: $0.string("unified_case_code") ?? "",
                contentSHA256: $0.string("content_sha256") ?? "",
                attachments: $0.int("attachments") ?? 0,
                receivedAt: $0.string("received_at") ?? ""
            )
        }
    }

    /// The answer to every package or batch taken, written once (Foundation's encoder had cost 4 % of the
    /// simulator's time at 500 packages/s).
    static let receivedAnswer = Array(#"{"status":"received"}"#.utf8)

    struct Refusal: Encodable {
        let error: String
        let message: [String: String]
    }

    /// A refusal in the shape of the exchange's errors; its codes are the simulator's own, not the node's API's.
    static func refusal(_ status: HTTPResponse.Status, _ code: String, zh: String, en: String) -> Response {
        HTTPJSON.response(Refusal(error: code, message: ["zh": zh, "en": en]), status: status)
    }

    public static func build(
        _ configuration: Configuration,
        httpClient: HTTPClient = .shared,
        logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (some ApplicationProtocol, any SQLDatabase) {
        let directory = URL(fileURLWithPath: configuration.dataDirectory)
        let database = try await SQLiteDatabase.open(
            path: directory.appendingPathComponent("business.sqlite").path,
            migrations: Self.migrations,
            logger: logger
        )
        let blobs = try BlobStore(root: directory.appendingPathComponent("documents"))
        let failures = FailureBudget(remaining: configuration.failFirst)
        let node = NodeAPIClient(baseURL: configuration.nodeURL, apiKey: configuration.apiKey, client: httpClient, timeout: .minutes(30))
        let router = Router()
        router.get("/healthz") { _, _ in HTTPJSON.response(["status": "ok"]) }
        router.get("/received") { _, _ in HTTPJSON.response(try await Self.received(in: database)) }
        router.get("/stats") { _, _ in
            let count = try await database.execute("SELECT COUNT(*) AS n FROM received", []).first?.int("n") ?? 0
            return HTTPJSON.response(["received": count])
        }
        router.get("/batches") { _, _ in
            let rows = try await database.execute("SELECT body FROM batches ORDER BY arrival", [])
            return HTTPJSON.response(rows.compactMap { $0.string("body") })
        }
        router.post("/receive") { request, _ in
            if await failures.take() {
                return Self.refusal(.serviceUnavailable, "busy", zh: "业务系统繁忙", en: "the business system is busy")
            }
            guard let packageId = request.headers[.init("Xietong-Package-Id")!] else {
                return Self.refusal(.badRequest, "missing-id", zh: "缺少数据包编号", en: "Xietong-Package-Id is missing")
            }
            let existing = try await database.execute("SELECT package_id FROM received WHERE package_id = $1", [.text(packageId)])
            if !existing.isEmpty {
                try await database.execute(
                    "INSERT INTO repeats (package_id, offered_at) VALUES ($1, $2)",
                    [.text(packageId), .text(Timestamp.now())]
                )
                return HTTPJSON.response(["status": "already received"])
            }
            let body = try await request.body.collect(upTo: 32 << 20)
            let bytes = Array(body.readableBytesView)
            let root: XMLElement
            do {
                root = try XMLDocumentParser.parse(bytes)
            } catch {
                return Self.refusal(.unprocessableContent, "unreadable", zh: "无法解析数据包", en: "cannot parse the package")
            }
            let package = CasePackage(validated: root)
            let attachmentsBase = request.headers[.init("Xietong-Attachments")!] ?? "/api/v1/inbox/\(packageId)/attachments/"
            for attachment in package.attachments {
                let response = try await node.attachment(atPath: attachmentsBase + attachment.sha256.lowercased())
                guard response.status == .ok else {
                    return Self.refusal(.badGateway, "attachment", zh: "无法下载附件", en: "cannot download the attachment \(attachment.name)")
                }
                _ = try await blobs.write(response.body, expectedSHA256: attachment.sha256.lowercased())
            }
            let digest = ContentHash.sha256(bytes)
            try await database.transaction { transaction in
                let counter = try await transaction.execute(
                    "INSERT INTO counters (name, value) VALUES ('arrival', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                    []
                )
                try await transaction.execute(
                    """
                    INSERT INTO received (package_id, arrival, flow, message_type, sender, unified_case_code, content_sha256, attachments, received_at,
                        content)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """,
                    [
                        .text(packageId), .integer(counter.first?.int("value") ?? 0), .text(package.envelope.flow),
                        .text(package.envelope.messageType),
                        .text(package.envelope.sender.organisationCode),
                        .text(request.headers[.init("Xietong-Unified-Case-Code")!] ?? package.envelope.unifiedCaseCode ?? ""),
                        .text(digest), .integer(package.attachments.count), .text(Timestamp.now()), .blob(bytes),
                    ]
                )
            }
            return HTTPJSON.response(json: Self.receivedAnswer)
        }
        router.post("/batches") { request, _ in
            let body = try await request.body.collect(upTo: 8 << 20)
            try await database.transaction { transaction in
                let counter = try await transaction.execute(
                    "INSERT INTO counters (name, value) VALUES ('batch', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                    []
                )
                try await transaction.execute(
                    "INSERT INTO batches (arrival, body, received_at) VALUES ($1, $2, $3)",
                    [.integer(counter.first?.int("value") ?? 0), .text(String(buffer: body)), .text(Timestamp.now())]
                )
            }
            return HTTPJSON.response(json: Self.receivedAnswer)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "xietong-business-simulator"),
            services: [DatabaseCloser(database: database)],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        return (app, database)
    }
}

/// Counts down the deliberate failures.
actor FailureBudget {
    var remaining: Int

    init(remaining: Int) {
        self.remaining = remaining
    }

    func take() -> Bool {
        guard self.remaining > 0 else { return false }
        self.remaining -= 1
        return true
    }
}
