public import AsyncHTTPClient
import ServiceLifecycle
public import XietongStore

/// Closes a database when the service group shuts down.
public struct DatabaseCloser: NamedService {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await self.database.close()
    }
}

/// Shuts an HTTP client down when the service group shuts down.
public struct HTTPClientCloser: NamedService {
    public let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try? await self.client.shutdown()
    }
}
