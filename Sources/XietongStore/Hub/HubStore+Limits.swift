import Foundation
public import XietongCore

// The time limits a package starts, and reading them back (issue 5, issue 20).
extension HubStore {
    /// The receiver's statutory time limits this message starts (issue 5), counted from the hub's receipt, and the
    /// sender limits it meets or states the start of (issue 20).
    static func startDeadlines(
        of accepted: Accepted,
        key: String,
        instance: (id: String, key: String),
        at receipt: Date,
        flows: FlowEngine,
        in transaction: any SQLTransaction
    ) async throws {
        let envelope = accepted.package.envelope
        guard let message = flows.rules.catalog.message(flow: envelope.flow, type: envelope.messageType) else { return }
        let ahead = Self.senderLimitsAhead(of: accepted.package, flows: flows)
        guard !message.limits.isEmpty || !ahead.isEmpty else { return }
        // In custody or not as the hub knows the persons (their chains include this package's records).
        let persons = Self.detainees(of: accepted.package)
        for person in persons {
            try await transaction.write(
                "INSERT INTO deadline_persons (package_key, person_key, name) VALUES ($1, $2, $3) ON CONFLICT (package_key, person_key) DO NOTHING",
                [.text(key), .text(person.key), .text(person.name)]
            )
        }
        let judgement = CustodyJudgement.judge(
            persons: persons,
            chains: try await Self.custodyChains(of: persons.map(\.key), today: CalendarDate(chinaDayOf: receipt), in: transaction)
        )
        let custody = judgement.custody
        // Only the limits that bind this receiver, for what this package carries and its persons' custody (issue 20).
        let receiverKinds = flows.rules.kindsByOrganisation[envelope.receiver.organisationCode] ?? []
        let measures = accepted.package.body.coerciveMeasures.map(\.kind)
        let limits = message.receiverLimits.enumerated().filter {
            $0.element.applies(
                receiverKinds: receiverKinds,
                measures: measures,
                custody: custody,
                procedure: accepted.package.body.caseInfo.procedure
            )
        }
        // A receiver a peer hub serves has its limits counted there, and is reminded by it (issue 23).
        for (seq, limit) in limits where flows.counts(limitsOf: envelope.receiver.organisationCode) {
            try await Self.insertLimit(
                flows.deadlines.count(limit, from: receipt, custody: custody),
                seq: seq,
                message: envelope.messageType,
                responsible: envelope.receiver.organisationCode,
                metByTypes: limit.metBy,
                of: accepted,
                key: key,
                instance: instance,
                judgement: judgement,
                in: transaction
            )
        }
        try await Self.countSenderLimits(
            of: accepted,
            message: message,
            ahead: ahead,
            key: key,
            instance: instance,
            at: receipt,
            judgement: judgement,
            flows: flows,
            in: transaction
        )
    }

    // MARK: Deadlines (issue 5)

    /// A statutory time limit a message started: who must act, by when, and whether they did.
    public struct DeadlineRecord: Sendable, Codable, Hashable {
        public var packageId: String
        public var instanceId: String
        public var caseCode: String
        public var flow: String
        public var messageType: String
        public var responsible: String
        public var startsOn: String
        public var dueOn: String
        public var dueAt: String?
        public var movedFrom: String?
        public var custody: Bool
        public var limit: String
        public var basis: String
        /// A window for an optional act: it lapses rather than falls overdue.
        public var optional: Bool
        /// `open` or `met`.
        public var state: String
        /// `receiver`, or `sender` for the sender's own limit, met by the message `messageType` (issue 20).
        public var party: String
        public var metBy: String?
        public var metAt: String?
        /// Why the limit is or is not counted as one of a person in custody (issue 20).
        public var custodyReason: LocalizedText?
        /// The years its count needed and the holiday calendar does not list: the last day is provisional until it
        /// lists them.
        public var uncoveredYears: [Int]
        public var provisional: Bool
        /// The due date before its last change, and what changed it.
        public var changedFrom: String?
        public var changeReason: LocalizedText?
    }

    /// The time limits a package started.
    public func deadlines(of packageId: String) async throws(StoreError) -> [DeadlineRecord] {
        try await self.database.execute("SELECT * FROM deadlines WHERE package_key = \(HubSchema.packageKey) ORDER BY seq", [.text(packageId)])
            .map(Self.deadline)
    }

    static func deadline(_ row: SQLRow) -> DeadlineRecord {
        let years = Self.uncoveredYears(row.string("uncovered_years"))
        return DeadlineRecord(
            packageId: row.string("package_id") ?? "",
            instanceId: row.string("instance_id") ?? "",
            caseCode: row.string("case_code") ?? "",
            flow: row.string("flow") ?? "",
            messageType: row.string("message_type") ?? "",
            responsible: row.string("responsible_org") ?? "",
            startsOn: row.string("starts_on") ?? "",
            dueOn: row.string("due_on") ?? "",
            dueAt: row.string("due_at"),
            movedFrom: row.string("moved_from"),
            custody: row.int("custody") == 1,
            limit: "\(row.int("limit_value") ?? 0) \(row.string("limit_unit") ?? "")",
            basis: row.string("basis") ?? "",
            optional: row.int("optional") == 1,
            state: row.string("state") ?? "",
            party: row.string("party") ?? "receiver",
            metBy: row.string("met_by"),
            metAt: row.string("met_at"),
            custodyReason: row.string("custody_reason").map { LocalizedText(zh: $0, en: row.string("custody_reason_en") ?? $0) },
            uncoveredYears: years,
            provisional: !years.isEmpty,
            changedFrom: row.string("changed_from"),
            changeReason: row.string("change_reason").map { LocalizedText(zh: $0, en: row.string("change_reason_en") ?? $0) }
        )
    }

    /// The years of an `uncovered_years` column (`2027,2028`; '?' for a limit not yet checked lists none).
    static func uncoveredYears(_ text: String?) -> [Int] {
        (text ?? "").split(separator: ",").compactMap { Int($0) }
    }
}
