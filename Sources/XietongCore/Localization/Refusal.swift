/// Why a service refuses what it was given: a stable code, the field or parameter at fault, and what is wrong, in
/// Chinese and English. Each service names its codes; the HTTP layer maps them to its `APIError`s.
public struct Refusal<Code: RawRepresentable & Sendable & Hashable>: Error, Sendable, Hashable, CustomStringConvertible
where Code.RawValue == String {
    public var code: Code
    public var field: String
    public var message: LocalizedText

    public init(code: Code, field: String, message: LocalizedText) {
        self.code = code
        self.field = field
        self.message = message
    }

    public init(_ code: Code, _ field: String, zh: String, en: String) {
        self.init(code: code, field: field, message: LocalizedText(zh: zh, en: en))
    }

    public var description: String { "\(self.code.rawValue) (\(self.field)): \(self.message.zh) / \(self.message.en)" }
}
