public import Foundation
public import Logging
import ServiceLifecycle

/// The loop of the periodic services (the hub's alerts, reminders and tree heads; both sides' blob sweeps): `work`
/// every `interval` seconds until the service is cancelled or the process shuts down gracefully. A failed round is
/// logged as `failure` and the next one runs as usual.
public func periodically(every interval: TimeInterval, logger: Logger, failure: String, _ work: () async throws -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        do {
            try await work()
        } catch {
            logger.warning("\(failure)", metadata: ["xietong.error": "\(error)"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
    }
}
