import HTTPTypes
public import Hummingbird
import NIOCore

/// Answers the requests no route takes (issue 22, item 6): a path some route has, with another method (`TRACE`, say),
/// gets `405 method.not-allowed` and `Allow` naming the path's methods; any other path gets `404 route.not-found`. Both
/// are JSON, like every error; Hummingbird's own answer to both is an empty 404.
///
/// Add it to the router after every route: a router's middleware wraps only the routes added after it and the answer
/// to unmatched requests, so this one wraps that answer alone.
public struct UnmatchedRequests<Context: RequestContext>: RouterMiddleware {
    /// Each route path with its methods.
    let paths: [(path: RouterPath, methods: [HTTPRequest.Method])]

    public init(_ router: Router<Context>) {
        var byPath: [String: (path: RouterPath, methods: [HTTPRequest.Method])] = [:]
        for route in router.routes {
            byPath[route.path.description, default: (route.path, [])].methods.append(route.method)
        }
        self.paths = byPath.values.map { ($0.path, $0.methods.sorted { $0.rawValue < $1.rawValue }) }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard let methods = self.methods(of: path.split(separator: "/")) else {
                throw APIError(.routeNotFound, zh: "没有该接口：\(path)", en: "no operation has the path \(path)")
            }
            let allowed = methods.map(\.rawValue).joined(separator: ", ")
            throw APIError(
                .methodNotAllowed,
                zh: "\(path) 不支持 \(request.method.rawValue) 方法，支持：\(allowed)",
                en: "\(path) does not take \(request.method.rawValue); it takes \(allowed)",
                headers: [.allow: allowed]
            )
        }
    }

    /// The methods of the route the router would take the path to, whatever the method: the route whose segments
    /// match, a literal before a parameter at the first segment where two differ (the router's trie prefers literals,
    /// so that `GET /v1/packages/batch` is a 405 of `POST /v1/packages/batch`, not `GET /v1/packages/{id}`).
    func methods(of segments: [Substring]) -> [HTTPRequest.Method]? {
        let matching = self.paths.filter { route in
            route.path.components.count == segments.count && zip(route.path.components, segments).allSatisfy { $0 ~= $1 }
        }
        return matching.max { Self.isLessSpecific($0.path, than: $1.path) }?.methods
    }

    static func isLessSpecific(_ a: RouterPath, than b: RouterPath) -> Bool {
        for (x, y) in zip(a.components, b.components) where x.description != y.description {
            return !Self.isLiteral(x) && Self.isLiteral(y)
        }
        return false
    }

    /// A literal segment (`batch`), not a parameter (`{id}`): only a literal equals its own text.
    static func isLiteral(_ element: RouterPath.Element) -> Bool { element == element.description }
}

/// A body over its route's limit (`collect(upTo:)`) is answered `413 request.too-large` in JSON, like every error,
/// instead of Hummingbird's empty 413 (issue 22). Add it to the router before the routes.
public struct RequestTooLarge<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as NIOTooManyBytesError {
            let limit = error.maxBytes.map { "\($0)" } ?? "?"
            throw APIError(
                .requestTooLarge,
                zh: "请求正文超过 \(limit) 字节的上限",
                en: "the request body exceeds the limit of \(limit) bytes"
            )
        }
    }
}
