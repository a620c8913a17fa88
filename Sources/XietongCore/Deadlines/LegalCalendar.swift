public import Foundation

/// Which days are working days: weekends and the State Council's public holidays are not, except the weekend days
/// it declares working days (调休). Counting a statutory time limit needs it (CPL 第105条: a limit whose last day is a
/// holiday ends on the first day after it).
///
/// A calendar is data (`xietong.holidays/1`), one entry per year, so an IT centre adds next year's notice without a
/// release; years it does not list count weekends only, and `covers` tells callers so.
public struct LegalCalendar: Sendable, Hashable, Codable {
    public struct Year: Sendable, Hashable, Codable {
        public var year: Int
        public var holidays: [CalendarDate]
        public var workingWeekends: [CalendarDate]

        public init(year: Int, holidays: [CalendarDate], workingWeekends: [CalendarDate] = []) {
            self.year = year
            self.holidays = holidays
            self.workingWeekends = workingWeekends
        }
    }

    public var format: String
    public var source: String
    /// False until the figures are checked against the official notices.
    public var verified: Bool
    public var years: [Year]
    private var holidaySet: Set<CalendarDate> { Set(self.years.flatMap(\.holidays)) }

    public init(source: String, verified: Bool = true, years: [Year]) {
        self.format = "xietong.holidays/1"
        self.source = source
        self.verified = verified
        self.years = years
    }

    enum CodingKeys: String, CodingKey {
        case format, source, verified, years
    }

    /// The calendar shipped with Xietong (mainland China, 2025–2026).
    public static func bundled() throws(ConfigurationError) -> LegalCalendar {
        try Self.decode(BundledData.read("calendar/holidays-cn.json"), file: "calendar/holidays-cn.json")
    }

    /// Reads a calendar file; a bad entry is a configuration error naming it.
    public static func load(_ url: URL) throws(ConfigurationError) -> LegalCalendar {
        try Self.decode(DataFileDecoder.read(url), file: url.path)
    }

