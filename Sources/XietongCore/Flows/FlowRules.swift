/// One stored step of a flow instance: what the hub knows of an accepted package when a later one answers it.
public struct FlowStep: Sendable, Hashable, Codable {
    public var packageId: String
    /// The instance: the package id of the message that opened it.
    public var instanceId: String
    /// The unified code the answered package carried (its sender's code for the case).
    public var caseCode: String
    public var flow: String
    public var messageType: String
    public var sender: String
    public var receiver: String
    /// Whether the instance has been closed.
    public var instanceClosed: Bool
    /// Every organisation that sent or received a message of the instance.
    public var instanceParties: Set<String>

    public init(
        packageId: String,
        instanceId: String,
        caseCode: String,
        flow: String,
        messageType: String,
        sender: String,
        receiver: String,
        instanceClosed: Bool,
        instanceParties: Set<String> = []
    ) {
        self.packageId = packageId
        self.instanceId = instanceId
        self.caseCode = caseCode
        self.flow = flow
        self.messageType = messageType
        self.sender = sender
        self.receiver = receiver
        self.instanceClosed = instanceClosed
        self.instanceParties = instanceParties.union([sender, receiver])
    }
}

/// What the flow engine decides for a package.
public enum FlowDecision: Sendable, Hashable {
    /// It opens a new instance of its flow (its own package id is the instance's).
    case opens(closes: Bool)
    /// It is the next step of an open instance, and may close it.
    case continues(instanceId: String, closes: Bool)
    /// It is not a valid next step; the finding says why.
    case refused(Finding)
}

/// The state machine of the catalog's flows (ZJ-6.1–6.3, GS-2 "non-compliant cases cannot flow"): every flow
/// instance of a case starts with a message that starts its flow; each later message must answer, through
/// `InReplyTo`, a message of the same case and flow that the catalog lists among those it answers, in an instance that
/// no closing message has ended, from an organisation that takes part in the instance — or from one that joins it in
/// a role no party of the instance can play (the authority that decides on a prison's proposal copied to the
/// procuratorate, for example).
///
/// Each agency gives the case its own unified code (ZJ-7.1.1) and names the others' in `RelatedCaseCodes`; "the same
/// case" means the answered package's code is the reply's own or one of its related codes.
public struct FlowRules: Sendable {
    public let catalog: FlowCatalog
    /// The kinds each registered organisation acts as.
    public let kindsByOrganisation: [String: Set<AgencyKind>]

    public init(catalog: FlowCatalog, registry: OrganisationRegistry? = nil) {
        self.catalog = catalog
        var kinds: [String: Set<AgencyKind>] = [:]
        for organisation in registry?.organisations ?? [] { kinds[organisation.code] = organisation.kinds }
        self.kindsByOrganisation = kinds
    }

    func kinds(_ organisation: String) -> Set<AgencyKind> { self.kindsByOrganisation[organisation] ?? [] }

    static let replyPath = "/CasePackage/Envelope/InReplyTo"

