public import Foundation
public import Logging
import ServiceLifecycle
public import XietongCore

/// The one loop every background worker of the hub and the nodes runs (issue 21, item 5): rounds until the task is
/// cancelled or the process shuts down gracefully, each round told the time by the injected clock (the clock the
/// time-limit tests set) and saying what comes next. Waiting is shutdown-aware, so a stopping service never sleeps
/// out its interval.
public struct WorkerLoop: Sendable {
    /// What a worker does after a round.
    public enum Next: Sendable, Equatable {
        /// The next round at once.
        case again
        /// The next round after this long.
        case sleep(Duration)
        /// The next round once `signal` changes after `since` (its version when the wait begins, if nil), or after
        /// `upTo` at the latest.
        case wait(for: String, upTo: Duration, since: Int? = nil)
        /// No more rounds.
        case stop
    }

    public let clock: WallClock
    /// What `.wait` listens on; without one, a wait is a sleep.
    public let notifier: ChangeNotifier?

    public init(clock: WallClock = .system, notifier: ChangeNotifier? = nil) {
        self.clock = clock
        self.notifier = notifier
    }

    /// Runs `round` until the task is cancelled, the process shuts down gracefully or a round says `.stop`.
    public func run(_ round: (_ now: Date) async -> Next) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let next = await round(self.clock.now())
            guard await self.follow(next) else { return }
        }
    }

    /// `work` every `interval`: a round that fails is logged as `failure` and the next one runs as usual (the hub's
    /// alerts, reminders and tree heads; both sides' blob sweeps).
    public func every(_ interval: Duration, logger: Logger, failure: String, _ work: (_ now: Date) async throws -> Void) async {
        await self.run { now in
            do {
                try await work(now)
            } catch {
                logger.warning("\(failure)", metadata: ["xietong.error": "\(error)"])
            }
            return .sleep(interval)
        }
    }

    /// Waits as `next` says; false when the loop ends.
    func follow(_ next: Next) async -> Bool {
        switch next {
        case .again:
            return true
        case .stop:
            return false
        case .sleep(let duration):
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
            return true
        case .wait(let signal, let timeout, let since):
            guard let notifier = self.notifier else { return await self.follow(.sleep(timeout)) }
            let version: Int
            if let since { version = since } else { version = await notifier.version(of: signal) }
            await cancelWhenGracefulShutdown {
                await notifier.wait(for: signal, since: version, timeout: max(timeout, .milliseconds(1)))
            }
            return true
        }
    }
}
