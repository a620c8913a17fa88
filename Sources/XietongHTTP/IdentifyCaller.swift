public import Hummingbird
public import NIOCore

/// Finds who is calling and puts it on the request context (`context.caller`), before any route runs. It only
/// identifies; each route group's `CallerGuard` decides who may call it.
public struct IdentifyCaller: RouterMiddleware {
    public typealias Context = PeerRequestContext

    let identify: @Sendable (Request, any Channel) async -> Caller

    /// `identify` reads the request's token and, with mutual TLS, the connection's certificate.
    public init(_ identify: @escaping @Sendable (Request, any Channel) async -> Caller) {
        self.identify = identify
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.caller = await self.identify(request, context.channel)
        return try await next(request, context)
    }
}
