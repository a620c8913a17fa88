import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongStore

/// Sends the hops this node owes the hub (stored, delivered, signed for, returned, refused), so that the sender and
/// the hub learn them. Reports are written in the same transaction as the hop and deleted only once the hub has them.
struct Reporter: Service {
    let engine: NodeEngine

    func run() async throws {
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let due = (try? await self.engine.store.dueReports()) ?? []
            if due.isEmpty {
                await self.engine.pause(NodeEngine.Signal.reports, seconds: 5)
                continue
            }
            var progressed = false
            for event in due {
                do {
                    try await self.engine.hub.report(event)
                    try await self.engine.store.reported(event)
                    progressed = true
                } catch let failure as HubClient.Failure where failure.isPermanent {
                    self.engine.logger.warning(
                        "the hub refused a report; dropping it",
                        metadata: ["xietong.package": "\(event.packageId)", "xietong.error": "\(failure)"]
                    )
                    try? await self.engine.store.reported(event)
                } catch {
                    break
                }
            }
            if progressed {
                failures = 0
            } else {
                failures += 1
                let delay = self.engine.retry.delay(afterAttempt: failures)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
            }
        }
    }
}
