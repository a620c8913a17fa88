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
        var text = compact
        guard
            let (year, month, day) = text.withUTF8({ bytes -> (Int, Int, Int)? in
                guard bytes.count == 8, let year = Self.number(bytes, 0, 4), let month = Self.number(bytes, 4, 2), let day = Self.number(bytes, 6, 2)
                else { return nil }
                return (year, month, day)
            })
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The decimal number written by `count` ASCII digits at `offset`, or nil when one is no digit. Dates are parsed
    /// in every field of every package, so they are read from the bytes without making strings.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        var value = 0
        for index in offset..<(offset + count) {
            let digit = bytes[index] &- 0x30
            guard digit <= 9 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// Parses ISO 8601 `yyyy-MM-dd`.
    public init?(iso: String) {
        var text = iso
        guard let (year, month, day) = text.withUTF8({ Self.iso($0) }) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The year, month and day of exactly `yyyy-MM-dd`.
    static func iso(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int, Int)? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = Self.number(bytes, 0, 4), let month = Self.number(bytes, 5, 2), let day = Self.number(bytes, 8, 2)
        else { return nil }
        return (year, month, day)
    }

    /// China Standard Time's offset from UTC, in seconds: China has kept UTC+8 without daylight saving since 1992, so
    /// China days and China times are arithmetic on it (the consoles show times in it too).
    public static let chinaUTCOffset = 8 * 3600

    /// The day in China Standard Time (UTC+8) of an instant: the day a unified code is assigned.
    /// China has kept UTC+8 without daylight saving since 1992, so this is arithmetic (no calendar object per call:
    /// the hub counts days for every package).
    public init(chinaDayOf date: Date) {
        let seconds = Int((date.timeIntervalSince1970 + Double(Self.chinaUTCOffset)).rounded(.down))
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
