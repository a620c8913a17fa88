/// Every node of every flow of a case (GUI-3, SZ-4): who sent what to whom and when, each hop, each time limit and
/// whether it was met. A case is known by any of its agencies' unified codes: the timeline gathers the flow
/// instances any of whose packages carries the code, as its own or as a related code.
public struct CaseTimeline: Sendable, Codable, Hashable {
    public struct Instance: Sendable, Codable, Hashable {
        public var instanceId: String
        public var flow: String
        public var flowName: LocalizedText
        public var openedAt: String
        public var closedAt: String?
        public var steps: [Step]

        public init(instanceId: String, flow: String, flowName: LocalizedText, openedAt: String, closedAt: String?, steps: [Step]) {
            self.instanceId = instanceId
            self.flow = flow
            self.flowName = flowName
            self.openedAt = openedAt
            self.closedAt = closedAt
            self.steps = steps
        }
    }

    public struct Step: Sendable, Codable, Hashable {
        public var packageId: String
        public var messageType: String
        public var messageName: LocalizedText
        public var caseCode: String
        public var sender: String
        public var receiver: String
        public var at: String
        public var hops: [PackageEvent]
        public var deadlines: [DeadlineView]

        public init(
            packageId: String,
            messageType: String,
            messageName: LocalizedText,
            caseCode: String,
            sender: String,
            receiver: String,
            at: String,
            hops: [PackageEvent],
            deadlines: [DeadlineView]
        ) {
            self.packageId = packageId
            self.messageType = messageType
            self.messageName = messageName
            self.caseCode = caseCode
            self.sender = sender
            self.receiver = receiver
            self.at = at
            self.hops = hops
            self.deadlines = deadlines
        }
    }

    /// A time limit as officers and supervisors read it.
    public struct DeadlineView: Sendable, Codable, Hashable {
        public var responsible: String
        /// `7 days`, `1 months` …
        public var limit: String
        public var basis: String
        public var startsOn: String
        public var dueOn: String
        public var dueAt: String?
        /// The plain count's last day, when holidays moved it.
        public var movedFrom: String?
        public var custody: Bool
        /// `open`, `met`, `overdue` (a duty open after its last day) or `lapsed` (a window for an optional act,
        /// unused).
        public var state: String
        public var metBy: String?
        public var metAt: String?
        /// Why it is or is not a custody limit: who is or is not in custody, by which record (issue 20).
        public var custodyReason: LocalizedText?
        /// True while the count needs a year the holiday calendar does not list (`uncoveredYears`): the last day may
        /// still move.
        public var provisional: Bool
        public var uncoveredYears: [Int]
        /// The due date before its last change, and what changed it.
        public var changedFrom: String?
        public var changeReason: LocalizedText?
        /// For the sender's own limit (issue 20): the message it must send, which meets it.
        public var senderMessage: LocalizedText?
        /// Met, but after its last day (China time).
        public var late: Bool { Deadline.metLate(at: self.metAt, dueOn: self.dueOn) }

        /// How a limit stands on `today` (China time) as a timeline shows it: an open limit past its last day is
        /// `overdue`, or `lapsed` when it was an optional window (a protest, an opinion, 刑事诉讼法第230条) that passed
        /// unused; otherwise as stored (`open`, `met`).
        public static func state(stored: String, dueOn: String, optional: Bool, today: CalendarDate) -> String {
            guard stored == "open", let due = CalendarDate(iso: dueOn), due < today else { return stored }
            return optional ? "lapsed" : "overdue"
        }

        public init(
            responsible: String,
            limit: String,
            basis: String,
            startsOn: String,
            dueOn: String,
            dueAt: String?,
            movedFrom: String?,
            custody: Bool,
            state: String,
            metBy: String?,
            metAt: String?,
            custodyReason: LocalizedText? = nil,
            uncoveredYears: [Int] = [],
            changedFrom: String? = nil,
            changeReason: LocalizedText? = nil,
            senderMessage: LocalizedText? = nil
        ) {
            self.responsible = responsible
            self.limit = limit
            self.basis = basis
            self.startsOn = startsOn
            self.dueOn = dueOn
            self.dueAt = dueAt
            self.movedFrom = movedFrom
            self.custody = custody
            self.state = state
            self.metBy = metBy
            self.metAt = metAt
            self.custodyReason = custodyReason
            self.provisional = !uncoveredYears.isEmpty
            self.uncoveredYears = uncoveredYears
            self.changedFrom = changedFrom
            self.changeReason = changeReason
            self.senderMessage = senderMessage
        }

