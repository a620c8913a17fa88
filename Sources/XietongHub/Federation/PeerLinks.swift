import AsyncHTTPClient
import Logging
import NIOSSL
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// The hub's links to its peer hubs (issue 23), made from the configuration: for each peer a client (with this hub's
/// certificate and the peer platform's CA under mutual TLS, else the token this hub has at the peer) and the
/// `PeerLink` that reads the peer's link feed; and the services that close the clients last.
struct PeerLinks {
    let services: [any Service]
    /// Each link's client, by peer name: also for the committee's supervision of a peer that grants it.
    let clients: [String: HubClient]

    init(
        configuration: HubConfiguration,
        identity: Identity?,
        intake: PackageIntake,
        store: HubStore,
        blobs: BlobStore,
        notifier: ChangeNotifier,
        clock: WallClock,
        metrics: ServiceMetrics,
        logger: Logger
    ) throws {
        var links: [any Service] = []
        var clients: [any Service] = []
        var byName: [String: HubClient] = [:]
        let federation = configuration.federation
        for peer in configuration.peers {
            guard let member = federation.peer(named: peer.name) else { continue }
            var client = HTTPClient.shared
            var probe = HTTPClient.Configuration.xietong()
            if let identity {
                var tls = try TLSSetup.client(identity)
                // The peer's server certificate is its own platform's: its CA is trusted for this link.
                if let ca = peer.caCertificate {
                    do {
                        tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(ca))]
                    } catch {
                        throw TrustError(.io, zh: "无法读取对端平台的 CA 证书 \(ca)", en: "cannot read the peer platform's CA certificate \(ca): \(error)")
                    }
                }
                probe = .xietong(tls: tls)
                client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: probe)
                clients.append(HTTPClientCloser(client: client))
            }
            let linkClient = HubClient(
                baseURL: peer.url,
                token: peer.tokenAtPeer ?? "",
                client: client,
                link: HubLink(notifier: notifier),
                probeConfiguration: probe
            )
            byName[peer.name] = linkClient
            links.append(
                PeerLink(
                    peer: member,
                    client: linkClient,
                    intake: intake,
                    store: store,
                    blobs: blobs,
                    trust: identity?.trust,
                    witnesses: try peer.witnesses.map { requirement throws(TrustError) in try WitnessPolicy(requirement) },
                    loop: WorkerLoop(clock: clock, notifier: notifier),
                    metrics: metrics,
                    logger: logger
                )
            )
        }
        // Services stop in reverse order: the clients close after the links that use them.
        self.services = clients + links
        self.clients = byName
    }
}
