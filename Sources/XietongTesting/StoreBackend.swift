import Foundation
public import Logging
import XietongLocal
public import XietongStore

/// The two database backends, for tests that must pass on both (the conformance suite). PostgreSQL is a real,
/// throw-away server that the test run starts itself (`ThrowawayPostgres`), unless `XIETONG_TEST_POSTGRES_URL`
/// names one.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { self.rawValue }

    /// A new, empty database of this backend.
    public func newLocation(in directory: TemporaryDirectory) async throws -> DatabaseURL {
        switch self {
        case .sqlite: .sqlite(path: directory.file("store-\(UUID().uuidString).sqlite").path)
        case .postgres: try await ThrowawayPostgres.shared.newDatabase(prefix: "conformance")
        }
    }

    /// Opens (migrating) a new database of this backend.
    public func open(_ migrations: [Migration], in directory: TemporaryDirectory) async throws -> (any SQLDatabase, DatabaseURL) {
        let location = try await self.newLocation(in: directory)
        return (try await location.open(migrations: migrations, logger: Self.logger), location)
    }

    public static let logger: Logger = {
        var logger = Logger(label: "xietong.test-store")
        logger.logLevel = .warning
        return logger
    }()
}
