public import XietongCore

/// A storage failure, with a stable code. `description` never carries SQL or payloads; `debugDescription` does.
public struct StoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let open = Code(rawValue: "store.open")
        public static let migration = Code(rawValue: "store.migration")
        public static let query = Code(rawValue: "store.query")
        public static let exhausted = Code(rawValue: "store.sequence-exhausted")
        public static let io = Code(rawValue: "store.io")
        public static let tooLarge = Code(rawValue: "store.too-large")
        public static let hashMismatch = Code(rawValue: "store.hash-mismatch")
        public static let conflict = Code(rawValue: "store.conflict")
        public static let notFound = Code(rawValue: "store.not-found")
    }

    public var code: Code
    public var message: LocalizedText
    /// The underlying error, for operators' logs only.
    public var underlying: String?

    public init(_ code: Code, zh: String, en: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = LocalizedText(zh: zh, en: en)
        self.underlying = underlying.map { String(describing: $0) }
    }

    public var description: String { "\(self.code.rawValue): \(self.message.zh) / \(self.message.en)" }
    public var debugDescription: String { self.description + (self.underlying.map { " (\($0))" } ?? "") }
}
