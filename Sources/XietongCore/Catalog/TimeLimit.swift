/// A statutory time limit attached to a message (ZJ-6, GS-3).
public struct TimeLimit: Sendable, Hashable, Codable {
    public enum Party: String, Sendable, Hashable, Codable {
        /// The receiver must act (decide, reply, execute) within the limit, counted from receipt.
        case receiver
        /// The sender must send within the limit, counted from the event named in `start`.
        case sender
    }

    public enum Unit: String, Sendable, Hashable, Codable {
        case hours
        case days
        case workingDays
        case months
        /// The law says 立即: no day count, but the act is due at once.
        case immediately
    }

    public var party: Party
    public var value: Int
    public var unit: Unit
    /// What the limit counts from: `receipt` for receiver limits; for sender limits the triggering event
    /// (`detention`, `effective`, `decision`, `beforeHearing` …).
    public var start: String
    /// The legal basis, article by article.
    public var basis: String
    /// False where the article number or the figure is still to be checked against the official text.
    public var verified: Bool
    /// The answers that meet the limit; nil when any answer of the responsible party does (for example the court's
    /// 2 months to judge are met by the judgment, not by the hearing notice).
    public var metBy: [String]?
    /// A window for an act that may not happen (a protest, an opinion): when it passes unused the limit lapses,
    /// which is not overdue.
    public var optional: Bool
    /// The receivers the limit binds, when not every receiver of the message (issue 20: 收监 within 1 month binds the
    /// police, 监狱法第15条第1款; a procuratorate's opinion binds the procuratorate). Nil for all.
    public var receiverKinds: [AgencyKind]?
    /// The coercive measures the package must carry for the limit to start (the 24 hours of 公安规定第92条 and
    /// 第118条 are for bail and residential surveillance). Nil for any package.
    public var measureKinds: [String]?
    /// For a variant that depends on custody: true when it applies only to a person in custody, false only to one not
    /// in custody, judged when it starts (人民检察院刑事诉讼规则第282条: 7 days for a detained suspect, 15 otherwise).
    public var inCustody: Bool?
    /// For a variant of a procedure: the procedures it applies to (`ordinary`, `summary`, `fastTrack`; a package that
    /// names none is `ordinary`). Nil for every procedure.
    public var procedures: [String]?
    /// For a sender limit an approval may extend: the longest the law allows, in `unit`, counted from the same start
    /// (刑事诉讼法第91条第2款: 3 days, at most 30). A package's `limitExtendedTo` key date moves the last day up to it.
    public var longest: Int?

    public init(
        party: Party,
        value: Int,
        unit: Unit,
        start: String = "receipt",
        basis: String,
        verified: Bool = true,
        metBy: [String]? = nil,
        optional: Bool = false,
        receiverKinds: [AgencyKind]? = nil,
        measureKinds: [String]? = nil,
        inCustody: Bool? = nil,
        procedures: [String]? = nil,
        longest: Int? = nil
    ) {
        self.party = party
        self.value = value
        self.unit = unit
        self.start = start
        self.basis = basis
        self.verified = verified
        self.metBy = metBy
        self.optional = optional
        self.receiverKinds = receiverKinds
        self.measureKinds = measureKinds
        self.inCustody = inCustody
        self.procedures = procedures
        self.longest = longest
    }

    enum CodingKeys: String, CodingKey {
        case party, value, unit, start, basis, verified, metBy, optional, receiverKinds, measureKinds, inCustody, procedures, longest
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.party = try container.decode(Party.self, forKey: .party)
        self.value = try container.decode(Int.self, forKey: .value)
        self.unit = try container.decode(Unit.self, forKey: .unit)
        self.start = try container.decodeIfPresent(String.self, forKey: .start) ?? "receipt"
        self.basis = try container.decode(String.self, forKey: .basis)
        self.verified = try container.decodeIfPresent(Bool.self, forKey: .verified) ?? true
        self.metBy = try container.decodeIfPresent([String].self, forKey: .metBy)
        self.optional = try container.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        self.receiverKinds = try container.decodeIfPresent([AgencyKind].self, forKey: .receiverKinds)
        self.measureKinds = try container.decodeIfPresent([String].self, forKey: .measureKinds)
        self.inCustody = try container.decodeIfPresent(Bool.self, forKey: .inCustody)
        self.procedures = try container.decodeIfPresent([String].self, forKey: .procedures)
        self.longest = try container.decodeIfPresent(Int.self, forKey: .longest)
    }

    /// Whether the limit starts for a package to a receiver acting as `receiverKinds`, carrying measures of
    /// `measures` kinds, concerning persons in custody or not, in the case's `procedure`.
    public func applies(receiverKinds kinds: Set<AgencyKind>, measures: [String], custody: Bool, procedure: String? = nil) -> Bool {
        if let bound = self.receiverKinds, !kinds.isEmpty, kinds.isDisjoint(with: bound) { return false }
        if let variants = self.procedures, !variants.contains(procedure ?? "ordinary") { return false }
        if let needed = self.measureKinds, !measures.contains(where: needed.contains) { return false }
        if let held = self.inCustody, held != custody { return false }
        return true
    }

    /// `7 days`, `10 working days`, `immediately`.
    public var text: LocalizedText {
        switch self.unit {
        case .hours: LocalizedText(zh: "\(self.value)小时", en: "\(self.value) h")
        case .days: LocalizedText(zh: "\(self.value)日", en: "\(self.value) days")
        case .workingDays: LocalizedText(zh: "\(self.value)个工作日", en: "\(self.value) working days")
        case .months: LocalizedText(zh: "\(self.value)个月", en: "\(self.value) months")
        case .immediately: LocalizedText(zh: "立即", en: "immediately")
        }
    }
}
