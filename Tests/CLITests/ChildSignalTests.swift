import Foundation
import Synchronization
import Testing
import XietongLocal
import XietongTesting

/// A child process starts with no signal blocked or ignored, whatever the spawning thread blocks (issue 25: pgbench,
/// started by `bench compare`, never saw the alarm that ends its run nor the SIGTERM that stops it).
@Suite struct ChildSignalTests {
    @Test(.timeLimit(.minutes(4))) func aChildStopsOnSIGTERMEvenWhenTheSpawningThreadBlocksIt() async throws {
        let child = try Self.spawnWithBlocked([SIGTERM, SIGALRM, SIGINT]) { try ChildProcess.spawn("/bin/sleep", ["30"]) }
        child.signal(SIGTERM)
        #expect(child.wait() == 128 + SIGTERM)
    }

    /// A shell's `kill -ALRM $$` ends the shell when the alarm is at its default, as a timer-driven tool expects.
    @Test(.timeLimit(.minutes(4))) func anAlarmReachesTheChildAtItsDefault() async throws {
        let result = try Self.spawnWithBlocked([SIGALRM]) {
            try ChildProcess.run("/bin/sh", ["-c", "kill -ALRM $$; sleep 5; echo survived"])
        }
        #expect(result.status == 128 + SIGALRM && !result.output.contains("survived"))
    }

    /// Runs `body` on a thread of its own that blocks `signals` while it spawns.
    static func spawnWithBlocked<T: Sendable>(_ signals: [Int32], _ body: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let thread = Thread {
            var blocked = sigset_t()
            sigemptyset(&blocked)
            for signal in signals { sigaddset(&blocked, signal) }
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            outcome.withLock { $0 = Result { try body() } }
        }
        thread.start()
        while outcome.withLock({ $0 == nil }) { Thread.sleep(forTimeInterval: 0.01) }
        return try outcome.withLock { $0! }.get()
    }
}
