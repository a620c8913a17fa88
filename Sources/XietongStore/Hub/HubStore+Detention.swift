import Foundation
import XietongCore

// Investigation detention periods as time limits of their own (CPL 第156–160条, issue 20): each arrested person's
// period is a limit in `deadlines`, counted, reminded, shown on the deadline board, the custody watch and the
// timeline like the others; an approved extension or a recount moves its last day (with the reason), and a release
// or the hand-over to the next stage ends it. One left open past its last day is over-detention (超期羁押).
extension HubStore {
    /// The position of detention-period limits among a package's limits (its catalog limits come first).
    static let detentionSeq = 1000

    /// Brings the detention periods of `keys` (persons whose custody the package at `key` just recorded) up to date.
    static func trackDetention(
        of keys: [String],
        package: CasePackage,
        key: String,
        instance: (id: String, key: String),
        caseCode: String,
        at now: String,
        today: CalendarDate,
        flows: FlowEngine,
        in transaction: any SQLTransaction
    ) async throws {
        guard !keys.isEmpty else { return }
        let catalog = flows.rules.catalog
        // The whole history: a period's extensions count from its start, however many packages came since.
        for chain in try await Self.custodyChains(of: keys, today: today, newest: nil, in: transaction) {
            let effect: (CustodyChain.Stage) -> MessageType.DetentionEffect? = { catalog.message(flow: $0.flow, type: $0.messageType)?.detention }
            guard let period = DetentionPeriod.latest(chain.stages, effect: effect) else { continue }
            let existing = try await transaction.execute(
                """
                SELECT d.*, p.starts_on AS period_start FROM detention_periods p JOIN deadlines d ON d.package_key = p.package_key AND d.seq = p.seq
                WHERE p.person_key = $1
                """,
                [.text(chain.personKey)]
            ).first
            if let row = existing, row.string("period_start") == period.startsOn.iso || row.string("state") == "open" {
                try await Self.update(
                    row,
                    to: period,
                    person: chain.personKey,
                    name: chain.name,
                    by: package.envelope.packageId,
                    at: now,
                    in: transaction
                )
                continue
            }
            // A period not yet tracked (or a new one after the last ended): a limit of this package.
            guard period.state == .running else { continue }
            let taken =
                try await transaction.execute(
                    "SELECT COUNT(*) AS n FROM deadlines WHERE package_key = $1 AND seq >= $2",
                    [.text(key), .integer(Self.detentionSeq)]
                ).first?.int("n") ?? 0
            let seq = Self.detentionSeq + taken
            let envelope = package.envelope
            let kinds = flows.rules.kindsByOrganisation
            // The investigating organ answers for the period: the police among the package's parties.
            let responsible =
                [period.holder, envelope.receiver.organisationCode, envelope.sender.organisationCode].first { kinds[$0]?.contains(.police) == true }
                ?? period.holder
            guard flows.counts(limitsOf: responsible) else { continue }
            let reason = CustodyJudgement.judge(persons: [(chain.personKey, chain.name)], chains: [chain]).reason
            try await transaction.write(
                """
                INSERT INTO deadlines (package_id, seq, instance_id, case_code, flow, message_type, responsible_org, starts_on, due_on,
                    due_at, moved_from, custody, limit_value, limit_unit, basis, met_by_types, optional, state, package_key, instance_key,
                    custody_reason, custody_reason_en, uncovered_years)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, 1, 2, 'months', $10, '|detentionPeriod|', 0, 'open', $11, $12, $13, $14, NULL)
                """,
                [
                    .text(envelope.packageId), .integer(seq), .text(instance.id), .text(caseCode), .text(envelope.flow), .text(envelope.messageType),
                    .text(responsible), .text(period.startsOn.iso), .text(period.endsOn.iso), .text("\(period.basis)：\(chain.name)"),
                    .text(key), .text(instance.key), .text(reason.zh), .text(reason.en),
                ]
            )
            try await transaction.write(
                "INSERT INTO deadline_persons (package_key, person_key, name) VALUES ($1, $2, $3) ON CONFLICT (package_key, person_key) DO NOTHING",
                [.text(key), .text(chain.personKey), .text(chain.name)]
            )
            try await transaction.write(
                """
                INSERT INTO detention_periods (person_key, package_key, seq, starts_on) VALUES ($1, $2, $3, $4)
                ON CONFLICT (person_key) DO UPDATE SET package_key = $2, seq = $3, starts_on = $4
                """,
                [.text(chain.personKey), .text(key), .integer(seq), .text(period.startsOn.iso)]
            )
        }
    }

    /// Moves a tracked period's limit to where the period now ends, or closes it once the period ended.
    static func update(
        _ row: SQLRow,
        to period: DetentionPeriod,
        person: String,
        name: String,
        by packageId: String,
        at now: String,
        in transaction: any SQLTransaction
    )
        async throws
    {
        guard let key = row.string("package_key"), let seq = row.int("seq"), let oldDue = row.string("due_on") else { return }
        if row.string("state") == "open", period.state != .running {
            try await transaction.write(
                "UPDATE deadlines SET state = 'met', met_by = $1, met_at = $2 WHERE package_key = $3 AND seq = $4",
                [.text(period.endedBy ?? packageId), .text(now), .text(key), .integer(seq)]
            )
            return
        }
        let basis = "\(period.basis)：\(name)"
        if row.string("starts_on") != period.startsOn.iso || row.string("basis") != basis {
            try await transaction.write(
                "UPDATE deadlines SET starts_on = $1, basis = $2 WHERE package_key = $3 AND seq = $4",
                [.text(period.startsOn.iso), .text(basis), .text(key), .integer(seq)]
            )
            try await transaction.write(
                "UPDATE detention_periods SET starts_on = $1 WHERE person_key = $2",
                [.text(period.startsOn.iso), .text(person)]
            )
        }
        guard oldDue != period.endsOn.iso, let change = period.changes.last else { return }
        let limit = TimeLimit(party: .receiver, value: 2, unit: .months, basis: period.basis)
        let deadline = Deadline(startsOn: period.startsOn, dueOn: period.endsOn, custody: true, limit: limit)
        try await Self.changeDue(
            key: key,
            seq: seq,
            from: oldDue,
            to: deadline,
            reason: change.reason,
            custody: nil,
            by: change.packageId,
            at: now,
            in: transaction
        )
    }
}