        /// What officers read after the last day: why it is (not) a custody limit, whether it is provisional, and
        /// what moved it.
        public var notes: String {
            var notes = ""
            if let message = self.senderMessage {
                notes += "（发送方期限：发送“\(message.zh)” the sender's own limit: send '\(message.en)'）"
            }
            if self.late { notes += "（逾期办理 met late）" }
            if self.provisional {
                let years = self.uncoveredYears.map(String.init)
                notes +=
                    "（暂定：未载入 \(years.joined(separator: "、")) 年节假日安排 provisional: no holiday calendar for \(years.joined(separator: ", ")) loaded）"
            }
            if let changed = self.changedFrom {
                notes += "（原期满日 \(changed) was due \(changed)\(self.changeReason.map { "：\($0.zh) / \($0.en)" } ?? "")）"
            }
            return notes
        }
    }

    public var caseCode: String
    /// Every unified code the case's packages carry.
    public var caseCodes: [String]
    public var instances: [Instance]
    /// Each detained person's custody across the case's stages (换押, ZJ-6.1.4).
    public var custody: [CustodyChain]

    public init(caseCode: String, caseCodes: [String], instances: [Instance], custody: [CustodyChain] = []) {
        self.caseCode = caseCode
        self.caseCodes = caseCodes
        self.instances = instances
        self.custody = custody
    }

    /// Whether an organisation sent or received any of the case's packages.
    public func involves(_ organisation: String) -> Bool {
        self.instances.contains { $0.steps.contains { $0.sender == organisation || $0.receiver == organisation } }
    }

    /// The timeline as officers read it, Chinese first.
    public func lines(name: (String) -> String) -> [String] {
        var lines = ["案件 case \(self.caseCode)  统一赋码 unified codes: \(self.caseCodes.joined(separator: ", "))"]
        for instance in self.instances {
            let state = instance.closedAt.map { "已办结 closed \($0)" } ?? "办理中 open"
            lines.append("")
            lines.append("流程 \(instance.flowName.zh) / \(instance.flowName.en)  [\(state)]")
            for step in instance.steps {
                lines.append("  \(step.at)  \(name(step.sender)) → \(name(step.receiver))")
                lines.append("      \(step.messageName.zh) / \(step.messageName.en)  (\(step.packageId))")
                if let last = step.hops.last {
                    lines.append("      状态 status: \(last.hop.name.zh) / \(last.hop.name.en) \(last.at)")
                }
                for deadline in step.deadlines {
                    let state = Self.stateName(deadline.state) + (deadline.metAt.map { " \($0)" } ?? "")
                    let moved = deadline.movedFrom.map { "（遇节假日自 \($0) 顺延 moved from \($0) past holidays）" } ?? ""
                    let custody = deadline.custody ? "（在押，不因节假日延长 in custody: not extended for holidays）" : ""
                    lines.append(
                        "      期限 time limit: \(name(deadline.responsible)) 应于 \(deadline.dueOn) 前办理 must act by \(deadline.dueOn)"
                            + "\(moved)\(custody)\(deadline.notes)  [\(state)]  \(deadline.limit), \(deadline.basis)"
                    )
                    if let reason = deadline.custodyReason {
                        lines.append("          羁押情况 custody: \(reason.zh) / \(reason.en)")
                    }
                }
            }
        }
        if !self.custody.isEmpty {
            lines.append("")
            lines.append("羁押 custody (换押 across stages)")
            for chain in self.custody { lines += chain.lines(name: name) }
        }
        return lines
    }

    /// One line per time limit of the case, Chinese first: who must act by when, and how it stands.
    public func deadlineLines(name: (String) -> String) -> [String] {
        self.instances.flatMap { instance in
            instance.steps.flatMap { step in
                step.deadlines.map { deadline in
                    "\(step.messageName.zh) / \(step.messageName.en): \(name(deadline.responsible)) 应于 \(deadline.dueOn) 前办理 by \(deadline.dueOn)"
                        + (deadline.movedFrom.map { "（自 \($0) 顺延 moved from \($0)）" } ?? "")
                        + (deadline.custody ? "（在押不顺延 in custody, not extended）" : "")
                        + deadline.notes
                        + "  [\(Self.stateName(deadline.state))]  \(deadline.limit)"
                }
            }
        }
    }

    public static func stateName(_ state: String) -> String {
        switch state {
        case "met": "已办理 met"
        case "overdue": "已超期 OVERDUE"
        case "lapsed": "已期满 lapsed"
        default: "待办理 open"
        }
    }
}
