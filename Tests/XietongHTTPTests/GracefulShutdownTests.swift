import Logging
import ServiceLifecycle
import Synchronization
import Testing
import XietongHTTP

/// A service that does not finish when asked to stop is cancelled once the graceful stop has had its time
/// (`GracefulShutdown`), so that `xietong hub` or `xietong node` exits on SIGTERM whatever one worker waits for.
@Suite(.timeLimit(.minutes(2))) struct GracefulShutdownTests {
    /// Waits an hour, ignoring the request to stop gracefully; only cancellation ends it.
    struct Stuck: Service {
        let ends: Ends
        func run() async throws {
            do {
                try await Task.sleep(for: .seconds(3600))
                self.ends.stuck.withLock { $0 = "slept out" }
            } catch {
                self.ends.stuck.withLock { $0 = "cancelled" }
            }
        }
    }

    /// Stops at once when asked; says whether it was asked or cancelled.
    struct Polite: Service {
        let ends: Ends
        func run() async throws {
            do {
                try await gracefulShutdown()
                self.ends.polite.withLock { $0 = "stopped" }
            } catch {
                self.ends.polite.withLock { $0 = "cancelled" }
            }
        }
    }

    final class Ends: Sendable {
        let stuck = Mutex<String?>(nil)
        let polite = Mutex<String?>(nil)
    }

    @Test func aServiceThatIgnoresTheStopIsCancelledAfterTheLimitAndTheOthersStopAsAsked() async throws {
        let ends = Ends()
        let group = GracefulShutdown.group(
            // A group stops its services one at a time, the last first: the polite one is asked, and stops; the stuck
            // one is asked next, does not stop, and is cancelled once the limit has passed.
            [Stuck(ends: ends), Polite(ends: ends)],
            maximum: .milliseconds(200),
            logger: Logger(label: "test")
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A stop that ran out of time may end in the cancellation (`GracefulShutdown.run` takes it as a stop).
                do { try await group.run() } catch is CancellationError {}
            }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(ends.stuck.withLock { $0 } == "cancelled")
        #expect(ends.polite.withLock { $0 } == "stopped")
    }
}
