import Foundation
public import XietongCore

// How the hub judges and re-judges the time limits it started (issue 20): whether a limit is one of a person in
// custody comes from the persons' custody at the hub (CPL 第105条第4款), and is judged again when that changes; a
// limit whose count needed a year the holiday calendar does not list is provisional until the calendar lists it.
extension HubStore {
    /// The suspects, defendants and offenders a package names, once each, in its order.
    static func detainees(of package: CasePackage) -> [(key: String, name: String)] {
        var seen = Set<String>()
        return package.body.persons.filter { CustodyRecord.detaineeRoles.contains($0.role) }.compactMap { person in
            let key = CustodyRecord.personKey(person)
            return seen.insert(key).inserted ? (key, person.name) : nil
        }
    }

    /// How many of a person's newest custody records judging their custody reads.
    static let custodyHistory = 200

    /// The custody chains of these persons from their newest records (`newest` each, at most; nil for all), folded for
    /// `today`.
    static func custodyChains(
        of keys: [String],
        today: CalendarDate,
        newest: Int? = Self.custodyHistory,
        in transaction: any SQLTransaction
    ) async throws -> [CustodyChain] {
        guard !keys.isEmpty else { return [] }
        let marks = (1...keys.count).map { "$\($0)" }.joined(separator: ", ")
        // The newest records only (where a person stands depends on them, not on every package ever sent about
        // them): a person named in thousands of packages costs no more than one named in a few.
        let rows = try await transaction.execute(
            """
            SELECT * FROM (
                SELECT c.*, p.unified_case_code, p.flow, p.message_type,
                    ROW_NUMBER() OVER (PARTITION BY c.person_key ORDER BY c.recorded_at DESC, c.package_id DESC, c.seq DESC) AS recency
                FROM custody_records c JOIN packages p ON p.package_id = c.package_id WHERE c.person_key IN (\(marks))
            ) AS recent WHERE recency <= \(newest ?? Int(Int32.max)) ORDER BY recorded_at, package_id, seq
            """,
            keys.map { .text($0) }
        )
        return CustodyChain.chains(rows.compactMap(Self.custodyStage), today: today)
    }

    /// Judges again the open limits in days or months of other packages that concern `keys`, whose custody a package
    /// just changed, while they run (a limit whose last day has passed keeps how it was judged; detention periods are
    /// `trackDetention`'s, a sender's own limit is judged as the package that states its start says, SenderLimit, and
    /// the day an approved extension gave stands, extendLimits): a limit whose persons are no longer in custody is
    /// extended past holidays again, one whose person
    /// is now in custody is not; each change of a due date is recorded with its reason and the package.
    static func rejudgeCustody(
        of keys: [String],
        except packageKey: String,
        by packageId: String,
        at now: String,
        today: CalendarDate,
        counter: DeadlineCounter,
        in transaction: any SQLTransaction
    ) async throws {
        guard !keys.isEmpty else { return }
        let marks = (2...keys.count + 1).map { "$\($0)" }.joined(separator: ", ")
        let rows = try await transaction.execute(
            """
            SELECT * FROM deadlines WHERE state = 'open' AND limit_unit IN ('days', 'months') AND package_key <> $1
            AND seq < \(Self.detentionSeq) AND party = 'receiver' AND extended_to IS NULL AND due_on >= $\(keys.count + 2)
            AND package_key IN (SELECT package_key FROM deadline_persons WHERE person_key IN (\(marks)))
            ORDER BY package_key, seq
            """,
            [.text(packageKey)] + keys.map { .text($0) } + [.text(today.iso)]
        )
        for row in rows {
            guard let key = row.string("package_key"), let seq = row.int("seq"), let start = row.string("starts_on").flatMap(CalendarDate.init(iso:)),
                let unit = row.string("limit_unit").flatMap(TimeLimit.Unit.init(rawValue:)), let oldDue = row.string("due_on")
            else { continue }
            let persons = try await transaction.execute(
                "SELECT person_key, name FROM deadline_persons WHERE package_key = $1 ORDER BY person_key",
                [.text(key)]
            ).compactMap { person in person.string("person_key").map { (key: $0, name: person.string("name") ?? "") } }
            let judgement = CustodyJudgement.judge(
                persons: persons,
                chains: try await Self.custodyChains(of: persons.map(\.key), today: today, in: transaction)
            )
            let wasCustody = row.int("custody") == 1
            guard judgement.custody != wasCustody else {
                guard row.string("custody_reason") != judgement.reason.zh else { continue }
                try await transaction.write(
                    "UPDATE deadlines SET custody_reason = $1, custody_reason_en = $2 WHERE package_key = $3 AND seq = $4",
                    [.text(judgement.reason.zh), .text(judgement.reason.en), .text(key), .integer(seq)]
                )
                continue
            }
            let limit = TimeLimit(party: .receiver, value: row.int("limit_value") ?? 0, unit: unit, basis: row.string("basis") ?? "")
            let deadline = counter.count(limit, startingOn: start, custody: judgement.custody)
            let reason =
                judgement.custody
                ? LocalizedText(
                    zh: "转为在押，不因节假日延长（刑事诉讼法第105条第4款）：\(judgement.reason.zh)",
                    en: "now in custody, not extended for holidays (CPL 105(4)): \(judgement.reason.en)"
                )
                : LocalizedText(
                    zh: "已不在押，期满日遇节假日顺延：\(judgement.reason.zh)",
                    en: "no longer in custody, a last day on a holiday moves: \(judgement.reason.en)"
                )
            try await Self.changeDue(
                key: key,
                seq: seq,
                from: oldDue,
                to: deadline,
                reason: reason,
                custody: judgement,
                by: packageId,
                at: now,
                in: transaction
            )
        }
    }

