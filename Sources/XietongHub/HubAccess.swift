import Hummingbird
import NIOCore
import XietongCore
import XietongHTTP
import XietongTrust

/// Who may call the hub (issue 6): how a caller is identified, and the guard of each route group. Nodes are known
/// by their client certificate under mutual TLS, else by their token; supervisors and administrators by their token
/// (`users`, `adminToken`); the console's CSV exports also by its session.
struct HubAccess: Sendable {
    let nodes: [HubConfiguration.NodeCredential]
    /// Peer hubs (issue 23): a peer reads its link feed and the packages it carries as a node does, known by its
    /// certificate under mutual TLS, else by its token; on the nodes' routes it is the link feed's name, `peer:NAME`.
    let peers: [HubConfiguration.PeerHub]
    /// Supervisors and administrators (`users`, `adminToken`).
    let credentials: CredentialSet
    /// With mutual TLS: the organisation of a connection's verified client certificate; nodes are then known by it
    /// alone, and their tokens name no one.
    let peerOrganisation: (@Sendable (any Channel) async -> String?)?
    /// The web console's log-ins (issue 7).
    let sessions: ConsoleSessions

    init(configuration: HubConfiguration, sessions: ConsoleSessions) {
        self.nodes = configuration.nodes
        self.peers = configuration.peers
        self.credentials = configuration.credentials
        if configuration.tls != nil {
            self.peerOrganisation = { channel in await TLSSetup.peerOrganisation(on: channel) }
        } else {
            self.peerOrganisation = nil
        }
        self.sessions = sessions
    }

    static let unauthorised = APIError(.authRequired, zh: "需要有效的节点令牌", en: "a valid node token is required")
    static let forbidden = APIError(.authForbidden, zh: "无权访问该数据包", en: "not allowed to access this package")
    static let adminOnly = APIError(.authAdminRequired, zh: "需要管理员令牌", en: "the administrator token is required")
    static let supervisorsOnly = APIError(
        .authSupervisorRequired,
        zh: "需要监督员或管理员令牌",
        en: "a supervisor's or administrator's token is required"
    )

    /// The committee's own services (pooled search, filing reports; issue 26): a peer hub that supervises this one
    /// reads the five metadata views over its link (`PeerSupervisionController`), not these.
    static let committeeOnly = APIError(
        .authSupervisorRequired,
        zh: "仅本委的监督员或管理员可用，对端平台不可调用",
        en: "for this committee's supervisors and administrators; a peer hub may not call it"
    )

    /// Who calls: the node of its certificate or token, and whom its token names.
    func caller(_ request: Request, channel: any Channel) async -> Caller {
        let token = HTTPJSON.bearerToken(request)
        var node: String?
        if let peerOrganisation = self.peerOrganisation {
            if let organisation = await peerOrganisation(channel) {
                if self.nodes.contains(where: { $0.organisation == organisation }) {
                    node = organisation
                } else if let peer = self.peers.first(where: { $0.organisation == organisation }) {
                    return self.caller(peer: peer)
                }
            }
        } else if let token {
            // Nodes first: theirs are the tokens of nearly every request.
            node = self.nodes.first { HTTPJSON.constantTimeEqual($0.token, token) }?.organisation
            if node == nil, let peer = self.peers.first(where: { $0.token.map { HTTPJSON.constantTimeEqual($0, token) } ?? false }) {
                return self.caller(peer: peer)
            }
            // A node's token is no person's: the hash against the users' is spared on every package and long poll.
            if node != nil { return Caller(node: node, token: nil) }
        }
        return Caller(node: node, token: self.credentials.principal(token: token))
    }

    /// A peer hub (issue 23): on the nodes' routes its link feed; where this hub's configuration lets the peer's
    /// committee supervise it, a supervisor of metadata too.
    func caller(peer: HubConfiguration.PeerHub) -> Caller {
        let feed = Federation.linkFeed(peer.name)
        return Caller(node: feed, token: peer.supervises == true ? Principal(name: feed, role: .supervisor) : nil)
    }

    /// Fills `context.caller` for every route.
    var identify: IdentifyCaller { IdentifyCaller { request, channel in await self.caller(request, channel: channel) } }

    /// The nodes' routes: sending, blobs, hop reports, the feed.
    var node: CallerGuard { CallerGuard(refusing: Self.unauthorised) { $0.node != nil } }

    /// The node that called a route of the nodes' group (whose guard lets only nodes through).
    static func node(_ context: PeerRequestContext) throws -> String {
        guard let node = context.caller.node else { throw Self.unauthorised }
        return node
    }

    /// Routes open to any known caller (each read is checked and logged by its handler).
    var known: CallerGuard { CallerGuard(refusing: Self.unauthorised) { $0.principal != nil } }

    /// A case's timeline: supervisors, administrators and nodes.
    var supervisorOrNode: CallerGuard { CallerGuard(refusing: Self.unauthorised) { $0.supervisor != nil || $0.node != nil } }

    /// A witness of the evidence log (issue 23), by token.
    var witness: CallerGuard { CallerGuard(refusing: Self.unauthorised) { $0.principal?.role == .witness } }

    /// The evidence log's leaves: an administrator's audit, or a witness's mirror.
    var auditor: CallerGuard { CallerGuard(refusing: Self.adminOnly) { $0.isAdministrator || $0.principal?.role == .witness } }

    /// The administrator, by token only.
    var administrator: CallerGuard { CallerGuard(refusing: Self.adminOnly) { $0.isAdministrator } }

    /// An administrator by token, or signed in to the console as one (its CSV exports).
    var administratorOrConsole: CallerGuard {
        CallerGuard(refusing: Self.adminOnly) { caller, request in
            if caller.isAdministrator { return caller }
            guard let session = await self.sessions.session(request)?.principal, session.role == .administrator else { return nil }
            var caller = caller
            caller.session = session
            return caller
        }
    }

    /// A supervisor or an administrator by token, or signed in to the console (its CSV exports).
    var supervisorOrConsole: CallerGuard {
        CallerGuard(refusing: Self.supervisorsOnly) { caller, request in
            if caller.supervisor != nil { return caller }
            guard let session = await self.sessions.session(request)?.principal else { return nil }
            var caller = caller
            caller.session = session
            return caller
        }
    }
}
