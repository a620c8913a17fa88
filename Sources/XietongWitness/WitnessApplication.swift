import AsyncHTTPClient
import Foundation
public import Hummingbird
public import Logging
import NIOSSL
import ServiceLifecycle
public import XietongCore
import XietongHTTP
public import XietongStore
import XietongTrust

/// `xietong witness` (issue 23, SZ-3): a service another body runs (a procuratorate, a notary, the provincial
/// committee) that mirrors a hub's evidence log, checks every head against its mirror, and countersigns the heads it
/// checked. It answers `/healthz` and `GET /v1/witness`: its name and public key, how much of the log it mirrors, the
/// last head it countersigned and its alarms.
public enum WitnessApplication {
    public static func build(
        configuration: WitnessConfiguration,
        logger: Logger,
        clock: WallClock = .system,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (some ApplicationProtocol, WitnessStore) {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let database = try await DatabaseURL.sqlite(
            path: URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("witness.sqlite").path
        ).open(migrations: WitnessStore.migrations, logger: logger)
        let store = WitnessStore(database: database)
        let signer = try HubSigner(keyFile: configuration.keyFile)
        // The public half, for the nodes and peer hubs that require this witness.
        if let publicKey = signer.publicKey { try Data(publicKey.utf8).write(to: configuration.publicKeyFile, options: .atomic) }
        var tls: TLSConfiguration?
        var trust: TrustStore?
        if let ca = configuration.hub.caCertificate {
            var hubTLS = TLSConfiguration.makeClientConfiguration()
            hubTLS.trustRoots = .file(ca)
            tls = hubTLS
            trust = try TrustStore(caCertificate: URL(fileURLWithPath: ca), revocationFile: nil)
        }
        // A client of its own, with Xietong's connect timeout (`.shared` waits 90 s for a hub that is down), made once
        // nothing more can fail, and closed when the witness stops.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: tls))
        let services: [any Service] = [HTTPClientCloser(client: client)]
        let notifier = ChangeNotifier()
        let witnessing = Witnessing(
            name: configuration.name,
            hubOrganisation: configuration.hub.organisation,
            client: HubClient(baseURL: configuration.hub.url, token: configuration.hub.token, client: client, link: HubLink(notifier: notifier)),
            store: store,
            signer: signer,
            trust: trust,
            loop: WorkerLoop(clock: clock, notifier: notifier),
            interval: configuration.intervalSeconds,
            logger: logger
        )
        let router = Router()
        router.get("/healthz") { _, _ in HTTPJSON.response(["status": "ok", "role": "witness"]) }
        router.get("/v1/witness") { _, _ in try await Self.status(configuration: configuration, store: store, signer: signer) }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "xietong-witness"),
            services: [DatabaseCloser(database: database)] + services + [witnessing],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.listen.port) },
            logger: logger
        )
        return (app, store)
    }

    struct Status: Encodable {
        var name: String
        var hub: String
        var publicKey: String?
        var mirroredLeaves: Int
        var lastCountersigned: Evidence.TreeHead?
        var delivered: Bool?
        var alarms: [WitnessStore.Alarm]
    }

    static func status(configuration: WitnessConfiguration, store: WitnessStore, signer: HubSigner) async throws -> Response {
        let last = try await store.lastChecked()
        var head = last?.head
        head?.cosignatures = last.map { [$0.cosignature] }
        return HTTPJSON.response(
            Status(
                name: configuration.name,
                hub: configuration.hub.url,
                publicKey: signer.publicKey,
                mirroredLeaves: try await store.size(),
                lastCountersigned: head,
                delivered: last?.delivered,
                alarms: try await store.alarms()
            )
        )
    }
}
