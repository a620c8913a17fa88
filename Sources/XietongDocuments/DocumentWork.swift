import Foundation

/// Where the document tools run (issue 26): their processes are waited for on a thread of Dispatch's, not on one of
/// the few threads Swift's concurrency shares among every request, so that a slow page or seal check holds its own
/// request only.
public enum DocumentWork {
    static let queue = DispatchQueue(label: "xietong.documents", attributes: .concurrent)

    /// Runs `body` (which may run tools and wait for them) off the concurrency pool, and returns what it returns.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            self.queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
