import Foundation
import Logging
import XietongCore
import XietongHTTP
import XietongStore

/// Reminds both sides of a remote arraignment booking the day before (issue 26, GUI-2): each holding booking that
/// starts within `hours` is reminded once (again after it is moved), as a `reminded` change in its history and a
/// `booking` entry in both sides' feeds. Several hub instances may run it at once: the change is made under the
/// booking lock, once.
struct BookingReminders: NamedService {
    let store: HubStore
    /// The hub's organisation code, recorded as the reminder's author.
    let hub: String
    let hours: Int
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await WorkerLoop(clock: self.store.clock).every(.seconds(self.interval), logger: self.logger, failure: "booking reminder check failed") { _ in
            let reminded = try await self.store.remindBookings(hours: self.hours, by: self.hub)
            if !reminded.isEmpty {
                self.logger.info("reminded remote arraignment bookings", metadata: ["xietong.bookings": "\(reminded.count)"])
            }
        }
    }
}
