public import Foundation

/// Parsing of XSD `date` and `dateTime` lexical forms.
enum DateValue {
    /// `yyyy-MM-dd`, optionally followed by a time-zone designator.
    static func date(_ text: String) -> CalendarDate? {
        var text = text
        guard
            let (year, month, day) = text.withUTF8({ bytes -> (Int, Int, Int)? in
                guard bytes.count >= 10, let day = CalendarDate.iso(UnsafeBufferPointer(rebasing: bytes[0..<10])) else { return nil }
                guard bytes.count == 10 || self.zone(UnsafeBufferPointer(rebasing: bytes[10...])) != nil else { return nil }
                return day
            })
        else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    /// `yyyy-MM-ddTHH:mm:ss(.fff)?(Z|±hh:mm)?`: the day, and seconds since midnight, and the zone offset in seconds.
    /// Parsed from the bytes: every date-time field of every package comes through here.
    static func dateTime(_ text: String) -> (date: CalendarDate, seconds: Int, offset: Int?)? {
        var text = text
        return text.withUTF8 { bytes -> (date: CalendarDate, seconds: Int, offset: Int?)? in
            guard let separator = bytes.firstIndex(of: UInt8(ascii: "T")),
                let (year, month, day) = CalendarDate.iso(UnsafeBufferPointer(rebasing: bytes[0..<separator])),
                let date = CalendarDate(year: year, month: month, day: day)
            else { return nil }
            var end = bytes.count
            var offset: Int?
            let timeStart = separator + 1
            if end > timeStart, bytes[end - 1] == UInt8(ascii: "Z") {
                offset = 0
                end -= 1
            } else if end - timeStart > 6, bytes[end - 6] == UInt8(ascii: "+") || bytes[end - 6] == UInt8(ascii: "-") {
                guard let zone = self.zone(UnsafeBufferPointer(rebasing: bytes[(end - 6)..<end])) else { return nil }
                offset = zone
                end -= 6
            }
            // hh:mm:ss, then an optional fraction of digits.
            guard end - timeStart >= 8, bytes[timeStart + 2] == UInt8(ascii: ":"), bytes[timeStart + 5] == UInt8(ascii: ":"),
                let hour = CalendarDate.number(bytes, timeStart, 2), let minute = CalendarDate.number(bytes, timeStart + 3, 2),
                let second = CalendarDate.number(bytes, timeStart + 6, 2), hour < 24, minute < 60, second < 60
            else { return nil }
            let fraction = timeStart + 8
            if end > fraction {
                guard bytes[fraction] == UInt8(ascii: "."), end > fraction + 1, bytes[(fraction + 1)..<end].allSatisfy({ $0 &- 0x30 <= 9 })
                else { return nil }
            }
            return (date, hour * 3600 + minute * 60 + second, offset)
        }
    }

    /// The offset in seconds of `Z` or `±hh:mm` (hours up to 14), or nil when the bytes are neither.
    private static func zone(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.count == 1 && bytes[0] == UInt8(ascii: "Z") { return 0 }
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
            let hours = CalendarDate.number(bytes, 1, 2), let minutes = CalendarDate.number(bytes, 4, 2), hours <= 14, minutes < 60
        else { return nil }
        return (bytes[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    /// The day in China (UTC+8) of a parsed date-time: the calendar the package's dates are written in. A creation
    /// time written in UTC between 16:00 and 24:00 falls on the next China day.
    static func chinaDay(_ value: (date: CalendarDate, seconds: Int, offset: Int?)) -> CalendarDate {
        CalendarDate(chinaDayOf: Self.instant(value))
    }

    /// The instant of a parsed date-time; without a zone it is China time (UTC+8). Arithmetic: a fixed offset needs
    /// no calendar.
    static func instant(_ value: (date: CalendarDate, seconds: Int, offset: Int?)) -> Date {
        Date(timeIntervalSince1970: TimeInterval(value.date.ordinal * 86400 + value.seconds - (value.offset ?? 8 * 3600)))
    }
}

extension CasePackage.Envelope {
    /// `CreatedAt` as an instant, or nil when it is not a date-time.
    public var createdInstant: Date? { DateValue.dateTime(self.createdAt).map(DateValue.instant) }
}
