import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Pushes time-limit reminders to the agencies that must act (GS-3): at the configured days before the last day, on
/// it, and the day after an open duty's last day. Each reminder goes once into the responsible organisation's feed
/// (its node shows it on the WebSocket and at `/api/v1/reminders`); supervisors see them on the deadline board.
/// Several hub instances may run it at once: the database records each reminder once.
struct DeadlineMonitor: NamedService {
    let store: HubStore
    let daysBefore: [Int]
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await periodically(every: self.interval, logger: self.logger, failure: "reminder check failed") {
            let sent = try await self.store.sendReminders(daysBefore: self.daysBefore)
            if !sent.isEmpty {
                self.logger.info("sent time-limit reminders", metadata: ["xietong.reminders": "\(sent.count)"])
            }
        }
    }
}
