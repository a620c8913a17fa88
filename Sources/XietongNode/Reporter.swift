import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Sends the hops this node owes the hub (stored, delivered, signed for, returned, refused), so that the sender and
/// the hub learn them. Reports are written in the same transaction as the hop and deleted only once the hub has them.
struct Reporter: NamedService {
    let engine: NodeEngine

    func run() async throws {
        var failures = 0
        await self.engine.loop.run { _ in
            if let wait = self.engine.whileTheHubIsDown { return wait }
            let version = await self.engine.version(of: NodeEngine.Signal.reports)
            let due = (try? await self.engine.store.dueReports()) ?? []
            if due.isEmpty { return .wait(for: NodeEngine.Signal.reports, upTo: .seconds(5), since: version) }
            do {
                let outcomes = try await self.engine.hub.report(due)
                for (event, outcome) in zip(due, outcomes) where outcome != "recorded" {
                    self.engine.logger.warning(
                        "the hub refused a report; dropping it",
                        metadata: ["xietong.package": "\(event.packageId)", "xietong.outcome": "\(outcome)"]
                    )
                }
                try await self.engine.store.reported(due)
                failures = 0
                return .again
            } catch {
                self.engine.logger.debug("reporting to the hub failed; retrying", metadata: ["xietong.error": "\(error)"])
                failures += 1
                // The backoff ends early when the hub answers again (HubWatch).
                return .wait(for: HubLink.returned, upTo: .seconds(self.engine.retry.delay(afterAttempt: failures)))
            }
        }
    }
}
