/// The 32-digit unified case code of ZJ-7.1.1: `yyyyMMdd` + 4-digit collaborating-agency code + 12-digit
/// organisation code + 8-digit sequence, for example `20170507136633010100000112345678`.
///
/// The platform assigns it (the hub, through a sequence store that never reuses a number); this type only
/// formats and validates.
public struct UnifiedCaseCode: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public static let length = 32
    public static let maxSequence = 99_999_999

    /// Builds a code from its parts, validating each.
    public init(date: CalendarDate, agencyCode: String, organisationCode: String, sequence: Int) throws(CodeError) {
        guard agencyCode.count == 4, agencyCode.allSatisfy(\.isASCIIDigit) else {
            throw CodeError(.agency, value: agencyCode, zh: "协同机关代码应为 4 位数字", en: "the collaborating-agency code must be 4 digits")
        }
        guard organisationCode.count == 12, organisationCode.allSatisfy(\.isASCIIDigit) else {
            throw CodeError(.organisation, value: organisationCode, zh: "组织机构代码应为 12 位数字", en: "the organisation code must be 12 digits")
        }
        guard (1...Self.maxSequence).contains(sequence) else {
            throw CodeError(.sequence, value: String(sequence), zh: "序列号应在 1 至 99999999 之间", en: "the sequence must be between 1 and 99999999")
        }
        let sequenceText = String(sequence)
        let padded = String(repeating: "0", count: 8 - sequenceText.count) + sequenceText
        self.rawValue = date.compact + agencyCode + organisationCode + padded
    }

    /// Parses and validates a code.
    public init(_ text: String) throws(CodeError) {
        guard text.count == Self.length, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw CodeError(.format, value: text, zh: "统一赋码应为 32 位数字", en: "a unified case code is 32 digits")
        }
        let digits = Array(text.utf8)
        guard CalendarDate(compact: String(decoding: digits[0..<8], as: UTF8.self)) != nil else {
            throw CodeError(.date, value: text, zh: "统一赋码前 8 位不是有效日期", en: "the first 8 digits are not a valid date (yyyyMMdd)")
        }
        guard Int(String(decoding: digits[24..<32], as: UTF8.self)) != 0 else {
            throw CodeError(.sequence, value: text, zh: "统一赋码序列号不能为 0", en: "the sequence number must not be 0")
        }
        self.rawValue = text
    }

    private func slice(_ range: Range<Int>) -> String {
        let utf8 = Array(self.rawValue.utf8)
        return String(decoding: utf8[range], as: UTF8.self)
    }

    public var date: CalendarDate { CalendarDate(compact: self.slice(0..<8))! }
    public var agencyCode: String { self.slice(8..<12) }
    public var organisationCode: String { self.slice(12..<24) }
    public var sequence: Int { Int(self.slice(24..<32))! }

    public var description: String { self.rawValue }

    public static func < (lhs: UnifiedCaseCode, rhs: UnifiedCaseCode) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try UnifiedCaseCode(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}

/// A code that does not follow its rule.
public struct CodeError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let format = Code(rawValue: "code.format")
        public static let date = Code(rawValue: "code.date")
        public static let agency = Code(rawValue: "code.agency-code")
        public static let organisation = Code(rawValue: "code.organisation-code")
        public static let sequence = Code(rawValue: "code.sequence")
        public static let dossierPart = Code(rawValue: "code.dossier-part")
        public static let exhausted = Code(rawValue: "code.sequence-exhausted")
    }

    public var code: Code
    public var value: String
    public var message: LocalizedText

    public init(_ code: Code, value: String, zh: String, en: String) {
        self.code = code
        self.value = value
        self.message = LocalizedText(zh: zh, en: en)
    }

    public var description: String { "\(self.code.rawValue): '\(self.value)': \(self.message.zh) / \(self.message.en)" }
}
