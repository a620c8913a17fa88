/// One recorded hop of one package: what happened, when, and who recorded it.
public struct PackageEvent: Sendable, Hashable, Codable {
    public var packageId: String
    public var hop: Hop
    /// UTC timestamp, ISO 8601 with microseconds (`Timestamp.now()`), so events sort as text.
    public var at: String
    /// The organisation whose component recorded it (the hub records as the committee).
    public var organisation: String
    /// A reason (for returns), the findings (for refusals), the stuck hop (for alerts), the unified code (for coding).
    public var detail: String?
    public var findings: [Finding]?

    public init(packageId: String, hop: Hop, at: String = Timestamp.now(), organisation: String, detail: String? = nil, findings: [Finding]? = nil) {
        self.packageId = packageId
        self.hop = hop
        self.at = at
        self.organisation = organisation
        self.detail = detail
        self.findings = findings
    }

    /// Orders events by time, and events recorded in the same instant by their place in the journey.
    public static func journeyOrder(_ a: PackageEvent, _ b: PackageEvent) -> Bool {
        if a.at != b.at { return a.at < b.at }
        return (Hop.allCases.firstIndex(of: a.hop) ?? 0) < (Hop.allCases.firstIndex(of: b.hop) ?? 0)
    }
}
