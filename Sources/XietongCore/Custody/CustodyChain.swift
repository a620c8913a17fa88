/// One person's custody across the stages of a case (换押, ZJ-6.1.4): every record the agencies' packages made, in
/// the order the hub accepted them, and where the person stands now — who holds them and until when.
public struct CustodyChain: Sendable, Codable, Hashable {
    /// One record, with the package that made it.
    public struct Stage: Sendable, Codable, Hashable {
        public var event: CustodyRecord.Event
        public var kind: String?
        public var holder: String
        public var startsOn: String?
        public var endsOn: String?
        public var custodyOrganisation: String?
        public var packageId: String
        public var caseCode: String
        public var flow: String
        public var messageType: String
        /// When the hub accepted the package.
        public var at: String

        public init(
            _ record: CustodyRecord,
            packageId: String,
            caseCode: String,
            flow: String,
            messageType: String,
            at: String
        ) {
            self.event = record.event
            self.kind = record.kind
            self.holder = record.holder
            self.startsOn = record.startsOn
            self.endsOn = record.endsOn
            self.custodyOrganisation = record.custodyOrganisation
            self.packageId = packageId
            self.caseCode = caseCode
            self.flow = flow
            self.messageType = messageType
            self.at = at
        }
    }

    public var personKey: String
    public var name: String
    public var stages: [Stage]
    /// Whether the latest records leave the person in custody.
    public var inCustody: Bool
    /// The organ answerable for the person now.
    public var holder: String?
    /// The last day of the current custody period, as declared.
    public var periodEndsOn: String?
    /// The stage that set `periodEndsOn`.
    public var periodSetBy: Stage?
    /// Days from `today` to `periodEndsOn`; negative once it has passed with no renewal, transfer or release.
    public var daysLeft: Int?
    /// True between a transfer out and the next organ's transfer-in notice.
    public var inTransfer: Bool

    /// Folds a person's stages, oldest first, into where the person stands on `today`.
    public init(personKey: String, name: String, stages: [Stage], today: CalendarDate) {
        self.personKey = personKey
        self.name = name
        self.stages = stages
        var inCustody = false
        var holder: String?
        var endsOn: String?
        var setBy: Stage?
        var inTransfer = false
        for stage in stages {
            switch stage.event {
            case .measure:
                let custody = stage.kind.map { CustodyRecord.custodyKinds.contains($0) } ?? false
                inCustody = custody
                holder = stage.holder
                endsOn = custody ? stage.endsOn : nil
                setBy = custody && stage.endsOn != nil ? stage : nil
                inTransfer = false
            case .transferOut:
                inCustody = true
                inTransfer = true
            case .transferIn:
                inCustody = true
                holder = stage.holder
                if let end = stage.endsOn {
                    endsOn = end
                    setBy = stage
                }
                inTransfer = false
            case .periodChange:
                inCustody = true
                if let end = stage.endsOn {
                    endsOn = end
                    setBy = stage
                }
            case .receipt:
                break
            }
        }
        self.inCustody = inCustody
        self.holder = holder
        self.periodEndsOn = inCustody ? endsOn : nil
        self.periodSetBy = inCustody ? setBy : nil
        self.daysLeft = inCustody ? endsOn.flatMap { CalendarDate(iso: $0) }.map { $0.ordinal - today.ordinal } : nil
        self.inTransfer = inTransfer
    }

    /// Groups stages by person (first appearance order) and folds each.
    public static func chains(_ stages: [(personKey: String, name: String, stage: Stage)], today: CalendarDate) -> [CustodyChain] {
        var order: [String] = []
        var byPerson: [String: (name: String, stages: [Stage])] = [:]
        for item in stages {
            if byPerson[item.personKey] == nil {
                order.append(item.personKey)
                byPerson[item.personKey] = (item.name, [])
            }
            byPerson[item.personKey]?.stages.append(item.stage)
        }
        return order.compactMap { key in
            byPerson[key].map { CustodyChain(personKey: key, name: $0.name, stages: $0.stages, today: today) }
        }
    }

    /// The chain as officers read it, Chinese first.
    public func lines(name: (String) -> String) -> [String] {
        var lines: [String] = []
        let now: String
        if self.inCustody {
            let end = self.periodEndsOn.map { " 羁押期限至 custody period ends \($0)" } ?? ""
            let left = self.daysLeft.map { $0 < 0 ? "，已超期 \(-$0) 天 over by \(-$0) days" : "，剩余 \($0) 天 \($0) days left" } ?? ""
            let holder = self.holder.map { " 由 \(name($0)) 负责 held by" } ?? ""
            now = "在押 in custody\(holder)\(end)\(left)\(self.inTransfer ? "（换押中 being transferred）" : "")"
        } else {
            now = "未羁押 not in custody"
        }
        lines.append("  \(self.name): \(now)")
        for stage in self.stages {
            let period = [stage.startsOn, stage.endsOn].compactMap { $0 }.joined(separator: " – ")
            lines.append(
                "      \(stage.at)  \(Self.eventName(stage.event))  \(name(stage.holder))\(stage.kind.map { " \($0)" } ?? "")"
                    + "\(period.isEmpty ? "" : "  \(period)")  (\(stage.messageType) \(stage.packageId))"
            )
        }
        return lines
    }

    public static func eventName(_ event: CustodyRecord.Event) -> String {
        switch event {
        case .measure: "强制措施 measure"
        case .transferOut: "换出 transfer out"
        case .transferIn: "换入 transfer in"
        case .periodChange: "变更羁押期限 period changed"
        case .receipt: "换押回执 receipt"
        }
    }
}
