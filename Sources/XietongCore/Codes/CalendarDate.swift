public import Foundation

/// A calendar day with no time zone: the day of a unified code, a birth date, a filing date.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `yyyyMMdd`.
    public init?(compact: String) {
        guard compact.count == 8, compact.allSatisfy(\.isASCIIDigit),
            let year = Int(compact.prefix(4)), let month = Int(compact.dropFirst(4).prefix(2)), let day = Int(compact.suffix(2))
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Parses ISO 8601 `yyyy-MM-dd`.
    public init?(iso: String) {
        let parts = iso.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The day in China Standard Time (UTC+8) of an instant: the day a unified code is assigned.
    /// China has kept UTC+8 without daylight saving since 1992, so this is arithmetic (no calendar object per call:
    /// the hub counts days for every package).
    public init(chinaDayOf date: Date) {
        let seconds = Int((date.timeIntervalSince1970 + 8 * 3600).rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        self.init(ordinal: days)
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    public var compact: String { Self.pad(self.year, 4) + Self.pad(self.month, 2) + Self.pad(self.day, 2) }
    public var iso: String { "\(Self.pad(self.year, 4))-\(Self.pad(self.month, 2))-\(Self.pad(self.day, 2))" }
    public var description: String { self.iso }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CalendarDate(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date (yyyy-MM-dd)")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.iso)
    }
}
