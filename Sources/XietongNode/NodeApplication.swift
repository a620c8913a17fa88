public import AsyncHTTPClient
import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
public import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
public import XietongCore
public import XietongHTTP
import XietongStore
import XietongTrust

/// Builds an agency node: its database and blob store in the data directory, its interface for business systems
/// (HTTP and WebSocket), and its services (forwarder, feed puller, reporter, pusher, subscriptions).
public enum NodeApplication {
    /// Every hop and reminder, as they happen, to one WebSocket (business systems and the console).
    static func stream(_ engine: NodeEngine, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (id, events) = await engine.broadcaster.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in events {
                    let data =
                        switch message {
                        case .packageEvent(let event): try CanonicalJSON.encode(EventMessage(event))
                        case .deadlineReminder(let reminder): try CanonicalJSON.encode(ReminderMessage(reminder))
                        case .bookingNotice(let notice): try CanonicalJSON.encode(BookingMessage(notice))
                        }
                    let text = String(decoding: data, as: UTF8.self)
                    try await outbound.write(.text(text))
                }
            }
            group.addTask {
                for try await _ in inbound {}
            }
            try await group.next()
            group.cancelAll()
        }
        await engine.broadcaster.unsubscribe(id)
    }

    public static func build(
        configuration: NodeConfiguration,
        registry: OrganisationRegistry,
        catalog: FlowCatalog,
        httpClient: HTTPClient? = nil,
        logger: Logger,
        clock: WallClock = .system,
        traces: TraceExport? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (some ApplicationProtocol, NodeEngine) {
        let identity = try configuration.tls.map { files throws(TrustError) in try Identity(files) }
        // With mutual TLS the node talks to the hub through its own client, presenting its certificate.
        let hubConfiguration = try identity.map { identity in HTTPClient.Configuration.xietong(tls: try TLSSetup.client(identity)) }
        // Everything that can fail comes before the hub's client is made: a client dropped without its shutdown traps
        // (AsyncHTTPClient checks it), which turned a missing file into exit 132 with nothing named (issue 19).
        let blobs = try BlobStore(root: configuration.blobLocation, directIO: configuration.blobDirectIO)
        let checker = try QualityChecker.bundled(registry: registry, catalog: catalog)
        let serverTLS = try identity.flatMap { identity in
            configuration.serveTLS ? try TLSSetup.server(identity, requireClientCertificates: false) : nil
        }
        let database = try await configuration.databaseLocation().open(migrations: Migrations.node, logger: logger)
        // Without a client of the caller's (the tests), the node makes its own with Xietong's connect timeout:
        // `.shared` waits 90 s for a connection to a peer that is down, and each worker's round with it, so a node
        // whose hub was not there took minutes to stop. The clients made here are shut down when the node stops, or
        // at once if the build fails after this point (a client dropped without its shutdown traps).
        let ownClient = httpClient == nil ? HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong()) : nil
        let client = httpClient ?? ownClient!
        let hubHTTP = hubConfiguration.map { HTTPClient(eventLoopGroupProvider: .singleton, configuration: $0) } ?? client
        let made = [ownClient, hubHTTP === client ? nil : hubHTTP].compactMap { $0 }
        var built = false
        defer {
            if !built { Task { for client in made { try? await client.shutdown() } } }
        }
        let notifier = ChangeNotifier()
        // Metrics (issue 22): the node's own registry, shown at /metrics.
        let metrics = ServiceMetrics()
        metrics.standard(role: "node", database: database, reserve: configuration.diskReserve)
        let engine = NodeEngine(
            configuration: configuration,
            store: NodeStore(database: database, organisation: configuration.organisation),
            blobs: blobs,
            hub: HubClient(
                baseURL: configuration.hub.url,
                token: configuration.hub.token,
                client: hubHTTP,
                link: HubLink(notifier: notifier),
                probeConfiguration: hubConfiguration ?? .xietong()
            ),
            checker: checker,
            notifier: notifier,
            broadcaster: EventBroadcaster(),
            retry: RetryPolicy(base: configuration.retryBaseSeconds, maximum: configuration.retryMaxSeconds),
            httpClient: client,
            identity: identity,
            logger: logger,
            clock: clock,
            metrics: metrics,
            tracing: PackageTracing(traces?.tracer),
            reserve: configuration.diskReserve,
            witnesses: try configuration.witnesses.map { requirement throws(TrustError) in try WitnessPolicy(requirement) }
        )
        NodeMetrics.install(engine)
        if configuration.credentials.credentials.isEmpty {
            logger.warning("no API keys configured: any caller can use this node (development only)")
        }
        let router = Router(context: PeerRequestContext.self)
        // A JSON body over its route's limit answers 413 request.too-large (issue 22).
        router.add(middleware: RequestTooLarge())
        // Liveness, readiness, version and metrics (issue 22).
        OperationsRoutes(
            health: { Health(organisation: configuration.organisation, disks: engine.reserve.status()) },
            checks: NodeMetrics.readiness(engine, database: database),
            version: VersionInfo(role: "node", databaseSchema: Migrations.node.map(\.version).max() ?? 0),
            metrics: metrics,
            scrapers: CredentialSet(configuration.scrapers(users: configuration.users))
        ).addRoutes(to: router)
        NodeController(engine: engine).addRoutes(to: router)
        // The agency's web console (issue 7).
        let sessions = ConsoleSessions()
        NodeConsole(engine: engine, sessions: sessions).addRoutes(to: router)
        // Last: a known path with another method answers 405, an unknown one 404, both in JSON (issue 22).
        router.add(middleware: UnmatchedRequests(router))
        var services: [any Service] = [
            DatabaseCloser(database: database), OutboxForwarder(engine: engine), FeedPuller(engine: engine), Reporter(engine: engine),
            OutboxMonitor(engine: engine), HubRestoreCheck(engine: engine),
            SubscriptionRunner(engine: engine), BlobSweeper(blobs: engine.blobs, logger: logger), HubWatch(engine: engine),
        ]
        // With witnesses required (issue 23), the newest countersigned head is looked for every few seconds too.
        if engine.witnesses != nil { services.append(WitnessedHeadWatch(engine: engine)) }
        // The trace export first: services stop in reverse order, so it stops last and sends the last spans.
        if let traces { services.insert(traces.service, at: 0) }
        for client in made { services.append(HTTPClientCloser(client: client)) }
        if configuration.delivery.mode == .push, let url = configuration.delivery.url {
            services.append(DeliveryPusher(engine: engine, target: PushTarget(engine: engine, url: url)))
        }
        // The business system's exchange database (issue 24): its intake, and delivery into it when so configured.
        if let settings = configuration.exchangeDatabase {
            services.append(ExchangeDatabaseConnector(engine: engine, settings: settings, location: try settings.location(file: nil)))
            if configuration.delivery.mode == .exchangeDatabase {
                let limit = Int(settings.inlineAttachmentLimitMB * 1_048_576)
                services.append(DeliveryPusher(engine: engine, target: ExchangeDatabaseTarget(engine: engine, inlineLimit: limit)))
            }
        }
        let credentials = configuration.credentials
        let shouldUpgrade:
            @Sendable (HTTPRequest, any Channel, Logger) async throws -> ShouldUpgradeResult<
                WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
            > = { request, _, connection in
                // An upgrade never reaches the router, so its request line (issue 22) is written here.
                let line = { (route: String, status: Int, principal: String) in
                    logger.info(
                        "request",
                        metadata: [
                            "request_id": connection[metadataKey: "hb.request.id"] ?? "-", "http_method": "GET",
                            "http_route": .string(route), "http_status": .stringConvertible(status), "principal": .string(principal),
                        ]
                    )
                }
                // The console's live updates: the officer's session cookie opens the same event stream.
                if request.path?.hasPrefix("/console/events") == true {
                    guard await sessions.isValid(cookieHeader: request.headerFields[values: .cookie].joined(separator: "; ")) else {
                        line("/console/events", 400, "-")
                        return .dontUpgrade
                    }
                    line("/console/events", 101, "session")
                    return .upgrade([:]) { inbound, outbound, _ in try await NodeApplication.stream(engine, inbound: inbound, outbound: outbound) }
                }
                guard request.path?.hasPrefix("/api/v1/events") == true else { return .dontUpgrade }
                guard
                    let caller = NodeAccess.eventsCaller(
                        path: request.path,
                        authorization: request.headerFields[.authorization],
                        credentials: credentials
                    )
                else { return .dontUpgrade }
                line("/api/v1/events", 101, caller.label)
                return .upgrade([:]) { inbound, outbound, _ in try await NodeApplication.stream(engine, inbound: inbound, outbound: outbound) }
            }
        // The requests the node would refuse reach the routes instead, which answer them in JSON (issue 22).
        let mayUpgrade: @Sendable (HTTPRequestHead) -> Bool = { head in
            guard head.headers["sec-websocket-key"].count == 1, head.headers["sec-websocket-version"] == ["13"] else { return false }
            // The console's session is checked by `shouldUpgrade` (the gate cannot wait for the sessions' actor).
            if head.uri.hasPrefix("/console/events") { return true }
            guard head.uri.hasPrefix("/api/v1/events") else { return false }
            return NodeAccess.eventsCaller(path: head.uri, authorization: head.headers.first(name: "authorization"), credentials: credentials) != nil
        }
        var server = HTTPServerBuilder { responder in
            NodeChannel(
                channel: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(), shouldUpgrade: shouldUpgrade),
                mayUpgrade: mayUpgrade
            )
        }
        if let serverTLS {
            // Business systems reach the node over TLS (issue 6); they trust the platform CA.
            server = try .tls(server, tlsConfiguration: serverTLS)
        }
        let app = Application(
            responder: RequestLog(router.buildResponder(), logger: logger, metrics: metrics),
            server: server,
            configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "xietong-node"),
            services: services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.listen.port) },
            logger: logger
        )
        built = true
        return (app, engine)
    }
}

/// A time-limit reminder as the WebSocket sends it, with its text in Chinese and English (GS-3).
struct ReminderMessage: Encodable {
    let type = "deadlineReminder"
    let reminder: DeadlineReminder
    let text: LocalizedText

    init(_ reminder: DeadlineReminder) {
        self.reminder = reminder
        self.text = reminder.text
    }
}

/// A change of a remote arraignment booking as the WebSocket sends it, with its text in Chinese and English (issue 26).
struct BookingMessage: Encodable {
    let type = "bookingNotice"
    let notice: BookingNotice
    let text: LocalizedText

    init(_ notice: BookingNotice) {
        self.notice = notice
        self.text = notice.text
    }
}

/// A hop as the WebSocket sends it: the event, with the hop's name in Chinese and English.
struct EventMessage: Encodable {
    let type = "packageEvent"
    let event: PackageEvent
    let hopName: LocalizedText

    init(_ event: PackageEvent) {
        self.event = event
        self.hopName = event.hop.name
    }
}
