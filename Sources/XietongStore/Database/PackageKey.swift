import Foundation

/// A store's internal key for a package's rows (hub migrations 9 and 10, node migration 8): time-ordered, so that the
/// rows a package adds to its tables land at the end of their indexes, beside the rows of the packages just before it.
///
/// Senders choose package ids, and random (version 4) UUIDs are allowed. Indexed by those, every row of every package
/// lands on a page of its own, which each commit writes to the WAL and each checkpoint writes again
/// (docs/performance.md). The package id is still the platform's identity: it is looked up once (at the hub in
/// `packages`, at a node in `outbox` or `inbox`), and the package's other rows are found by its key.
enum PackageKey {
    /// A new key: the time in milliseconds (12 hex digits), then 80 random bits (20 hex digits). Keys made in the same
    /// millisecond are unordered among themselves, which costs nothing: they share the index's last page anyway.
    static func next(now: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var random = SystemRandomNumberGenerator()
        let high = random.next() as UInt64
        let low = random.next() as UInt16
        return Self.hex(milliseconds, digits: 12) + Self.hex(high, digits: 16) + Self.hex(UInt64(low), digits: 4)
    }

    /// The key the migrations gave the packages a store held before them: their id behind a character that sorts before
    /// every hex digit, so that it can never equal a new key.
    static func legacy(_ packageId: String) -> String { Self.legacyPrefix + packageId }

    /// `legacy` in SQL, of the package id `expression`.
    static func legacy(sql expression: String) -> String { "'\(Self.legacyPrefix)' || \(expression)" }

    private static let legacyPrefix = "!"

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
    }
}
