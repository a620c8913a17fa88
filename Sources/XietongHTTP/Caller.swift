/// Who is calling the hub or a node (issue 6, access control), as found once per request from its connection, its
/// bearer token and, where a route group accepts one, its console session. It lives on the request context.
public struct Caller: Sendable, Hashable {
    /// The node calling the hub: with mutual TLS, the organisation its verified client certificate names (if the hub
    /// knows it); otherwise the one its token belongs to. Never read from a request header.
    public var node: String?
    /// Whom the bearer token names: a supervisor or an administrator at the hub, a business system at a node.
    public var token: Principal?
    /// Who is signed in to the console: set only by the route groups that accept a session instead of a token.
    public var session: Principal?

    public init(node: String? = nil, token: Principal? = nil, session: Principal? = nil) {
        self.node = node
        self.token = token
        self.session = session
    }

    /// The caller: a node (by its organisation) before whom its token names.
    public var principal: Principal? {
        if let node { return Principal(name: node, role: .node) }
        return self.token
    }

    /// An administrator by token.
    public var isAdministrator: Bool { self.token?.role == .administrator }

    /// A supervisor or an administrator by token: every case's metadata, read-only (SZ-4).
    public var supervisor: Principal? {
        self.token.flatMap { [.supervisor, .administrator].contains($0.role) ? $0 : nil }
    }

    /// Whom a read of case data is logged as: the caller, else who is signed in to the console.
    public var reader: Principal? { self.principal ?? self.session }
}
