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
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text.count == 27 ? String(text.prefix(23)) + "Z" : text) {
            let micros = text.count == 27 ? (Double(text.dropFirst(23).prefix(3)) ?? 0) / 1_000_000 : 0
            return date.addingTimeInterval(micros)
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
