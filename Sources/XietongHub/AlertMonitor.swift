import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Raises an alert for every package not delivered within the configured time (GZ-5: "sent but not received after
/// 2.5 hours" found by phone calls). The alert names the hop where the package is stuck and goes to the sender, the
/// receiver (through their feeds) and the administrator (`/v1/admin/alerts`).
struct AlertMonitor: NamedService {
    let store: HubStore
    let alertAfter: TimeInterval
    let metrics: ServiceMetrics
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await WorkerLoop(clock: self.store.clock).every(.seconds(self.interval), logger: self.logger, failure: "alert check failed") { now in
            try await self.check(now: now)
        }
    }

    func check(now: Date) async throws {
        let cutoff = Timestamp.string(now.addingTimeInterval(-self.alertAfter))
        for package in try await self.store.overdue(receivedBefore: cutoff) {
            let events = try await self.store.events(of: package.packageId)
            let last = Hop.allCases.last { hop in hop.next != nil && events.contains { $0.hop == hop } } ?? .forwarded
            let stuckAt = last.next ?? .delivered
            let detail = "stuck after \(last.rawValue), waiting for \(stuckAt.rawValue) / 停留在“\(last.name.zh)”之后，等待“\(stuckAt.name.zh)”"
            try await self.store.raiseAlert(
                packageId: package.packageId,
                sender: package.sender,
                receiver: package.receiver,
                stuckAfter: last,
                detail: detail
            )
            self.metrics.count(.packages, [("hop", "alert"), ("outcome", "alerted"), ("code", stuckAt.rawValue)])
            self.logger.warning(
                "package overdue",
                metadata: [
                    "xietong.package": "\(package.packageId)", "xietong.stuck_after": "\(last.rawValue)", "xietong.receiver": "\(package.receiver)",
                ]
            )
        }
    }
}
