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
        await periodically(every: self.interval, logger: self.logger, failure: "reminder check failed") {
            // Limits counted while the calendar lacked their year are counted again once it lists it (issue 20).
            let recounted = try await self.store.recountProvisional()
            if recounted > 0 {
                self.logger.info("counted provisional time limits again with the calendar loaded", metadata: ["xietong.limits": "\(recounted)"])
            }
            let sent = try await self.store.sendReminders(daysBefore: self.daysBefore)
            if !sent.isEmpty {
                self.logger.info("sent time-limit reminders", metadata: ["xietong.reminders": "\(sent.count)"])
            }
            // The administrator is told, when it starts, once a day and whenever the years change.
            let provisional = try await self.store.provisionalYears()
            let years = provisional.map(\.year)
            let today = self.store.clock.today
            if !years.isEmpty && (warned?.years != years || warned?.day != today) {
                self.logger.error(
                    "open time limits need a year the holiday calendar does not list: their last days are provisional. Load that year's State Council notice (the hub's 'calendar' setting; xietong calendar check FILE) 节假日安排未覆盖期限所涉年份，期满日为暂定",
                    metadata: [
                        "xietong.code": "calendar.year-missing",
                        "xietong.years": "\(years.map(String.init).joined(separator: ","))",
                        "xietong.limits": "\(provisional.map(\.limits).reduce(0, +))",
                    ]
                )
            }
            warned = years.isEmpty ? nil : (years, today)
        }
    }
}
