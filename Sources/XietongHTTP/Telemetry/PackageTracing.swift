public import HTTPTypes
public import Hummingbird
public import NIOHTTP1
public import Tracing

/// A package's journey as one trace (issue 22, item 3): each step a span carrying the package's id, and the trace's
/// context kept as a W3C `traceparent` string wherever the package waits (the node's outbox, the hub's feed entry, the
/// receiving node's inbox), so that the next step, in another process or after a restart, continues the same trace.
///
/// `tracer` is nil while tracing is off (the default): then nothing is started and nothing is stored.
public struct PackageTracing: Sendable {
    public let tracer: (any Tracer)?

    public init(_ tracer: (any Tracer)?) {
        self.tracer = tracer
    }

    public static let off = PackageTracing(nil)

    /// The span attribute naming the package.
    public static let packageAttribute = "xietong.package.id"

    /// What a span stands for, as OpenTelemetry's span kinds.
    public enum Kind: Sendable {
        /// A request served (the business system's POST).
        case server
        /// A request made (the push to the business system).
        case client
        /// A package handed on to be taken later (the forward to the hub).
        case producer
        /// A package taken that was handed on (the hub's intake, the receiving node's fetch).
        case consumer
        /// Work within one service.
        case `internal`

        var spanKind: SpanKind {
            switch self {
            case .server: .server
            case .client: .client
            case .producer: .producer
            case .consumer: .consumer
            case .internal: .internal
            }
        }
    }

    /// Starts a span continuing `traceparent` (a new trace without one). Nil while tracing is off.
    public func start(_ name: String, packageId: String?, continuing traceparent: String?, kind: Kind = .internal) -> PackageSpan? {
        guard self.tracer != nil else { return nil }
        return self.start(name, packageId: packageId, context: self.context(continuing: traceparent), kind: kind)
    }

    /// Starts a span as a child of `parent` (a new trace without one). Nil while tracing is off.
    public func start(_ name: String, packageId: String?, under parent: PackageSpan?, kind: Kind = .internal) -> PackageSpan? {
        self.start(name, packageId: packageId, context: parent?.context ?? .topLevel, kind: kind)
    }

    /// Starts the span of serving `request`, continuing its `traceparent` header (a business system's, say).
    public func start(_ name: String, serving request: Request) -> PackageSpan? {
        self.start(name, packageId: nil, continuing: request.headers[.traceparent], kind: .server)
    }

    func start(_ name: String, packageId: String?, context: ServiceContext, kind: Kind) -> PackageSpan? {
        guard let tracer else { return nil }
        let span = tracer.startSpan(name, context: context, ofKind: kind.spanKind)
        if let packageId { span.attributes[Self.packageAttribute] = packageId }
        return PackageSpan(span: span, tracer: tracer)
    }

    /// The context a stored `traceparent` describes, to start spans in.
    func context(continuing traceparent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let tracer, let traceparent {
            tracer.extract(["traceparent": traceparent], into: &context, using: DictionaryCarrier())
        }
        return context
    }
}

/// A started span of a package's trace.
public struct PackageSpan: Sendable {
    public let span: any Span
    let tracer: any Tracer

    /// This span's context as a W3C `traceparent`, to store with the package or send along.
    public var traceparent: String? {
        var carrier: [String: String] = [:]
        self.tracer.inject(self.span.context, into: &carrier, using: DictionaryCarrier())
        return carrier["traceparent"]
    }

    var context: ServiceContext { self.span.context }

    public func set(_ key: String, _ value: String) { self.span.attributes[key] = value }

    /// Ends the span; with `error`, it is marked failed and the error recorded.
    public func end(error: (any Error)? = nil) {
        if let error {
            self.span.recordError(error)
            self.span.setStatus(SpanStatus(code: .error))
        }
        self.span.end()
    }

    /// Adds `traceparent` to an outgoing request's headers.
    public func inject(into headers: inout HTTPHeaders) {
        if let traceparent = self.traceparent { headers.replaceOrAdd(name: "traceparent", value: traceparent) }
    }
}

extension Optional where Wrapped == PackageSpan {
    /// Ends the span, if tracing is on.
    public func end(error: (any Error)? = nil) { self?.end(error: error) }
    /// The span's `traceparent`, if tracing is on.
    public var traceparent: String? { self?.traceparent }
}

/// Injects into and extracts from a plain dictionary: how a context becomes a stored string and back.
struct DictionaryCarrier: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

extension HTTPField.Name {
    /// W3C Trace Context's header.
    public static let traceparent = HTTPField.Name("traceparent")!
}
