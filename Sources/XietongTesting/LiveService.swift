import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle
import XietongHTTP
import XietongLocal

/// Runs a service built in this process on a real loopback port, as `xietong` runs it (`GracefulShutdown`: stopped
/// gracefully, and cancelled after `GracefulShutdown.maximum`), for a test that calls it through a real HTTP client.
///
/// Unlike HummingbirdTesting's `.live`, a service that stops before it listens fails the test with its error instead
/// of leaving it waiting for a port for ever, and a stop that does not finish is bounded.
public enum LiveService {
    public struct StoppedEarly: Error, CustomStringConvertible {
        public let port: Int
        public var description: String { "the service on port \(self.port) stopped before the test was done" }
    }

    /// Builds the service with `make` for a free loopback port, runs it, then `body` with its base URL once the port
    /// accepts connections; stops the service when `body` returns or throws.
    public static func run<App: ApplicationProtocol & Sendable, T: Sendable>(
        _ make: (_ port: Int) async throws -> App,
        logger: Logger = Logger(label: "test"),
        _ body: @escaping @Sendable (_ base: String) async throws -> T
    ) async throws -> T {
        let port = LocalProcesses.freePort()
        let app = try await make(port)
        let group = GracefulShutdown.group([app], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            tasks.addTask {
                while !LocalProcesses.isListening(port) { try await Task.sleep(for: .milliseconds(20)) }
                return try await body("http://127.0.0.1:\(port)")
            }
            defer { tasks.cancelAll() }
            do {
                // The body's value, or the service's end (its error, or nil: it stopped before the body finished).
                guard let first = try await tasks.next(), let value = first else { throw StoppedEarly(port: port) }
                await group.triggerGracefulShutdown()
                while try await tasks.next() != nil {}
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
