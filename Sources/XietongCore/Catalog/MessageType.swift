/// One message of a flow: who sends it to whom, what it answers, whether it closes the flow, and its time limits.
public struct MessageType: Sendable, Hashable, Codable {
    public enum Closing: String, Sendable, Hashable, Codable {
        /// The flow stays open.
        case no
        /// The flow instance ends.
        case flow
    }

    public var id: String
    public var zh: String
    public var en: String
    /// Agency kinds that may send it.
    public var from: [AgencyKind]
    /// Agency kinds that may receive it.
    public var to: [AgencyKind]
    /// The messages of the same flow it answers; empty when it starts a flow instance.
    public var answers: [String]
    public var closes: Closing
    public var limits: [TimeLimit]
    /// True for replies the standard does not name but the flow needs to close.
    public var implied: Bool
    /// The ZJ-7.1.3.1 process kind, when it differs from the flow's.
    public var processKind: String?
    /// True for receipts given per person of a batch (SZ-2): the message closes its flow only once every person of
    /// the batch has had one.
    public var perPerson: Bool
    /// True when the offenders the message names are serving a custodial sentence (拘役, 有期徒刑, 无期徒刑) in a
    /// prison or detention house: they are in custody for CPL 第105条第4款 unless a package says otherwise
    /// (issue 20).
    public var custodialSentence: Bool
    /// What the message does to the investigation detention period of the persons it names (CPL 第156–160条,
    /// issue 20): `extend` it by the next statutory extension, `recount` it from the measure's start, or `end` it.
    public var detention: DetentionEffect?
    /// How often the message may occur in one flow instance, and the article that says so (CPL 第175条第3款:
    /// supplementary investigation at most twice). Nil for no limit.
    public var maxPerInstance: Int?
    public var maxBasis: String?
    public var notes: String?

    public enum DetentionEffect: String, Sendable, Hashable, Codable {
        case extend
        case recount
        /// The investigation ends with this message (移送审查起诉, 刑事诉讼法第162条): the period of the persons it names
        /// ends, and an arrest it states is the next stage's custody, which starts no investigation period.
        case end
    }

    public var name: LocalizedText { LocalizedText(zh: self.zh, en: self.en) }
    public var startsFlow: Bool { self.answers.isEmpty }
    /// The limit on the receiver's response, counted from receipt.
    public var receiverLimits: [TimeLimit] { self.limits.filter { $0.party == .receiver } }
    public var senderLimits: [TimeLimit] { self.limits.filter { $0.party == .sender } }

    enum CodingKeys: String, CodingKey {
        case id, zh, en, from, to, answers, closes, limits, implied, processKind, perPerson, custodialSentence, detention, maxPerInstance, maxBasis,
            notes
    }

    public init(
        id: String,
        zh: String,
        en: String,
        from: [AgencyKind],
        to: [AgencyKind],
        answers: [String] = [],
        closes: Closing = .no,
        limits: [TimeLimit] = [],
        implied: Bool = false,
        processKind: String? = nil,
        perPerson: Bool = false,
        custodialSentence: Bool = false,
        detention: DetentionEffect? = nil,
        notes: String? = nil
    ) {
        self.id = id
        self.zh = zh
        self.en = en
        self.from = from
        self.to = to
        self.answers = answers
        self.closes = closes
        self.limits = limits
        self.implied = implied
        self.processKind = processKind
        self.perPerson = perPerson
        self.custodialSentence = custodialSentence
        self.detention = detention
        self.notes = notes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try c.decode(String.self, forKey: .id)
        self.zh = try c.decode(String.self, forKey: .zh)
        self.en = try c.decode(String.self, forKey: .en)
        self.from = try c.decode([AgencyKind].self, forKey: .from)
        self.to = try c.decode([AgencyKind].self, forKey: .to)
        self.answers = try c.decodeIfPresent([String].self, forKey: .answers) ?? []
        self.closes = try c.decodeIfPresent(Closing.self, forKey: .closes) ?? .no
        self.limits = try c.decodeIfPresent([TimeLimit].self, forKey: .limits) ?? []
        self.implied = try c.decodeIfPresent(Bool.self, forKey: .implied) ?? false
        self.processKind = try c.decodeIfPresent(String.self, forKey: .processKind)
        self.perPerson = try c.decodeIfPresent(Bool.self, forKey: .perPerson) ?? false
        self.custodialSentence = try c.decodeIfPresent(Bool.self, forKey: .custodialSentence) ?? false
        self.detention = try c.decodeIfPresent(DetentionEffect.self, forKey: .detention)
        self.maxPerInstance = try c.decodeIfPresent(Int.self, forKey: .maxPerInstance)
        self.maxBasis = try c.decodeIfPresent(String.self, forKey: .maxBasis)
        self.notes = try c.decodeIfPresent(String.self, forKey: .notes)
    }
}
