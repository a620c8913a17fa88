public import AsyncHTTPClient
public import NIOCore
public import NIOSSL

extension HTTPClient.Configuration {
    /// What every Xietong HTTP client starts from. Distributed tracing is off: Xietong exports no spans, and
    /// AsyncHTTPClient would otherwise open one per request through the global no-op tracer and fill in its
    /// attributes (2 % of a node's CPU at 500 packages/s, docs/performance.md).
    /// How long a client waits for a TCP connection to be set up. Hubs and nodes are on the same network.
    public static let connectTimeout = TimeAmount.seconds(3)

    public static func xietong(tls: TLSConfiguration? = nil, connectionsPerHost: Int? = nil) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        if let connectionsPerHost {
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        }
        configuration.tracing.tracer = nil
        // A peer that is down is known within this time: AsyncHTTPClient's default of 10 s kept each request of a
        // node to a stopped hub waiting that long, and then the backoff, before anything was tried again (issue 19).
        configuration.timeout.connect = Self.connectTimeout
        return configuration
    }
}
