public import ServiceLifecycle
public import XietongStore

/// Closes a database when the service group shuts down.
public struct DatabaseCloser: Service {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await self.database.close()
    }
}
