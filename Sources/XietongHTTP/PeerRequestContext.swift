public import HTTPTypes
public import Hummingbird
public import NIOCore

/// The request context of the hub and the nodes: Hummingbird's basic context plus the connection, so that the
/// organisation named by a verified TLS client certificate can be read (issue 6, mutual TLS).
public struct PeerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Puts the organisation of the peer's verified client certificate in the `Xietong-Peer-Organisation` header (and
/// removes any such header a client sent), so that handlers read the TLS identity like any other header.
public struct PeerOrganisationMiddleware: RouterMiddleware {
    public typealias Context = PeerRequestContext
    public static let header = HTTPField.Name("Xietong-Peer-Organisation")!

    let peerOrganisation: @Sendable (any Channel) async -> String?

    public init(peerOrganisation: @escaping @Sendable (any Channel) async -> String?) {
        self.peerOrganisation = peerOrganisation
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var head = request.head
        head.headerFields[Self.header] = nil
        if let organisation = await self.peerOrganisation(context.channel) {
            head.headerFields[Self.header] = organisation
        }
        return try await next(Request(head: head, body: request.body), context)
    }
}
