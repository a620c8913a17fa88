import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import ServiceLifecycle
public import XietongCore
public import XietongHTTP
public import XietongStore
import XietongTrust

/// Builds the hub: its database and blob store in the data directory, the intake, the routes and the alert monitor.
public enum HubApplication {
    public struct Parts: Sendable {
        public let database: any SQLDatabase
        public let store: HubStore
        public let blobs: BlobStore
        public let notifier: ChangeNotifier
    }

    /// `make`'s value; if it throws, the peer links' clients are shut down first.
    private static func orShutDown<T>(_ links: PeerLinks, _ make: () throws -> T) async throws -> T {
        do {
            return try make()
        } catch {
            await links.shutdown()
            throw error
        }
    }

    /// The hub as a Hummingbird application. `onRunning` receives the bound port (useful with port 0).
    public static func build(
        configuration: HubConfiguration,
        registry: OrganisationRegistry,
        catalog: FlowCatalog,
        logger: Logger,
        clock: WallClock = .system,
        traces: TraceExport? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (some ApplicationProtocol, Parts) {
        let database = try await configuration.databaseLocation().open(migrations: Migrations.hub, logger: logger)
        let blobs = try BlobStore(root: configuration.blobLocation, directIO: configuration.blobDirectIO)
        let store = HubStore(
            database: database,
            hubOrganisation: configuration.organisation,
            flows: FlowEngine(
                catalog: catalog,
                calendar: try configuration.legalCalendar(),
                registry: registry,
                federation: configuration.federation
            ),
            clock: clock
        )
        let notifier = ChangeNotifier()
        // Metrics (issue 22): the hub's own registry, shown at /metrics.
        let metrics = ServiceMetrics()
        metrics.standard(role: "hub", database: database, reserve: configuration.diskReserve)
        let checker = try QualityChecker.bundled(registry: registry, catalog: catalog)
        let identity = try configuration.tlsWithPeers.map { files throws(TrustError) in try Identity(files) }
        let intake = PackageIntake(
            checker: checker,
            store: store,
            blobs: blobs,
            codes: CaseCodeAssigner(registry: registry, sequences: SQLCodeSequenceStore(database: database), now: clock.now),
            notifier: notifier,
            maxPackageAge: configuration.maxPackageAgeDays * 86400,
            trust: identity?.trust,
            metrics: metrics,
            tracing: PackageTracing(traces?.tracer),
            logger: logger
        )
        // The hub's signature on tree heads and receipts: its certificate's key, else an evidence key of its own.
        let signer =
            try identity.map { identity throws(TrustError) in try HubSigner(identity: identity) }
            ?? HubSigner(keyFile: URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("evidence-key.pem"))
        let reportKinds = try configuration.filingReportCatalog()
        // The links to peer hubs (issue 23): one reader of each peer's link feed. From here on, a failure shuts their
        // clients down before it is thrown.
        let links = try PeerLinks(
            configuration: configuration,
            identity: identity,
            intake: intake,
            store: store,
            blobs: blobs,
            notifier: notifier,
            clock: clock,
            metrics: metrics,
            logger: logger
        )
        let router = Router(context: PeerRequestContext.self)
        HubController(
            configuration: configuration,
            registry: registry,
            intake: intake,
            store: store,
            blobs: blobs,
            notifier: notifier,
            signer: signer,
            metrics: metrics,
            tracing: PackageTracing(traces?.tracer),
            peerClients: links.clients,
            reportKinds: reportKinds,
            operations: OperationsRoutes(
                health: { Health(organisation: configuration.organisation, disks: configuration.diskReserve.status()) },
                checks: [.database(database), .disk(configuration.diskReserve)],
                version: VersionInfo(role: "hub", databaseSchema: Migrations.hub.map(\.version).max() ?? 0),
                metrics: metrics,
                scrapers: CredentialSet(
                    configuration.credentials.credentials.filter { $0.role == .administrator } + configuration.scrapers(users: configuration.users)
                )
            ),
            logger: logger
        ).addRoutes(to: router)
        let monitor = AlertMonitor(
            store: store,
            alertAfter: configuration.alertAfterSeconds,
            metrics: metrics,
            interval: configuration.alertCheckSeconds,
            logger: logger
        )
        // Hummingbird's HTTP/1 channel, closing the connection after a request that asked to switch protocols.
        let http1 = HTTPServerBuilder { responder in HTTP1ClosingDeclinedUpgrades(HTTP1Channel(responder: responder)) }
        var server = http1
        if let identity {
            // Mutual TLS: nodes present certificates the platform CA issued (checked with its revocation list on
            // every handshake); supervisors and administrators may connect without one and use their tokens.
            var tls = try await Self.orShutDown(links) { try TLSSetup.server(identity, requireClientCertificates: true) }
            tls.certificateVerification = .optionalVerification
            // Nodes, and peer hubs by their own platform's certificates (issue 23).
            let nodes = Set(configuration.nodes.map(\.organisation) + configuration.peers.map(\.organisation))
            server = try await Self.orShutDown(links) {
                try .tls(
                    http1,
                    configuration: TLSChannelConfiguration(
                        tlsConfiguration: tls,
                        customAsyncVerificationCallback: TLSSetup.verification(
                            identity.trust,
                            logger: logger,
                            accept: { nodes.contains($0) },
                            refused: { reason in metrics.count(.tlsRefusals, [("reason", reason)]) }
                        )
                    )
                )
            }
        }
        let app = Application(
            responder: RequestLog(router.buildResponder(), logger: logger, metrics: metrics),
            server: server,
            configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "xietong-hub"),
            services: (traces.map { [$0.service] } ?? []) + [
                // The trace export first: services stop in reverse order, so it stops last and sends the last spans.
                // The signer stops right before the database closes (services stop in reverse order), after every
                // service that records events, so its last head covers every leaf (an audit names leaves no head covers).
                DatabaseCloser(database: database),
                EvidenceSigner(
                    store: store,
                    signer: signer,
                    // Each node, and each peer hub through its link feed (issue 23), checks every head.
                    nodes: configuration.nodes.map(\.organisation) + configuration.peers.map { Federation.linkFeed($0.name) },
                    interval: configuration.treeHeadSeconds,
                    logger: logger
                ),
                FeedRelay(database: database, notifier: notifier), monitor,
                BlobSweeper(blobs: blobs, logger: logger),
                SearchIndexer(store: store, logger: logger),
                BookingReminders(
                    store: store,
                    hub: configuration.organisation,
                    hours: configuration.bookingReminderHours,
                    interval: configuration.reminderCheckSeconds,
                    logger: logger
                ),
                DeadlineMonitor(
                    store: store,
                    daysBefore: configuration.reminderDaysBefore,
                    interval: configuration.reminderCheckSeconds,
                    logger: logger
                ),
            ] + links.services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.listen.port) },
            logger: logger
        )
        return (app, Parts(database: database, store: store, blobs: blobs, notifier: notifier))
    }
}
