/// Where a service listens: host and port (0 picks a free port).
public struct ListenAddress: Sendable, Codable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }
}
