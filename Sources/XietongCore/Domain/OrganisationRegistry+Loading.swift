public import Foundation

extension OrganisationRegistry {
    /// The registry file, as an IT centre writes it.
    ///
    /// ```json
    /// { "format": "xietong.organisations/1",
    ///   "organisations": [
    ///     { "code": "330100000001", "agencyCode": "1366", "kind": "police", "alsoActsAs": ["detentionHouse"],
    ///       "name": { "zh": "杭州市公安局", "en": "Hangzhou Public Security Bureau" }, "division": "330100" } ] }
    /// ```
    struct File: Decodable {
        var format: String
        var organisations: [Entry]
    }

    struct Entry: Decodable {
        var code: String
        var agencyCode: String
        var kind: String
        var alsoActsAs: [String]?
        var name: LocalizedText
        var division: String?
    }

    public static let fileFormat = "xietong.organisations/1"

    /// Loads and checks a registry file's contents.
    public init(data: Data, file: String? = nil, divisions: CodeSet? = nil) throws(ConfigurationError) {
        let decoded = try DataFileDecoder.decode(File.self, from: data, file: file)
        guard decoded.format == Self.fileFormat else {
            throw ConfigurationError(
                .format,
                file: file,
                path: "format",
                zh: "文件格式应为“\(Self.fileFormat)”，实为“\(decoded.format)”",
                en: "the format must be '\(Self.fileFormat)', not '\(decoded.format)'"
            )
        }
        var organisations: [Organisation] = []
        for (index, entry) in decoded.organisations.enumerated() {
            let path = "organisations[\(index)]"
            let kind = try Self.kind(entry.kind, path: "\(path).kind", file: file)
            var also: [AgencyKind] = []
            for (alsoIndex, name) in (entry.alsoActsAs ?? []).enumerated() {
                also.append(try Self.kind(name, path: "\(path).alsoActsAs[\(alsoIndex)]", file: file))
            }
            organisations.append(
                Organisation(
                    code: entry.code.trimmingSpaces,
                    agencyCode: entry.agencyCode.trimmingSpaces,
                    kind: kind,
                    alsoActsAs: also,
                    name: entry.name,
                    division: entry.division
                )
            )
        }
        do {
            try self.init(organisations, divisions: divisions)
        } catch {
            throw error.inFile(file ?? "")
        }
    }

    public init(contentsOf url: URL, divisions: CodeSet? = nil) throws(ConfigurationError) {
        try self.init(data: DataFileDecoder.read(url), file: url.path, divisions: divisions)
    }

    static func kind(_ raw: String, path: String, file: String?) throws(ConfigurationError) -> AgencyKind {
        guard let kind = AgencyKind(rawValue: raw) else {
            let allowed = AgencyKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: path,
                zh: "未知的机关类别“\(raw)”，可选：\(allowed)",
                en: "unknown agency kind '\(raw)'; allowed: \(allowed)"
            )
        }
        return kind
    }
}

extension OrganisationRegistry {
    /// The demo registry shipped with Xietong: one Hangzhou district's agencies, used by the examples and
    /// `xietong demo`. A deployment passes its own file.
    public static func demo() throws(ConfigurationError) -> OrganisationRegistry {
        try OrganisationRegistry(
            data: BundledData.read("registry/demo-organisations.json"),
            file: "registry/demo-organisations.json",
            divisions: CodeSets.bundled().division
        )
    }
}
