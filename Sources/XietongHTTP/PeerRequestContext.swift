public import Hummingbird
public import NIOCore

/// The request context of the hub and the nodes: Hummingbird's basic context, the connection (so that the
/// organisation named by a verified TLS client certificate can be read: issue 6, mutual TLS), and the caller, which
/// `IdentifyCaller` fills before any route runs and each route group's `CallerGuard` checks.
public struct PeerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel
    /// Who is calling, as the server's `IdentifyCaller` found; nobody until it ran.
    public var caller = Caller() {
        didSet { self.record.caller = self.caller.reader?.label }
    }
    /// Who the caller was, for the request's log line (`RequestLog`), which reads it after the route ran.
    public let record = RequestRecord()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
