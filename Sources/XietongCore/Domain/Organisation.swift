/// A connected political-legal organisation: one entry of the organisation registry.
public struct Organisation: Sendable, Hashable, Codable {
    /// The 12-digit organisation code (组织机构代码) used in unified codes (ZJ-7.1.1).
    public var code: String
    /// The 4-digit collaborating-agency code (协同机关代码, ZJ-7.1.1).
    public var agencyCode: String
    public var kind: AgencyKind
    /// Functions this organisation also performs on the platform, for example a county justice bureau that
    /// runs legal aid and community correction, or a police bureau whose node serves its detention house.
    public var alsoActsAs: [AgencyKind]
    public var name: LocalizedText
    /// GB/T 2260 administrative division of its seat.
    public var division: String?

    public init(
        code: String,
        agencyCode: String,
        kind: AgencyKind,
        alsoActsAs: [AgencyKind] = [],
        name: LocalizedText,
        division: String? = nil
    ) {
        self.code = code
        self.agencyCode = agencyCode
        self.kind = kind
        self.alsoActsAs = alsoActsAs
        self.name = name
        self.division = division
    }

    /// Every kind this organisation can act as on the platform.
    public var kinds: Set<AgencyKind> { Set([self.kind] + self.alsoActsAs) }

    /// Whether this organisation may act as any of `allowed`.
    public func acts(asAnyOf allowed: [AgencyKind]) -> Bool {
        allowed.contains { self.kinds.contains($0) }
    }
}
