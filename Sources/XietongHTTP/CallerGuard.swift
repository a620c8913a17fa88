public import Hummingbird

/// Guards a route group: lets a request through when `admit` admits its caller (possibly adding to it, such as a
/// console session), and otherwise refuses it with `refusal`, thrown, so that it is answered like every `APIError`.
/// A refused HEAD request is answered with the status alone.
public struct CallerGuard: RouterMiddleware {
    public typealias Context = PeerRequestContext

    let refusal: APIError
    let admit: @Sendable (Caller, Request) async -> Caller?

    /// `admit` returns the caller to hand on, or nil to refuse the request.
    public init(refusing refusal: APIError, admit: @escaping @Sendable (Caller, Request) async -> Caller?) {
        self.refusal = refusal
        self.admit = admit
    }

    /// Admits the callers for whom `admits` holds, as they are.
    public init(refusing refusal: APIError, unless admits: @escaping @Sendable (Caller) -> Bool) {
        self.init(refusing: refusal) { caller, _ in admits(caller) ? caller : nil }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = await self.admit(context.caller, request) else {
            if request.method == .head { return Response(status: self.refusal.status) }
            throw self.refusal
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}
