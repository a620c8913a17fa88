import Synchronization

/// Told how long each commit took (issue 22: the `xietong_db_commit_duration_seconds` metric). The store does not
/// know the metrics library; the service that opened the database says what to do with each duration.
public final class CommitObserver: Sendable {
    private let observe = Mutex<(@Sendable (Duration) -> Void)?>(nil)

    public init() {}

    /// Calls `observe` with the duration of every later commit.
    public func onCommit(_ observe: @escaping @Sendable (Duration) -> Void) {
        self.observe.withLock { $0 = observe }
    }

    /// Times `commit` and reports its duration, whether it succeeded or not.
    func timed<T>(_ commit: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { self.report(clock.now - start) }
        return try commit()
    }

    /// Times an asynchronous `commit` (PostgreSQL's) and reports its duration when it succeeded.
    @discardableResult
    func timedAsync<T>(_ commit: () async throws -> T) async rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try await commit()
        self.report(clock.now - start)
        return value
    }

    func report(_ duration: Duration) {
        self.observe.withLock { $0 }?(duration)
    }
}
