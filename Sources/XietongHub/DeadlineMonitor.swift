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
        var warned: (years: [Int], day: CalendarDate)?
        var recounted = false
        await WorkerLoop(clock: self.store.clock).every(.seconds(self.interval), logger: self.logger, failure: "reminder check failed") { _ in
            // Limits counted while the calendar lacked their year are counted again once it lists it (issue 20). The
            // calendar changes only when the hub starts, so once per start, after the first check that succeeds.
            if !recounted {
                let count = try await self.store.recountProvisional()
                if count > 0 {
                    self.logger.info("counted provisional time limits again with the calendar loaded", metadata: ["xietong.limits": "\(count)"])
                }
                recounted = true
            }
            let sent = try await self.store.sendReminders(daysBefore: self.daysBefore)
            if !sent.isEmpty {
                self.logger.info("sent time-limit reminders", metadata: ["xietong.reminders": "\(sent.count)"])
            }
            // The administrator is told, when it starts, once a day and whenever the years change.
            let provisional = try await self.store.provisionalYears()
            let years = provisional.map(\.year)
            let today = self.store.clock.today
            if let notice = LegalCalendar.missingYearsNotice(provisional), warned?.years != years || warned?.day != today {
                self.logger.error(
                    "\(notice.en) \(notice.zh)",
                    metadata: ["xietong.code": "calendar.year-missing", "xietong.years": "\(years.map(String.init).joined(separator: ","))"]
                )
            }
            warned = years.isEmpty ? nil : (years, today)
        }
    }
}
