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
    enum Outcome<T: Sendable>: Sendable {
        case serviceEnded((any Error)?)
        case bodyDone(Result<T, any Error>)
    }

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
        return try await withThrowingTaskGroup(of: Outcome<T>.self) { tasks in
            tasks.addTask {
                do {
                    try await group.run()
                    return .serviceEnded(nil)
                } catch {
                    return .serviceEnded(error)
                }
            }
            tasks.addTask {
                do {
                    while !LocalProcesses.isListening(port) { try await Task.sleep(for: .milliseconds(20)) }
                    return .bodyDone(.success(try await body("http://127.0.0.1:\(port)")))
                } catch {
                    return .bodyDone(.failure(error))
                }
            }
            switch try await tasks.next()! {
            case .serviceEnded(let error):
                // The body cannot reach a service that has stopped.
                tasks.cancelAll()
                _ = try await tasks.next()
                throw error ?? StoppedEarly(port: port)
            case .bodyDone(let result):
                // Stopped gracefully (cancelled after `GracefulShutdown.maximum`) whether the body passed or threw:
                // a service cancelled at once may still be writing when its database closes.
                await group.triggerGracefulShutdown()
                if case .serviceEnded(let error?) = try await tasks.next()!, !(error is CancellationError), case .success = result {
                    throw error
                }
                return try result.get()
            }
        }
    }
}
