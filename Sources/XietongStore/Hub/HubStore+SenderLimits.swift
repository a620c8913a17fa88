import Foundation
import XietongCore

// MARK: Sender limits (issue 20)

extension HubStore {
    /// A sender limit of a later message of this package's flow whose start this package states: its sender must
    /// send `message` within `limit` (for example a court that states the day its judgment took effect must hand the
    /// offender over for execution within 10 days, 刑事诉讼法第264条).
    struct SenderLimitAhead {
        var message: MessageType
        var limit: TimeLimit
    }

    /// The rows of sender limits: the message's own from 500, those opened ahead from 600, after the receiver
    /// limits' seq and before the detention periods' 1000.
    static let senderLimitSeq = 500
    static let senderLimitAheadSeq = 600

    /// The sender limits of the other messages of the package's flow its sender may send, counting from a start the
    /// package states.
    static func senderLimitsAhead(of package: CasePackage, flows: FlowEngine) -> [SenderLimitAhead] {
        let envelope = package.envelope
        guard let flow = flows.rules.catalog.flow(envelope.flow) else { return [] }
        let senderKinds = flows.rules.kindsByOrganisation[envelope.sender.organisationCode] ?? []
        return flow.messages.filter { $0.id != envelope.messageType && !senderKinds.isDisjoint(with: $0.from) }.flatMap { message in
            message.senderLimits.filter { SenderLimit.startDate(of: $0, in: package.body) != nil }.map {
                SenderLimitAhead(message: message, limit: $0)
            }
        }
    }

    /// Meets or counts the sender limits of this message, and opens those of later messages whose start it states.
    /// A limit opened ahead is met here, by the same sender's message of that type in the same case; one not opened
    /// is counted now, from the start the package states, and judged against the hub's receipt: met on time or late.
    static func countSenderLimits(
        of accepted: Accepted,
        message: MessageType,
        ahead: [SenderLimitAhead],
        key: String,
        instance: (id: String, key: String),
        at receipt: Date,
        judgement: CustodyJudgement,
        flows: FlowEngine,
        in transaction: any SQLTransaction
    ) async throws {
        let package = accepted.package
        let envelope = package.envelope
        let now = Timestamp.string(receipt)
        let sender = envelope.sender.organisationCode
        // A peer hub counts the limits of the agencies it serves (issue 23).
        guard flows.counts(limitsOf: sender) else { return }
        let senderKinds = flows.rules.kindsByOrganisation[sender] ?? []
        let measures = package.body.coerciveMeasures.map(\.kind)
        func applies(_ limit: TimeLimit) -> Bool {
            limit.applies(receiverKinds: senderKinds, measures: measures, custody: judgement.custody, procedure: package.body.caseInfo.procedure)
        }
        if !message.senderLimits.isEmpty {
            let opened = try await transaction.execute(
                """
                UPDATE deadlines SET state = 'met', met_by = $1, met_at = $2
                WHERE party = 'sender' AND case_code = $3 AND responsible_org = $4 AND message_type = $5 AND state = 'open'
                RETURNING seq
                """,
                [.text(envelope.packageId), .text(now), .text(accepted.unifiedCaseCode), .text(sender), .text(envelope.messageType)]
            )
            if opened.isEmpty {
                for (index, limit) in message.senderLimits.enumerated() where applies(limit) {
                    guard let count = SenderLimit.count(limit, for: package.body, counter: flows.deadlines, custody: judgement.custody) else {
                        continue
                    }
                    try await Self.insertLimit(
                        count.deadline,
                        seq: Self.senderLimitSeq + index,
                        message: envelope.messageType,
                        responsible: sender,
                        metByTypes: [envelope.messageType],
                        party: "sender",
                        met: (envelope.packageId, now),
                        change: count.change,
                        of: accepted,
                        key: key,
                        instance: instance,
                        judgement: judgement,
                        in: transaction
                    )
                }
            }
        }
        for (index, next) in ahead.enumerated() where applies(next.limit) {
            // Once per case, sender and message: a later package stating the same start opens nothing more.
            let known = try await transaction.execute(
                "SELECT 1 AS n FROM deadlines WHERE party = 'sender' AND case_code = $1 AND responsible_org = $2 AND message_type = $3 LIMIT 1",
                [.text(accepted.unifiedCaseCode), .text(sender), .text(next.message.id)]
            )
            guard known.isEmpty,
                let count = SenderLimit.count(next.limit, for: package.body, counter: flows.deadlines, custody: judgement.custody)
            else { continue }
            try await Self.insertLimit(
                count.deadline,
                seq: Self.senderLimitAheadSeq + index,
                message: next.message.id,
                responsible: sender,
                metByTypes: [next.message.id],
                party: "sender",
                change: count.change,
                of: accepted,
                key: key,
                instance: instance,
                judgement: judgement,
                in: transaction
            )
        }
    }
}
