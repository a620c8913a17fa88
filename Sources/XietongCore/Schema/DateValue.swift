public import Foundation

/// Parsing of XSD `date` and `dateTime` lexical forms.
enum DateValue {
    /// `yyyy-MM-dd`, optionally followed by a time-zone designator.
    static func date(_ text: String) -> CalendarDate? {
        guard text.count >= 10 else { return nil }
        let day = String(text.prefix(10))
        let zone = String(text.dropFirst(10))
        guard zone.isEmpty || self.isZone(zone) else { return nil }
        return CalendarDate(iso: day)
    }

    /// `yyyy-MM-ddTHH:mm:ss(.fff)?(Z|±hh:mm)?`: the day, and seconds since midnight, and the zone offset in seconds.
    static func dateTime(_ text: String) -> (date: CalendarDate, seconds: Int, offset: Int?)? {
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let date = CalendarDate(iso: String(parts[0])) else { return nil }
        var time = Substring(parts[1])
        var offset: Int?
        if time.hasSuffix("Z") {
            offset = 0
            time = time.dropLast()
        } else if time.count > 6, let sign = time.dropLast(5).last, sign == "+" || sign == "-" {
            let zone = String(time.suffix(6))
            guard self.isZone(zone), let hours = Int(zone.dropFirst().prefix(2)), let minutes = Int(zone.suffix(2)) else { return nil }
            offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            time = time.dropLast(6)
        }
        let clock = time.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if clock.count == 2 && (clock[1].isEmpty || !clock[1].allSatisfy(\.isASCIIDigit)) { return nil }
        let fields = clock[0].split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 3, fields.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
            let hour = Int(fields[0]), let minute = Int(fields[1]), let second = Int(fields[2]),
            hour < 24, minute < 60, second < 60
        else { return nil }
        return (date, hour * 3600 + minute * 60 + second, offset)
    }

    private static func isZone(_ zone: String) -> Bool {
        if zone == "Z" { return true }
        let characters = Array(zone)
        guard characters.count == 6, characters[0] == "+" || characters[0] == "-", characters[3] == ":" else { return false }
        guard let hours = Int(String(characters[1...2])), let minutes = Int(String(characters[4...5])) else { return false }
        return hours <= 14 && minutes < 60
    }

    /// The instant of a parsed date-time; without a zone it is China time (UTC+8).
    static func instant(_ value: (date: CalendarDate, seconds: Int, offset: Int?)) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: value.offset ?? 8 * 3600)!
        let day = calendar.date(from: DateComponents(year: value.date.year, month: value.date.month, day: value.date.day))!
        return day.addingTimeInterval(TimeInterval(value.seconds))
    }
}

extension CasePackage.Envelope {
    /// `CreatedAt` as an instant, or nil when it is not a date-time.
    public var createdInstant: Date? { DateValue.dateTime(self.createdAt).map(DateValue.instant) }
}
