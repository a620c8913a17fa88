import Foundation
public import Hummingbird
import XietongCore
public import XietongStore

/// One check `/readyz` makes, and what it found.
public struct ReadinessCheck: Sendable {
    public struct Result: Sendable, Encodable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    public let name: String
    let run: @Sendable () async -> (ok: Bool, detail: String)

    public init(_ name: String, _ run: @escaping @Sendable () async -> (ok: Bool, detail: String)) {
        self.name = name
        self.run = run
    }

    /// The database answers a query within two seconds.
    public static func database(_ database: any SQLDatabase) -> ReadinessCheck {
        ReadinessCheck("database") {
            let answered = await Bounded.value(within: .seconds(2), otherwise: false) {
                (try? await database.execute("SELECT 1", [])) != nil
            }
            return answered ? (true, "answers") : (false, "does not answer within 2 s")
        }
    }

    /// Every data disk has more free space than the reserve.
    public static func disk(_ reserve: DiskReserve) -> ReadinessCheck {
        ReadinessCheck("disk") {
            let below = reserve.status().filter(\.belowReserve)
            guard below.isEmpty else { return (false, "below the reserve: \(below.map(\.folder).joined(separator: ", "))") }
            return (true, "above the reserve")
        }
    }

    func result() async -> Result {
        let (ok, detail) = await self.run()
        return Result(name: self.name, ok: ok, detail: detail)
    }
}

/// What `/readyz` answers: 200 `ready` when every check passed, else 503 `unready` (what load balancers understand),
/// with each check named.
public struct Readiness: Encodable, Sendable {
    public var status: String
    public var checks: [ReadinessCheck.Result]
}

/// What `/version` answers.
public struct VersionInfo: Encodable, Sendable {
    public var version = XietongVersion.version
    public var build = XietongVersion.build
    public var role: String
    /// The database schema's version (its newest migration), the case-package standard versions read, and the API's.
    public var schemas: Schemas

    public struct Schemas: Encodable, Sendable {
        public var database: Int
        public var casePackage: [String]
        public var api = "v1"
    }

    public init(role: String, databaseSchema: Int) {
        self.role = role
        self.schemas = Schemas(database: databaseSchema, casePackage: SchemaSet.bundledVersions)
    }
}

/// The routes operators' tools call on the hub and on each node (issue 22, item 5 and item 1): `/healthz` (liveness:
/// the process serves), `/readyz` (readiness: it can do its job), `/version`, and `/metrics` for Prometheus, which
/// only a monitoring token (role `monitor`) or, at the hub, an administrator's may read.
public struct OperationsRoutes: Sendable {
    let health: @Sendable () -> Health
    let checks: [ReadinessCheck]
    let version: VersionInfo
    let metrics: ServiceMetrics
    let scrapers: CredentialSet

    public init(
        health: @escaping @Sendable () -> Health,
        checks: [ReadinessCheck],
        version: VersionInfo,
        metrics: ServiceMetrics,
        scrapers: CredentialSet
    ) {
        self.health = health
        self.checks = checks
        self.version = version
        self.metrics = metrics
        self.scrapers = scrapers
    }

    static let scrapeRefused = APIError(
        .authRequired,
        zh: "需要监控令牌（monitor）或管理员令牌",
        en: "a monitoring (monitor) or administrator token is required"
    )

    public func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("/healthz") { _, _ in HTTPJSON.response(self.health()) }
        router.get("/readyz") { _, _ in
            var results: [ReadinessCheck.Result] = []
            for check in self.checks { results.append(await check.result()) }
            let ready = results.allSatisfy(\.ok)
            return HTTPJSON.response(Readiness(status: ready ? "ready" : "unready", checks: results), status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/version") { _, _ in HTTPJSON.response(self.version) }
        router.get("/metrics") { request, context in
            guard let principal = self.scrapers.principal(token: BearerToken.token(in: request.headers[.authorization])) else {
                throw Self.scrapeRefused
            }
            var context = context
            context.caller.token = principal
            let body = await self.metrics.exposition()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }
}