    static func decode(_ data: Data, file: String) throws(ConfigurationError) -> LegalCalendar {
        let calendar = try DataFileDecoder.decode(LegalCalendar.self, from: data, file: file)
        guard calendar.format == "xietong.holidays/1" else {
            throw ConfigurationError(
                .format,
                file: file,
                path: "format",
                zh: "文件格式应为“xietong.holidays/1”",
                en: "the format must be 'xietong.holidays/1'"
            )
        }
        var seen: Set<Int> = []
        for (index, year) in calendar.years.enumerated() {
            guard seen.insert(year.year).inserted else {
                throw ConfigurationError(
                    .duplicate,
                    file: file,
                    path: "years[\(index)].year",
                    zh: "年份重复：\(year.year)",
                    en: "the year \(year.year) is listed twice"
                )
            }
            for (field, days) in [("holidays", year.holidays), ("workingWeekends", year.workingWeekends)] {
                if let wrong = days.firstIndex(where: { $0.year != year.year }) {
                    throw ConfigurationError(
                        .invalidValue,
                        file: file,
                        path: "years[\(index)].\(field)[\(wrong)]",
                        zh: "日期 \(days[wrong]) 不在 \(year.year) 年",
                        en: "the date \(days[wrong]) is not in \(year.year)"
                    )
                }
            }
            if let wrong = year.workingWeekends.firstIndex(where: { !$0.isWeekend }) {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "years[\(index)].workingWeekends[\(wrong)]",
                    zh: "调休上班日 \(year.workingWeekends[wrong]) 不是周末",
                    en: "the working weekend day \(year.workingWeekends[wrong]) is not a Saturday or Sunday"
                )
            }
        }
        return calendar
    }

    /// What is wrong with the calendar beyond its shape (`xietong calendar check`): a day listed both as a holiday and
    /// a working day, and a year missing a holiday on the fixed days of 全国年节及纪念日放假办法 第2条 (元旦 1月1日,
    /// 劳动节 5月1日、2日, 国庆节 10月1日、2日、3日). Lunar holidays are the notice's to give and are not checked.
    public func problems(file: String) -> [ConfigurationError] {
        var problems: [ConfigurationError] = []
        for (index, year) in self.years.enumerated() {
            let holidays = Set(year.holidays)
            if let both = year.workingWeekends.first(where: { holidays.contains($0) }) {
                problems.append(
                    ConfigurationError(
                        .invalidValue,
                        file: file,
                        path: "years[\(index)].workingWeekends",
                        zh: "\(both) 同时列为节假日和调休上班日",
                        en: "\(both) is listed both as a holiday and as a working day"
                    )
                )
            }
            let fixed = [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)].compactMap { CalendarDate(year: year.year, month: $0.0, day: $0.1) }
            let missing = fixed.filter { !holidays.contains($0) }
            if !missing.isEmpty {
                let days = missing.map(\.iso).joined(separator: ", ")
                problems.append(
                    ConfigurationError(
                        .missingField,
                        file: file,
                        path: "years[\(index)].holidays",
                        zh: "\(year.year) 年缺少法定节假日 \(days)（全国年节及纪念日放假办法第2条）",
                        en: "\(year.year) lacks the statutory holidays \(days) (全国年节及纪念日放假办法 art. 2)"
                    )
                )
            }
        }
        return problems
    }

    /// This calendar with the years of `other` added; a year both list is `other`'s. Verified only if both are.
    public func merging(_ other: LegalCalendar) -> LegalCalendar {
        let replaced = Set(other.years.map(\.year))
        let years = (self.years.filter { !replaced.contains($0.year) } + other.years).sorted { $0.year < $1.year }
        return LegalCalendar(source: [self.source, other.source].joined(separator: "；"), verified: self.verified && other.verified, years: years)
    }

    /// What the administrator is told when open limits need years the calendar does not list (issue 20): nil when
    /// none do. `missing` is each year with the number of limits that need it.
    public static func missingYearsNotice(_ missing: [(year: Int, limits: Int)]) -> LocalizedText? {
        guard !missing.isEmpty else { return nil }
        let years = missing.map { String($0.year) }
        let count = missing.map(\.limits).reduce(0, +)
        return LocalizedText(
            zh: "节假日安排未载入 \(years.joined(separator: "、")) 年：\(count) 项期限的届满日为暂定。请载入国务院办公厅的节假日安排通知（中心平台配置项 calendar，xietong calendar check 检查）。",
            en:
                "No holiday calendar for \(years.joined(separator: ", ")) is loaded: the last days of \(count) limits are provisional. Load the State Council's notice (the hub's 'calendar' setting; check it with xietong calendar check)."
        )
    }

    /// Whether the calendar lists the year (otherwise only weekends count as days off).
    public func covers(_ year: Int) -> Bool { self.years.contains { $0.year == year } }

    public func isWorkingDay(_ date: CalendarDate) -> Bool {
        guard let year = self.years.first(where: { $0.year == date.year }) else { return !date.isWeekend }
        if year.holidays.contains(date) { return false }
        if year.workingWeekends.contains(date) { return true }
        return !date.isWeekend
    }

    /// The day itself when it is a working day, otherwise the first working day after it.
    public func firstWorkingDay(onOrAfter date: CalendarDate) -> CalendarDate {
        var day = date
        while !self.isWorkingDay(day) { day = day.adding(days: 1) }
        return day
    }
}

extension CalendarDate {
    /// Days since 1970-01-01 (a Thursday).
    public var ordinal: Int {
        // Days from civil (Howard Hinnant's algorithm).
        let y = self.month <= 2 ? self.year - 1 : self.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = self.month
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + self.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(ordinal: Int) {
        let z = ordinal + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self = CalendarDate(year: year, month: month, day: day)!
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(ordinal: self.ordinal + days) }

    /// ISO weekday: 1 Monday … 7 Sunday.
    public var weekday: Int { ((self.ordinal % 7) + 7 + 3) % 7 + 1 }

    public var isWeekend: Bool { self.weekday >= 6 }

    public var isLastDayOfMonth: Bool { self.day == CalendarDate.daysIn(month: self.month, year: self.year) }

    /// The same day `months` months later; the last day of that month when it has no such day, or when this is the
    /// last day of its month.
    public func adding(months: Int) -> CalendarDate {
        let index = self.year * 12 + (self.month - 1) + months
        let year = index / 12
        let month = index % 12 + 1
        let last = CalendarDate.daysIn(month: month, year: year)
        return CalendarDate(year: year, month: month, day: self.isLastDayOfMonth ? last : min(self.day, last))!
    }
}
