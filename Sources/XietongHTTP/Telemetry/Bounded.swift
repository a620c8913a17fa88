import Synchronization

/// Work whose answer is needed within a time (issue 22): `/readyz` and `/metrics` must answer even when the database
/// does not. The work goes on in its own task when the time runs out (a query cannot be interrupted midway), and
/// `otherwise` is the answer.
enum Bounded {
    static func value<T: Sendable>(within duration: Duration, otherwise: T, _ work: @escaping @Sendable () async -> T) async -> T {
        let first = FirstAnswer<T>()
        return await withCheckedContinuation { continuation in
            first.waiting(continuation)
            Task { first.answer(await work()) }
            Task {
                try? await Task.sleep(for: duration)
                first.answer(otherwise)
            }
        }
    }
}

/// Resumes a continuation with the first answer given, once.
private final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    func waiting(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func answer(_ value: T) {
        self.continuation.withLock { continuation in
            continuation?.resume(returning: value)
            continuation = nil
        }
    }
}
