import Foundation
import Logging
import ServiceLifecycle

/// The loop of the hub's periodic services (alerts, reminders, tree heads): `work` every `interval` seconds until the
/// service is cancelled or the hub shuts down gracefully. A failed round is logged as `failure` and the next one
/// runs as usual.
func periodically(every interval: TimeInterval, logger: Logger, failure: String, _ work: () async throws -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        do {
            try await work()
        } catch {
            logger.warning("\(failure)", metadata: ["xietong.error": "\(error)"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
    }
}
