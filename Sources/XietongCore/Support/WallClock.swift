public import Foundation

/// Where a component reads the time of day from. The hub judges time limits against "today" in China time, signs
/// receipts with the instant they are given, and ages alerts and packages; every such component takes a clock, so
/// that tests set the day they reason about instead of depending on when they run (a test that passes today must
/// pass next year). Production uses `.system`.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The machine's clock.
    public static let system = WallClock { Date() }

    /// A clock that reads `instant` when it is made and then runs at the machine's pace (measured on the monotonic
    /// clock, so that moving the machine's clock does not move it): what tests use, so that events still follow each
    /// other in time while the day they are judged on is the test's.
    public static func starting(at instant: Date) -> WallClock {
        let origin = ContinuousClock.now
        return WallClock {
            let elapsed = ContinuousClock.now - origin
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return instant.addingTimeInterval(seconds)
        }
    }

    /// A clock that starts at 09:00, China time, of `day` and runs at the machine's pace.
    public static func starting(chinaDay day: CalendarDate) -> WallClock {
        .starting(at: Date(timeIntervalSince1970: TimeInterval(day.ordinal * 86400 + 1 * 3600)))
    }

    /// The current instant.
    public func now() -> Date { self.read() }

    /// The current instant as the exchange writes timestamps.
    public func timestamp() -> String { Timestamp.string(self.read()) }

    /// Today in China Standard Time: the day statutory time limits are judged on.
    public var today: CalendarDate { CalendarDate(chinaDayOf: self.read()) }
}