    /// Sets a limit's due date as counted again, records the change when the day moved, and what the limit now says.
    static func changeDue(
        key: String,
        seq: Int,
        from oldDue: String,
        to deadline: Deadline,
        reason: LocalizedText,
        custody: CustodyJudgement?,
        by packageId: String?,
        at now: String,
        in transaction: any SQLTransaction
    ) async throws {
        let moved = deadline.dueOn.iso != oldDue
        var sets = "due_on = $1, moved_from = $2, uncovered_years = $3"
        var binds: [SQLValue] = [.text(deadline.dueOn.iso), .optional(deadline.movedFrom?.iso), .optional(Self.years(deadline.uncoveredYears))]
        if moved {
            binds += [.text(oldDue), .text(reason.zh), .text(reason.en)]
            sets += ", changed_from = $4, change_reason = $5, change_reason_en = $6"
        }
        if let custody {
            binds += [.integer(custody.custody ? 1 : 0), .text(custody.reason.zh), .text(custody.reason.en)]
            sets += ", custody = $\(binds.count - 2), custody_reason = $\(binds.count - 1), custody_reason_en = $\(binds.count)"
        }
        binds += [.text(key), .integer(seq)]
        try await transaction.write("UPDATE deadlines SET \(sets) WHERE package_key = $\(binds.count - 1) AND seq = $\(binds.count)", binds)
        guard moved else { return }
        try await transaction.write(
            """
            INSERT INTO deadline_changes (package_key, seq, at, old_due_on, new_due_on, reason, reason_en, by_package)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .text(key), .integer(seq), .text(now), .text(oldDue), .text(deadline.dueOn.iso), .text(reason.zh), .text(reason.en),
                .optional(packageId),
            ]
        )
    }

    /// Writes a time limit a package started: the receiver's, or the sender's own (`party`), open or already met,
    /// with the change an approval made to its last day (issue 20).
    static func insertLimit(
        _ deadline: Deadline,
        seq: Int,
        message: String,
        responsible: String,
        metByTypes: [String]?,
        party: String = "receiver",
        met: (by: String, at: String)? = nil,
        change: SenderLimit.Change? = nil,
        of accepted: Accepted,
        key: String,
        instance: (id: String, key: String),
        judgement: CustodyJudgement,
        in transaction: any SQLTransaction
    ) async throws {
        let envelope = accepted.package.envelope
        let limit = deadline.limit
        try await transaction.write(
            """
            INSERT INTO deadlines (package_id, seq, instance_id, case_code, flow, message_type, responsible_org, starts_on, due_on,
                due_at, moved_from, custody, limit_value, limit_unit, basis, met_by_types, optional, state, met_by, met_at, package_key,
                instance_key, custody_reason, custody_reason_en, uncovered_years, changed_from, change_reason, change_reason_en, party)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,
                $26, $27, $28, $29)
            ON CONFLICT (package_key, seq) DO NOTHING
            """,
            [
                .text(envelope.packageId), .integer(seq), .text(instance.id), .text(accepted.unifiedCaseCode), .text(envelope.flow),
                .text(message), .text(responsible), .text(deadline.startsOn.iso), .text(deadline.dueOn.iso), .optional(deadline.dueAt),
                .optional(deadline.movedFrom?.iso), .integer(deadline.custody ? 1 : 0), .integer(limit.value), .text(limit.unit.rawValue),
                .text(limit.basis), .optional(metByTypes.map { "|" + $0.joined(separator: "|") + "|" }), .integer(limit.optional ? 1 : 0),
                .text(met == nil ? "open" : "met"), .optional(met?.by), .optional(met?.at), .text(key), .text(instance.key),
                .text(judgement.reason.zh), .text(judgement.reason.en), .optional(Self.years(deadline.uncoveredYears)),
                .optional(change?.from.iso), .optional(change?.reason.zh), .optional(change?.reason.en), .text(party),
            ]
        )
    }

    /// `2027,2028`; nil for none.
    static func years(_ years: [Int]) -> String? { years.isEmpty ? nil : years.map(String.init).joined(separator: ",") }

    /// Counts again the open limits whose last day was provisional, with the calendar now loaded: once it lists their
    /// years they are final, and a day a holiday moves is recorded as a change. Returns how many were counted again.
    @discardableResult
    public func recountProvisional() async throws -> Int {
        let counter = self.flows.deadlines
        let now = Timestamp.string(self.clock.now())
        // Only the groups of limits whose years the calendar now lists, found from the distinct year sets (a short,
        // indexed read): the calendar changes when the hub restarts, so most checks find none and write nothing.
        let sets = try await self.database.execute(
            "SELECT DISTINCT uncovered_years FROM deadlines WHERE state = 'open' AND uncovered_years IS NOT NULL",
            []
        ).compactMap { $0.string("uncovered_years") }
        // '?': a limit started before hub migration 14, not yet checked against the calendar's years.
        let listed = sets.filter { set in set == "?" || Self.uncoveredYears(set).contains(where: counter.calendar.covers) }
        guard !listed.isEmpty else { return 0 }
        let marks = (1...listed.count).map { "$\($0)" }.joined(separator: ", ")
        return try await self.database.transaction { transaction in
            let rows = try await transaction.execute(
                "SELECT * FROM deadlines WHERE state = 'open' AND uncovered_years IN (\(marks)) ORDER BY package_key, seq",
                listed.map { .text($0) }
            )
            var recounted = 0
            for row in rows {
                guard let key = row.string("package_key"), let seq = row.int("seq"),
                    let start = row.string("starts_on").flatMap(CalendarDate.init(iso:)),
                    let unit = row.string("limit_unit").flatMap(TimeLimit.Unit.init(rawValue:)), let oldDue = row.string("due_on")
                else { continue }
                let limit = TimeLimit(party: .receiver, value: row.int("limit_value") ?? 0, unit: unit, basis: row.string("basis") ?? "")
                let deadline = counter.count(limit, startingOn: start, custody: row.int("custody") == 1)
                guard Self.years(deadline.uncoveredYears) != row.string("uncovered_years") else { continue }
                let listed = Self.uncoveredYears(row.string("uncovered_years")).filter { !deadline.uncoveredYears.contains($0) }.map(String.init)
                let reason =
                    listed.isEmpty
                    ? LocalizedText(zh: "按已载入的节假日安排重新计算期满日", en: "the last day counted again with the holiday calendar loaded")
                    : LocalizedText(
                        zh: "已载入 \(listed.joined(separator: "、")) 年节假日安排，期满日按其计算",
                        en: "the holiday calendar of \(listed.joined(separator: ", ")) is loaded; the last day is counted by it"
                    )
                // Another hub instance may have counted it again first: only the one that changes the row records it.
                let claimed = try await transaction.execute(
                    "UPDATE deadlines SET uncovered_years = NULL WHERE package_key = $1 AND seq = $2 AND uncovered_years = $3 RETURNING seq",
                    [.text(key), .integer(seq), .text(row.string("uncovered_years") ?? "")]
                )
                guard !claimed.isEmpty else { continue }
                try await Self.changeDue(
                    key: key,
                    seq: seq,
                    from: oldDue,
                    to: deadline,
                    reason: reason,
                    custody: nil,
                    by: nil,
                    at: now,
                    in: transaction
                )
                recounted += 1
            }
            return recounted
        }
    }

    /// The years open limits need and the loaded calendar does not list, with how many limits need each.
    public func provisionalYears() async throws(StoreError) -> [(year: Int, limits: Int)] {
        let rows = try await self.database.execute(
            "SELECT uncovered_years, COUNT(*) AS n FROM deadlines WHERE state = 'open' AND uncovered_years IS NOT NULL GROUP BY uncovered_years",
            []
        )
        var byYear: [Int: Int] = [:]
        for row in rows {
            for year in Self.uncoveredYears(row.string("uncovered_years")) {
                byYear[year, default: 0] += row.int("n") ?? 0
            }
        }
        return byYear.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The changes of a limit's due date after it started, oldest first.
    public func deadlineChanges(of packageId: String, seq: Int) async throws(StoreError) -> [DeadlineChange] {
        try await self.database.execute(
            "SELECT * FROM deadline_changes WHERE package_key = \(HubSchema.packageKey) AND seq = $2 ORDER BY at",
            [.text(packageId), .integer(seq)]
        ).map { row in
            DeadlineChange(
                at: row.string("at") ?? "",
                oldDueOn: row.string("old_due_on") ?? "",
                newDueOn: row.string("new_due_on") ?? "",
                reason: LocalizedText(zh: row.string("reason") ?? "", en: row.string("reason_en") ?? ""),
                byPackage: row.string("by_package")
            )
        }
    }
}

/// A change of a limit's due date after it started (issue 20): a change of custody, a calendar loaded, an extension.
public struct DeadlineChange: Sendable, Hashable, Codable {
    public var at: String
    public var oldDueOn: String
    public var newDueOn: String
    public var reason: LocalizedText
    /// The package that changed it, if one did.
    public var byPackage: String?
}
