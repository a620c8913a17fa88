/// A simple type of the package schema: an XSD built-in base with facets (pattern, enumeration, length).
public struct SimpleType: Sendable {
    public enum Base: String, Sendable {
        case string
        case token
        case date
        case dateTime
        case nonNegativeInteger
        case positiveInteger
        case anyURI
        case boolean
    }

    public var name: String
    public var base: Base
    public var patterns: [String]
    public var enumeration: [String]
    public var minLength: Int?
    public var maxLength: Int?
    let compiled: CompiledPatterns

    init(name: String, base: Base, patterns: [String] = [], enumeration: [String] = [], minLength: Int? = nil, maxLength: Int? = nil) throws {
        self.name = name
        self.base = base
        self.patterns = patterns
        self.enumeration = enumeration
        self.minLength = minLength
        self.maxLength = maxLength
        self.compiled = try CompiledPatterns(patterns)
    }

    /// Codes are the values a pattern constrains: normalisation turns their full-width characters half-width.
    public var isCode: Bool { !self.patterns.isEmpty }

    /// Why `value` is not valid for this type, or nil when it is.
    public func problem(with value: String) -> LocalizedText? {
        switch self.base {
        case .date:
            if DateValue.date(value) == nil {
                return LocalizedText(zh: "“\(value)”不是有效日期（yyyy-MM-dd）", en: "'\(value)' is not a valid date (yyyy-MM-dd)")
            }
        case .dateTime:
            if DateValue.dateTime(value) == nil {
                return LocalizedText(
                    zh: "“\(value)”不是有效时间（yyyy-MM-ddTHH:mm:ss+08:00）",
                    en: "'\(value)' is not a valid date-time (yyyy-MM-ddTHH:mm:ss+08:00)"
                )
            }
        case .nonNegativeInteger, .positiveInteger:
            let digits = value.hasPrefix("+") ? String(value.dropFirst()) : value
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.count <= 18, let number = Int(digits) else {
                return LocalizedText(zh: "“\(value)”不是整数", en: "'\(value)' is not a whole number")
            }
            if self.base == .positiveInteger && number == 0 {
                return LocalizedText(zh: "应为正整数", en: "must be a positive number")
            }
        case .boolean:
            if !["true", "false", "1", "0"].contains(value) {
                return LocalizedText(zh: "“\(value)”不是布尔值", en: "'\(value)' is not a boolean")
            }
        case .anyURI:
            if value.contains(where: { $0 == " " || $0.isNewline }) {
                return LocalizedText(zh: "地址中不能含有空白", en: "a URI cannot contain white space")
            }
        case .string, .token:
            break
        }
        let length = value.characterCount
        if let minLength = self.minLength, length < minLength {
            return minLength == 1
                ? LocalizedText(zh: "不能为空", en: "must not be empty")
                : LocalizedText(zh: "长度不能少于 \(minLength)", en: "must be at least \(minLength) characters")
        }
        if let maxLength = self.maxLength, length > maxLength {
            return LocalizedText(zh: "长度不能超过 \(maxLength)", en: "must be at most \(maxLength) characters")
        }
        if !self.enumeration.isEmpty && !self.enumeration.contains(value) {
            let allowed = self.enumeration.joined(separator: ", ")
            return LocalizedText(zh: "“\(value)”不是允许的取值（\(allowed)）", en: "'\(value)' is not one of the allowed values (\(allowed))")
        }
        if !self.compiled.matchesAny(value) {
            return LocalizedText(
                zh: "“\(value)”不符合格式 \(self.patterns.joined(separator: " 或 "))",
                en: "'\(value)' does not match the pattern \(self.patterns.joined(separator: " or "))"
            )
        }
        return nil
    }
}

/// Compiled XSD patterns. XSD patterns are anchored at both ends.
/// Simple patterns (all of the package schemas') are matched by `SimplePattern`; any other by a regular expression.
struct CompiledPatterns: @unchecked Sendable {
    // Regex values are immutable after compilation and safe to match from several threads at once; the
    // standard library does not mark `Regex<AnyRegexOutput>` Sendable.
    private let simple: [SimplePattern]
    private let regexes: [Regex<AnyRegexOutput>]

    init(_ patterns: [String]) throws {
        var simple: [SimplePattern] = []
        var regexes: [Regex<AnyRegexOutput>] = []
        for pattern in patterns {
            // Every pattern must compile as a regular expression, simple or not, so that a bad schema is refused.
            let regex = try Regex("^(?:\(pattern))$")
            if let matcher = SimplePattern(pattern) { simple.append(matcher) } else { regexes.append(regex) }
        }
        self.simple = simple
        self.regexes = regexes
    }

    /// Whether the value matches one of the patterns (none given: any value). Patterns of one restriction are
    /// alternatives (XML Schema 1.0 Part 2, 4.3.4.3), as `AmountType` uses them: whole yuan, or yuan and fen.
    func matchesAny(_ value: String) -> Bool {
        guard !self.simple.isEmpty || !self.regexes.isEmpty else { return true }
        return self.simple.contains { $0.matches(value) } || self.regexes.contains { (try? $0.wholeMatch(in: value)) != nil }
    }
}
