import Foundation

/// Where the document tools run (issue 26): their processes are waited for on a thread of Dispatch's, not on one of
/// the few threads Swift's concurrency shares among every request, so that a slow page or seal check holds its own
/// request only; and at most `width` at once (one per core), so that many readers asking for pages at once queue
/// for the tools rather than start hundreds of them.
public enum DocumentWork {
    static let queue = DispatchQueue(label: "xietong.documents", attributes: .concurrent)
    /// How many runs may wait for tools at once.
    public static let width = max(2, ProcessInfo.processInfo.activeProcessorCount)
    static let gate = Gate(width: Self.width)

    /// Runs `body` (which may run tools and wait for them) off the concurrency pool, once one of the `width` places
    /// is free, and returns what it returns.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        await self.gate.enter()
        let result = await withCheckedContinuation { continuation in
            self.queue.async { continuation.resume(returning: Result { try body() }) }
        }
        await self.gate.leave()
        return try result.get()
    }

    /// A counting gate: `enter` waits while `width` runs are inside, first come first served.
    actor Gate {
        private var free: Int
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(width: Int) { self.free = width }

        func enter() async {
            if self.free > 0 {
                self.free -= 1
                return
            }
            await withCheckedContinuation { self.waiting.append($0) }
        }

        func leave() {
            if self.waiting.isEmpty {
                self.free += 1
            } else {
                self.waiting.removeFirst().resume()
            }
        }
    }
}
