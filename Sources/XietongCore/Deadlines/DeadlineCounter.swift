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

    public init(startsOn: CalendarDate, dueOn: CalendarDate, dueAt: String? = nil, movedFrom: CalendarDate? = nil, custody: Bool, limit: TimeLimit) {
        self.startsOn = startsOn
        self.dueOn = dueOn
        self.dueAt = dueAt
        self.movedFrom = movedFrom
        self.custody = custody
        self.limit = limit
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
///   (CPL 第105条第2款);
/// - `immediately` is due on the day of receipt.
public struct DeadlineCounter: Sendable {
    public let calendar: LegalCalendar

    public init(calendar: LegalCalendar) {
        self.calendar = calendar
    }

    public func count(_ limit: TimeLimit, from receipt: Date, custody: Bool = false) -> Deadline {
        let start = CalendarDate(chinaDayOf: receipt)
        switch limit.unit {
        case .immediately:
            return Deadline(startsOn: start, dueOn: start, custody: custody, limit: limit)
        case .hours:
            let seconds = receipt.timeIntervalSince1970
            let nextHour = (seconds / 3600).rounded(.down) * 3600 + 3600
            let due = Date(timeIntervalSince1970: nextHour + Double(limit.value) * 3600)
            return Deadline(startsOn: start, dueOn: CalendarDate(chinaDayOf: due), dueAt: Timestamp.string(due), custody: custody, limit: limit)
        case .workingDays:
            var day = start
            var counted = 0
            while counted < limit.value {
                day = day.adding(days: 1)
                if self.calendar.isWorkingDay(day) { counted += 1 }
            }
            return Deadline(startsOn: start, dueOn: day, custody: custody, limit: limit)
        case .days, .months:
            let plain = limit.unit == .days ? start.adding(days: limit.value) : start.adding(months: limit.value)
            guard !custody else { return Deadline(startsOn: start, dueOn: plain, custody: true, limit: limit) }
            let moved = self.calendar.firstWorkingDay(onOrAfter: plain)
            return Deadline(startsOn: start, dueOn: moved, movedFrom: moved == plain ? nil : plain, custody: false, limit: limit)
        }
    }

    /// Whether a package's persons are in custody on `day` for the purpose of CPL 第105条: a criminal detention or an
    /// arrest that has started and not ended.
    public static func inCustody(_ package: CasePackage, on day: CalendarDate) -> Bool {
        package.body.coerciveMeasures.contains { measure in
            guard ["criminalDetention", "arrest"].contains(measure.kind), let start = CalendarDate(iso: measure.startDate), start <= day else {
                return false
            }
            return measure.endDate.flatMap { CalendarDate(iso: $0) }.map { $0 >= day } ?? true
        }
    }
}