    /// Decides for a package whose case codes (its unified code and related codes) are `caseCodes` and whose
    /// `InReplyTo` (if any) names `referenced` (nil when the hub has no such package). The package's flow and message
    /// type were checked against the catalog already.
    public func decide(_ envelope: CasePackage.Envelope, caseCodes: Set<String>, answering referenced: FlowStep?) -> FlowDecision {
        guard let message = self.catalog.flow(envelope.flow)?.message(envelope.messageType) else {
            // Unknown flows are refused by the quality checks before this; nothing to add here.
            return .opens(closes: false)
        }
        let closes = message.closes == .flow
        if message.startsFlow { return .opens(closes: closes) }
        guard let reply = envelope.inReplyTo else {
            // A reply without InReplyTo is refused by the quality checks (`consistency.reply-without-request`).
            return .opens(closes: closes)
        }
        guard let referenced else {
            return .refused(
                Finding(
                    .flowUnknownReference,
                    at: Self.replyPath,
                    zh: "InReplyTo 指向的数据包 \(reply) 不存在：“\(message.zh)”须答复平台已接收的消息",
                    en: "InReplyTo names \(reply), which the hub has not accepted: '\(message.en)' must answer a message it has"
                )
            )
        }
        guard caseCodes.contains(referenced.caseCode) else {
            let own = caseCodes.sorted().joined(separator: ", ")
            return .refused(
                Finding(
                    .flowOtherCase,
                    at: Self.replyPath,
                    zh: "答复的消息属于另一案件（\(referenced.caseCode)），本数据包的统一赋码及关联案件编码中没有它（\(own)）",
                    en:
                        "the answered message belongs to another case (\(referenced.caseCode)), which is neither this package's unified code nor one of its related codes (\(own))"
                )
            )
        }
        let answered = self.catalog.flow(referenced.flow)?.message(referenced.messageType)
        guard referenced.flow == envelope.flow, message.answers.contains(referenced.messageType) else {
            let valid = message.answers.compactMap { self.catalog.flow(envelope.flow)?.message($0) }
            return .refused(
                Finding(
                    .flowOutOfOrder,
                    at: Self.replyPath,
                    zh: "“\(message.zh)”不能答复“\(answered?.zh ?? referenced.messageType)”，只能答复：\(valid.map(\.zh).joined(separator: "、"))",
                    en:
                        "'\(message.en)' cannot answer '\(answered?.en ?? referenced.messageType)'; it answers: \(valid.map(\.en).joined(separator: ", "))"
                )
            )
        }
        let sender = envelope.sender.organisationCode
        let partyCanSend = referenced.instanceParties.contains { !self.kinds($0).isDisjoint(with: message.from) }
        guard referenced.instanceParties.contains(sender) || !partyCanSend else {
            return .refused(
                Finding(
                    .flowNotAParty,
                    at: "/CasePackage/Envelope/Sender",
                    zh: "发送方 \(sender) 未参与该流程（\(referenced.instanceParties.sorted().joined(separator: "、"))），而流程中已有机关可发送“\(message.zh)”",
                    en:
                        "the sender \(sender) takes no part in this flow (\(referenced.instanceParties.sorted().joined(separator: ", "))), and a party of it can send '\(message.en)'"
                )
            )
        }
        guard !referenced.instanceClosed else { return .refused(Self.closed(referenced.instanceId, message.name)) }
        return .continues(instanceId: referenced.instanceId, closes: closes)
    }

    /// The finding for a message an instance already had as often as the law allows (`MessageType.maxPerInstance`).
    public static func limitReached(_ instanceId: String, _ message: MessageType) -> Finding {
        let times = message.maxPerInstance ?? 0
        return Finding(
            .flowLimitReached,
            at: Self.replyPath,
            zh: "该流程（始于 \(instanceId)）已有 \(times) 次“\(message.zh)”，依法不得再有\(message.maxBasis.map { "（\($0)）" } ?? "")",
            en:
                "this flow instance (opened by \(instanceId)) already had '\(message.en)' \(times) times, the most the law allows\(message.maxBasis.map { " (\($0))" } ?? "")"
        )
    }

    /// The finding for a message sent into an instance that a closing message has ended (also found at commit
    /// time, when another hub instance closed it first).
    public static func closed(_ instanceId: String, _ message: LocalizedText) -> Finding {
        Finding(
            .flowClosed,
            at: Self.replyPath,
            zh: "该流程（始于 \(instanceId)）已办结，不再接受“\(message.zh)”",
            en: "this flow instance (opened by \(instanceId)) is closed and takes no further '\(message.en)'"
        )
    }
}

/// The flow rules and the deadline counting the hub applies to every package.
public struct FlowEngine: Sendable {
    public let rules: FlowRules
    public let deadlines: DeadlineCounter
    /// Which organisations this hub serves (issue 23): it counts the time limits of those alone; a peer hub counts
    /// its own agencies' limits and reminds them.
    public let federation: Federation

    public init(catalog: FlowCatalog, calendar: LegalCalendar, registry: OrganisationRegistry, federation: Federation = .none) {
        self.rules = FlowRules(catalog: catalog, registry: registry)
        self.deadlines = DeadlineCounter(calendar: calendar)
        self.federation = federation
    }

    /// Whether this hub counts the time limits `organisation` answers for: those of the agencies it serves itself.
    public func counts(limitsOf organisation: String) -> Bool { self.federation.servesLocally(organisation) }

    /// The shipped catalog, calendar and demo registry.
    public static func bundled() throws(ConfigurationError) -> FlowEngine {
        FlowEngine(catalog: try FlowCatalog.bundled(), calendar: try LegalCalendar.bundled(), registry: try OrganisationRegistry.demo())
    }
}
