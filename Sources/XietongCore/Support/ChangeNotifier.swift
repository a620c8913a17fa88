import Foundation

/// Wakes waiters when something keyed by a name changes: the hub wakes long-polling nodes when their feed grows,
/// a node wakes its forwarder, puller and pusher when work arrives. A waiter passes the version it saw before
/// reading the store, so a change made in between is never missed.
public actor ChangeNotifier {
    private var versions: [String: Int] = [:]
    private var waiters: [String: [UUID: CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    public func version(of organisation: String) -> Int { self.versions[organisation, default: 0] }

    public func notify(_ organisation: String) {
        self.versions[organisation, default: 0] += 1
        for continuation in self.waiters.removeValue(forKey: organisation)?.values ?? [:].values {
            continuation.resume()
        }
    }

    /// Wakes every waiter (after a lost notification connection, anything may have changed).
    public func notifyAll() {
        for organisation in Array(self.waiters.keys) + Array(self.versions.keys) { self.notify(organisation) }
    }

    /// Returns when the organisation's feed changes after `version`, or after `timeout`.
    public func wait(for organisation: String, since version: Int, timeout: Duration) async {
        guard self.versions[organisation, default: 0] == version else { return }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resume(organisation, id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                self.waiters[organisation, default: [:]][id] = continuation
            }
        } onCancel: {
            Task { await self.resume(organisation, id) }
        }
        timer.cancel()
    }

    private func resume(_ organisation: String, _ id: UUID) {
        self.waiters[organisation]?.removeValue(forKey: id)?.resume()
    }
}
