import Foundation
public import HTTPTypes
public import Hummingbird
public import Logging
import Metrics
import Synchronization

/// Who a request turned out to be from, written by `IdentifyCaller` (and the console's session check) further in and
/// read by `RequestLog` on the way out: the request context is a value, so what an inner middleware sets on it is not
/// seen by an outer one.
public final class RequestRecord: Sendable {
    private let principal = Mutex<String?>(nil)

    public init() {}

    /// The caller, as the access log writes it (`role:name`); nil for nobody identified.
    public var caller: String? {
        get { self.principal.withLock { $0 } }
        set { self.principal.withLock { $0 = newValue } }
    }
}

/// One line for every HTTP request (issue 22, item 4), and its duration in `http_server_request_duration_seconds`.
///
/// It wraps the router's responder, so that every request is seen, the ones no route matches included. The line
/// carries the request id (also sent back as the `X-Request-Id` header, so a business system can quote it), the
/// method, the route's pattern (never the path's values or the query: a case code or a token must not reach the log),
/// the status, the duration in milliseconds and the caller. Health checks and scrapes are logged at debug level only:
/// a load balancer's and Prometheus's polls would otherwise drown the rest.
public struct RequestLog<Inner: HTTPResponder>: HTTPResponder where Inner.Context == PeerRequestContext {
    public typealias Context = PeerRequestContext

    let inner: Inner
    let logger: Logger
    let metrics: ServiceMetrics

    public init(_ inner: Inner, logger: Logger, metrics: ServiceMetrics) {
        self.inner = inner
        self.logger = logger
        self.metrics = metrics
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let id = context.id
        do {
            var response = try await self.inner.respond(to: request, context: context)
            response.headers[.requestID] = id
            self.finish(request, context, status: Int(response.status.code), elapsed: clock.now - start, id: id)
            return response
        } catch {
            // What the router did not turn into a response becomes a 500 further out.
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            self.finish(request, context, status: Int(status), elapsed: clock.now - start, id: id)
            throw error
        }
    }

    private func finish(_ request: Request, _ context: Context, status: Int, elapsed: Duration, id: String) {
        let route = context.endpointPath ?? "NotFound"
        let method = request.method.rawValue
        // Methods outside HTTP's own are one label value, as OpenTelemetry's conventions say: a client's invented
        // methods must not grow the series without bound.
        let methodLabel = RequestLines.methods.contains(method) ? method : "_OTHER"
        self.metrics.observe(
            .httpRequestDuration,
            [("http_request_method", methodLabel), ("http_route", route), ("http_response_status_code", String(status))],
            elapsed
        )
        let level: Logger.Level = RequestLines.polledPaths.contains(request.uri.path) && status < 400 ? .debug : .info
        self.logger.log(
            level: level,
            "request",
            metadata: [
                "request_id": .string(id),
                "http_method": .string(method),
                "http_route": .string(route),
                "http_status": .stringConvertible(status),
                "duration_ms": .string(
                    String(format: "%.1f", Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                ),
                "principal": .string(context.record.caller ?? "-"),
            ]
        )
    }
}

/// What the request lines decide by: the paths polled by machines (load balancers, Prometheus, browsers), logged at
/// debug level, and HTTP's own methods, the values of the `http_request_method` label.
enum RequestLines {
    static let polledPaths: Set<String> = ["/healthz", "/readyz", "/metrics", "/favicon.ico", "/favicon.svg"]
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]
}

extension HTTPField.Name {
    /// The request's id, sent back with every answer (issue 22, item 4).
    public static let requestID = HTTPField.Name("X-Request-Id")!
}
