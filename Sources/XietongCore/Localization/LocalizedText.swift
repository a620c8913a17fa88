/// Text shown to officers and supervisors: Chinese first, English available.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    /// Both languages on one line, Chinese first: `中文 (English)`.
    public var bilingual: String { "\(self.zh) (\(self.en))" }
}
