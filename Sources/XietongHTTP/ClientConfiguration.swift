public import AsyncHTTPClient
import NIOCore
public import NIOSSL

extension HTTPClient.Configuration {
    /// What every Xietong HTTP client starts from. Distributed tracing is off: Xietong exports no spans, and
    /// AsyncHTTPClient would otherwise open one per request through the global no-op tracer and fill in its
    /// attributes (2 % of a node's CPU at 500 packages/s, docs/performance.md).
    public static func xietong(tls: TLSConfiguration? = nil, connectionsPerHost: Int? = nil) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        if let connectionsPerHost {
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        }
        configuration.tracing.tracer = nil
        return configuration
    }
}
