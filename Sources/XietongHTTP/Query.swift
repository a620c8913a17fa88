public import Hummingbird

/// Query parameters read strictly (issue 22, item 6). A parameter given with a value outside its type, its values or
/// its range is refused with 400 `query.invalid`, which names it and what it expects. Only an absent parameter takes
/// its default.
public enum Query {
    /// `?format=`: the answer as JSON (the default) or CSV.
    public enum Format: String, CaseIterable, Sendable {
        case json
        case csv
    }

    /// `name` as an integer in `range`; `fallback` when absent.
    public static func integer(
        _ request: Request,
        _ name: String,
        default fallback: Int,
        in range: ClosedRange<Int> = Int.min...Int.max
    ) throws(APIError) -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            let expected =
                range == Int.min...Int.max
                ? "an integer"
                : range.upperBound == Int.max ? "an integer ≥ \(range.lowerBound)" : "an integer in \(range.lowerBound)…\(range.upperBound)"
            throw APIError.badQuery(name, String(text), expected: expected)
        }
        return value
    }

    /// `name` as a finite number; `fallback` when absent.
    public static func number(_ request: Request, _ name: String, default fallback: Double) throws(APIError) -> Double {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Double(text), value.isFinite else { throw APIError.badQuery(name, String(text), expected: "a number") }
        return value
    }

    /// `name` as `true` or `1`, `false` or `0`; `fallback` when absent.
    public static func boolean(_ request: Request, _ name: String, default fallback: Bool) throws(APIError) -> Bool {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badQuery(name, String(text), expected: "true | false")
        }
    }

    /// `name` as one of `Choice`'s values; `fallback` when absent.
    public static func choice<Choice: RawRepresentable & CaseIterable>(
        _ request: Request,
        _ name: String,
        default fallback: Choice
    ) throws(APIError) -> Choice where Choice.RawValue == String {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Choice(rawValue: String(text)) else {
            throw APIError.badQuery(name, String(text), expected: Choice.allCases.map(\.rawValue).joined(separator: " | "))
        }
        return value
    }

    /// Whether `?format=` asks for CSV.
    public static func wantsCSV(_ request: Request) throws(APIError) -> Bool {
        try Self.choice(request, "format", default: Format.json) == .csv
    }
}
