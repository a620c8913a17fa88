import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Raises an alert at the sender for packages the hub has not confirmed in time (GZ-5). The hub alerts for packages
/// it holds; this covers the hop before it, when the hub is unreachable, which the hub cannot see.
struct OutboxMonitor: NamedService {
    let engine: NodeEngine

    func run() async throws {
        let interval = min(10, max(0.2, self.engine.configuration.alertAfterSeconds / 5))
        await self.engine.loop.every(.seconds(interval), logger: self.engine.logger, failure: "outbox alert check failed") { now in
            let cutoff = Timestamp.string(now.addingTimeInterval(-self.engine.configuration.alertAfterSeconds))
            let alerts = try await self.engine.store.alertOverdueOutbox(acceptedBefore: cutoff)
            for event in alerts {
                self.engine.logger.warning(
                    "package overdue at the sender: the hub has not confirmed it",
                    metadata: ["xietong.package": "\(event.packageId)"]
                )
            }
            await self.engine.announce(NodeStore.Recorded(events: alerts))
        }
    }
}
