public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Timestamps for the exchange: UTC, ISO 8601, microseconds, fixed width, so that they sort as text.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(floor(seconds))
        var micros = Int(((seconds - floor(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            micros -= 1_000_000
            whole += 1
        }
        var parts = tm()
        gmtime_r(&whole, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let day = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
        return "\(day)T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(micros, 6))Z"
    }

    public static func now() -> String { self.string(Date()) }

    /// Parses what `string(_:)` writes.
    public static func date(_ text: String) -> Date? {
        if let fast = Self.fastDate(text) { return fast }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text.count == 27 ? String(text.prefix(23)) + "Z" : text) {
            let micros = text.count == 27 ? (Double(text.dropFirst(23).prefix(3)) ?? 0) / 1_000_000 : 0
            return date.addingTimeInterval(micros)
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// `yyyy-MM-ddTHH:mm:ss[.f…]Z`, the form `string` writes, read without a formatter (it is read for every package).
    static func fastDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for byte in bytes[from..<from + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), hour < 24, minute < 60, second < 61,
            let date = CalendarDate(year: year, month: month, day: day)
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count - 21 <= 9, let digits = number(20, bytes.count - 21) else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let seconds = Double(date.ordinal * 86400 + hour * 3600 + minute * 60 + second) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}
