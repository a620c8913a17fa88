/// One result of a quality check (ZJ-7.1.2.1): a stable code, where it is, how bad it is, and a message
/// in Chinese and English.
public struct Finding: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// The package is refused.
        case error
        /// The package passes, but someone should look.
        case warning
        /// A change made by normalisation, reported for the record.
        case info

        private var rank: Int {
            switch self {
            case .error: 2
            case .warning: 1
            case .info: 0
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var code: FindingCode
    public var severity: Severity
    /// An XPath-like path such as `/CasePackage/Body/Persons/Person[2]/IdCardNumber`, or `line 12` for parse errors.
    public var location: String
    /// The 1-based source line, when known.
    public var line: Int?
    public var message: LocalizedText

    public init(_ code: FindingCode, _ severity: Severity = .error, at location: String, line: Int? = nil, _ message: LocalizedText) {
        self.code = code
        self.severity = severity
        self.location = location
        self.line = line
        self.message = message
    }

    public init(_ code: FindingCode, _ severity: Severity = .error, at location: String, line: Int? = nil, zh: String, en: String) {
        self.init(code, severity, at: location, line: line, LocalizedText(zh: zh, en: en))
    }
}

extension Finding: CustomStringConvertible {
    public var description: String {
        let where_ = self.line.map { "\(self.location) (line \($0))" } ?? self.location
        return "\(self.severity.rawValue) \(self.code.rawValue) at \(where_): \(self.message.zh) / \(self.message.en)"
    }
}
