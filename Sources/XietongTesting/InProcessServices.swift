import Foundation
public import Hummingbird
import Logging
public import XietongCore
import XietongHTTP
public import XietongHub
public import XietongNode

/// A hub or a node built in this process for route tests (HummingbirdTesting's `.router` or `.live`): on a loopback
/// port chosen by the system, in a test's folder, with no free-space reserve and the clock the test sets. The tests
/// change the configuration they are given before building.
public enum InProcessServices {
    /// A hub's configuration: the nodes it knows with their tokens, and its administrator's token.
    public static func hubConfiguration(
        in directory: TemporaryDirectory,
        nodes: [(organisation: String, token: String)],
        adminToken: String
    ) -> HubConfiguration {
        var configuration = HubConfiguration()
        configuration.listen = .init(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = directory.url.path
        configuration.nodes = nodes.map { .init(organisation: $0.organisation, token: $0.token) }
        configuration.adminToken = adminToken
        configuration.freeSpaceReserveMB = 0
        configuration.maxPackageAgeDays = 36500
        return configuration
    }

    public static func hub(_ configuration: HubConfiguration, clock: WallClock = Fixtures.clock()) async throws -> some ApplicationProtocol {
        try await HubApplication.build(
            configuration: configuration,
            registry: Fixtures.registry,
            catalog: try FlowCatalog.bundled(),
            logger: Logger(label: "test"),
            clock: clock
        ).0
    }

    /// A node of `organisation` whose hub is not there (nothing listens on port 1): what it answers needs none, and
    /// packages wait in its outbox.
    public static func nodeConfiguration(in directory: TemporaryDirectory, organisation: String, apiKey: String) -> NodeConfiguration {
        var configuration = NodeConfiguration(organisation: organisation)
        configuration.listen = .init(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = directory.url.path
        configuration.hub = .init(url: "http://127.0.0.1:1", token: "hub-token-\(organisation)")
        configuration.apiKeys = [apiKey]
        configuration.freeSpaceReserveMB = 0
        return configuration
    }

    public static func node(_ configuration: NodeConfiguration, clock: WallClock = Fixtures.clock()) async throws -> some ApplicationProtocol {
        try await NodeApplication.build(
            configuration: configuration,
            registry: Fixtures.registry,
            catalog: try FlowCatalog.bundled(),
            logger: Logger(label: "test"),
            clock: clock
        ).0
    }
}
