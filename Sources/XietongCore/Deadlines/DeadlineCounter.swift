public import Foundation

/// A time limit counted for one message: the day it started (not counted) and the last day to act.
public struct Deadline: Sendable, Hashable, Codable {
    /// The day of receipt (China Standard Time); the count starts the day after.
    public var startsOn: CalendarDate
    /// The last day on which the act is in time.
    public var dueOn: CalendarDate
    /// For limits in hours: the instant by which to act (UTC, ISO 8601).
    public var dueAt: String?
    /// The day the plain count gave, when the last day was moved past holidays.
    public var movedFrom: CalendarDate?
    /// True when the suspect, defendant or offender is in custody: then the limit is not extended for holidays.
    public var custody: Bool
    public var limit: TimeLimit
    /// The years the count needed the holiday calendar for and the calendar does not list (issue 20): weekends only
    /// were taken as days off there, so the last day may move once that year's State Council notice is loaded.
    /// Empty when the count is final.
    public var uncoveredYears: [Int]
    /// Whether the last day is provisional (see `uncoveredYears`).
    public var provisional: Bool { !self.uncoveredYears.isEmpty }

    /// Whether a limit met at `metAt` (a stored timestamp) was met after its last day `dueOn`, in China time.
    public static func metLate(at metAt: String?, dueOn: String) -> Bool {
        guard let at = metAt.flatMap(Timestamp.date), let due = CalendarDate(iso: dueOn) else { return false }
        return CalendarDate(chinaDayOf: at) > due
    }

    public init(
        startsOn: CalendarDate,
        dueOn: CalendarDate,
        dueAt: String? = nil,
        movedFrom: CalendarDate? = nil,
        custody: Bool,
        limit: TimeLimit,
        uncoveredYears: [Int] = []
    ) {
        self.startsOn = startsOn
        self.dueOn = dueOn
        self.dueAt = dueAt
        self.movedFrom = movedFrom
        self.custody = custody
        self.limit = limit
        self.uncoveredYears = uncoveredYears
    }
}

/// Counts statutory time limits as the law counts them (CPL 第105条; the 2021 SPC interpretation of the CPL for
/// months):
///
/// - the day (or hour) on which the period starts is not counted: `n days` from a receipt on the 20th end on the
///   20th + n;
/// - months run from a day to the same day of the later month; from the last day of a month to the last day of the
///   later month; to the last day of the later month when it has no such day;
/// - hours run from the next full hour;
/// - working days skip weekends and public holidays, and count the State Council's working weekends;
/// - a last day that is a holiday (a public holiday or a weekend that is not a working day) moves to the first
///   working day after it — except while the person is in custody, when the period ends on its last day regardless
///   (CPL 第105条第4款);
/// - `immediately` is due on the day of receipt.
///
/// A count that needs the holiday calendar for a year it does not list is provisional (`Deadline.uncoveredYears`):
/// it is never silently taken as final (issue 20).
public struct DeadlineCounter: Sendable {
    public let calendar: LegalCalendar

    public init(calendar: LegalCalendar) {
        self.calendar = calendar
    }

    public func count(_ limit: TimeLimit, from receipt: Date, custody: Bool = false) -> Deadline {
        if limit.unit == .hours {
            let start = CalendarDate(chinaDayOf: receipt)
            let seconds = receipt.timeIntervalSince1970
            let nextHour = (seconds / 3600).rounded(.down) * 3600 + 3600
            let due = Date(timeIntervalSince1970: nextHour + Double(limit.value) * 3600)
            return Deadline(startsOn: start, dueOn: CalendarDate(chinaDayOf: due), dueAt: Timestamp.string(due), custody: custody, limit: limit)
        }
        return self.count(limit, startingOn: CalendarDate(chinaDayOf: receipt), custody: custody)
    }

    /// Counts a limit in days, working days or months (or `immediately`) from the day it started: the day of
    /// receipt, not counted. Used again when the person's custody changes while the limit runs (issue 20).
    public func count(_ limit: TimeLimit, startingOn start: CalendarDate, custody: Bool) -> Deadline {
        switch limit.unit {
        case .immediately, .hours:
            return Deadline(startsOn: start, dueOn: start, custody: custody, limit: limit)
        case .workingDays:
            var day = start
            var counted = 0
            while counted < limit.value {
                day = day.adding(days: 1)
                if self.calendar.isWorkingDay(day) { counted += 1 }
            }
            return Deadline(startsOn: start, dueOn: day, custody: custody, limit: limit, uncoveredYears: self.uncovered(start.adding(days: 1), day))
        case .days, .months:
            let plain = limit.unit == .days ? start.adding(days: limit.value) : start.adding(months: limit.value)
            // In custody the last day stands whatever it is: the calendar is not consulted (CPL 第105条第4款).
            guard !custody else { return Deadline(startsOn: start, dueOn: plain, custody: true, limit: limit) }
            let moved = self.calendar.firstWorkingDay(onOrAfter: plain)
            return Deadline(
                startsOn: start,
                dueOn: moved,
                movedFrom: moved == plain ? nil : plain,
                custody: false,
                limit: limit,
                uncoveredYears: self.uncovered(plain, moved)
            )
        }
    }

    /// The years from `first` to `last` that the calendar does not list.
    func uncovered(_ first: CalendarDate, _ last: CalendarDate) -> [Int] {
        guard first <= last else { return [] }
        return (first.year...last.year).filter { !self.calendar.covers($0) }
    }
}
