/// Every organisation connected to the platform, looked up by organisation code. An IT centre keeps it as a
/// config file (`OrganisationRegistry+Loading.swift`); entries are checked when it is loaded.
public struct OrganisationRegistry: Sendable {
    public let organisations: [Organisation]
    private let byCode: [String: Organisation]

    /// Builds a registry, refusing bad entries with the first problem found.
    public init(_ organisations: [Organisation], divisions: CodeSet? = nil) throws(ConfigurationError) {
        var byCode: [String: Organisation] = [:]
        var agencyCodes: [String: String] = [:]
        for (index, organisation) in organisations.enumerated() {
            let path = "organisations[\(index)]"
            guard organisation.code.count == 12, organisation.code.allSatisfy(\.isASCIIDigit) else {
                throw ConfigurationError(
                    .invalidValue,
                    path: "\(path).code",
                    zh: "组织机构代码“\(organisation.code)”应为 12 位数字",
                    en: "the organisation code '\(organisation.code)' must be 12 digits"
                )
            }
            guard organisation.agencyCode.count == 4, organisation.agencyCode.allSatisfy(\.isASCIIDigit) else {
                throw ConfigurationError(
                    .invalidValue,
                    path: "\(path).agencyCode",
                    zh: "协同机关代码“\(organisation.agencyCode)”应为 4 位数字",
                    en: "the collaborating-agency code '\(organisation.agencyCode)' must be 4 digits"
                )
            }
            if organisation.name.zh.trimmingSpaces.isEmpty {
                throw ConfigurationError(.missingField, path: "\(path).name.zh", zh: "机构中文名称不能为空", en: "the Chinese name must not be empty")
            }
            if let division = organisation.division, let divisions, !divisions.contains(division) {
                throw ConfigurationError(
                    .unknownReference,
                    path: "\(path).division",
                    zh: "行政区划代码“\(division)”不在 GB/T 2260 代码集中",
                    en: "the division code '\(division)' is not in the GB/T 2260 code set"
                )
            }
            if let existing = byCode[organisation.code] {
                throw ConfigurationError(
                    .duplicate,
                    path: "\(path).code",
                    zh: "组织机构代码 \(organisation.code) 重复（已用于“\(existing.name.zh)”）",
                    en: "the organisation code \(organisation.code) is already used by '\(existing.name.en)'"
                )
            }
            if let other = agencyCodes[organisation.agencyCode] {
                throw ConfigurationError(
                    .duplicate,
                    path: "\(path).agencyCode",
                    zh: "协同机关代码 \(organisation.agencyCode) 重复（已用于 \(other)）",
                    en: "the collaborating-agency code \(organisation.agencyCode) is already used by \(other)"
                )
            }
            byCode[organisation.code] = organisation
            agencyCodes[organisation.agencyCode] = organisation.code
        }
        self.organisations = organisations
        self.byCode = byCode
    }

    public subscript(code: String) -> Organisation? { self.byCode[code] }

    public func organisations(ofKind kind: AgencyKind) -> [Organisation] {
        self.organisations.filter { $0.kinds.contains(kind) }
    }
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
