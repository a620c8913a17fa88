public import Foundation

/// A national code set (GB/T 2260 divisions, GB/T 2261.1 gender, GB/T 3304 ethnicity) loaded from a data file.
public struct CodeSet: Sendable, Hashable {
    public struct Entry: Sendable, Hashable, Codable {
        public var code: String
        public var zh: String
        public var en: String?
    }

    struct File: Decodable {
        var format: String
        var id: String
        var standard: String
        var entries: [Entry]
    }

    public let id: String
    public let standard: String
    private let entries: [String: Entry]

    public init(id: String, standard: String, entries: [Entry]) {
        self.id = id
        self.standard = standard
        self.entries = Dictionary(entries.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public init(data: Data, file: String? = nil) throws(ConfigurationError) {
        let decoded = try DataFileDecoder.decode(File.self, from: data, file: file)
        guard decoded.format == "xietong.codeset/1" else {
            throw ConfigurationError(.format, file: file, path: "format", zh: "代码集文件格式错误", en: "the format must be 'xietong.codeset/1'")
        }
        self.init(id: decoded.id, standard: decoded.standard, entries: decoded.entries)
    }

    public func contains(_ code: String) -> Bool { self.entries[code] != nil }
    public subscript(code: String) -> Entry? { self.entries[code] }
    public var count: Int { self.entries.count }
}

/// The code sets the quality checks use.
public struct CodeSets: Sendable {
    public var division: CodeSet
    public var gender: CodeSet
    public var ethnicity: CodeSet

    public init(division: CodeSet, gender: CodeSet, ethnicity: CodeSet) {
        self.division = division
        self.gender = gender
        self.ethnicity = ethnicity
    }

    /// The code sets shipped with Xietong.
    public static func bundled() throws(ConfigurationError) -> CodeSets {
        try CodeSets(
            division: CodeSet(data: BundledData.read("codesets/division.json"), file: "codesets/division.json"),
            gender: CodeSet(data: BundledData.read("codesets/gender.json"), file: "codesets/gender.json"),
            ethnicity: CodeSet(data: BundledData.read("codesets/ethnicity.json"), file: "codesets/ethnicity.json")
        )
    }
}
