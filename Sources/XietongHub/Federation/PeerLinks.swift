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
    /// The HTTP clients made for the links, closed by `services` when the hub stops, or by `shutdown()` when the hub's
    /// build fails after this.
    private let made: [HTTPClient]

    /// Shuts the links' clients down, for a build that failed after they were made (a client dropped without its
    /// shutdown traps).
    func shutdown() async {
        for client in self.made { try? await client.shutdown() }
    }

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
        // Everything that can fail is read first, for every peer; only then are the clients made, each with
        // Xietong's connect timeout (`.shared` waited 90 s for a peer that is down), and each closed when the hub
        // stops: a client dropped without its shutdown traps.
        var prepared: [(peer: HubConfiguration.PeerHub, member: Federation.Peer, probe: HTTPClient.Configuration, witnesses: WitnessPolicy?)] = []
        for peer in configuration.peers {
            guard let member = federation.peer(named: peer.name) else { continue }
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
            }
            let witnesses = try peer.witnesses.map { requirement throws(TrustError) in try WitnessPolicy(requirement) }
            prepared.append((peer, member, probe, witnesses))
        }
        var made: [HTTPClient] = []
        for (peer, member, probe, witnesses) in prepared {
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: probe)
            made.append(client)
            clients.append(HTTPClientCloser(client: client))
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
                    witnesses: witnesses,
                    loop: WorkerLoop(clock: clock, notifier: notifier),
                    metrics: metrics,
                    logger: logger
                )
            )
        }
        // Services stop in reverse order: the clients close after the links that use them.
        self.services = clients + links
        self.clients = byName
        self.made = made
    }
}
