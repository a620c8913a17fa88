import XietongCore

// MARK: Extensions of receiver limits (issue 20)

extension HubStore {
    /// Moves the open receiver limits that the package's sender holds in its case, where the law lets an approval or
    /// a decision extend them (`TimeLimit.longest`), to the day the package states as `limitExtendedTo`: a
    /// procuratorate that extends its review for prosecution (刑事诉讼法第172条) tells the detention house on a
    /// custody-period notice (人民检察院刑事诉讼规则第152条), a court that extends its trial (第208条, 第243条) tells the
    /// procuratorate and the detention house (规则第617条第3项). Each move is recorded with the old day, the reason and
    /// the package that made it (LimitExtension decides the day).
    static func extendLimits(
        by accepted: Accepted,
        caseCodes: Set<String>,
        at now: String,
        flows: FlowEngine,
        in transaction: any SQLTransaction
    ) async throws {
        let package = accepted.package
        guard let extended = LimitExtension.extendedTo(in: package.body), !caseCodes.isEmpty else { return }
        let codes = caseCodes.sorted()
        let marks = (2...codes.count + 1).map { "$\($0)" }.joined(separator: ", ")
        let rows = try await transaction.execute(
            """
            SELECT * FROM deadlines WHERE state = 'open' AND party = 'receiver' AND responsible_org = $1
            AND seq < \(Self.senderLimitSeq) AND case_code IN (\(marks)) ORDER BY package_key, seq
            """,
            [.text(package.envelope.sender.organisationCode)] + codes.map { .text($0) }
        )
        // Named in every change as the decision that made it.
        let message = flows.rules.catalog.message(flow: package.envelope.flow, type: package.envelope.messageType)?.name
        let by = message.map { LocalizedText(zh: "（\($0.zh)）", en: " (\($0.en))") } ?? LocalizedText(zh: "", en: "")
        for row in rows {
            guard let key = row.string("package_key"), let seq = row.int("seq"), let flow = row.string("flow"),
                let type = row.string("message_type"), let oldDue = row.string("due_on").flatMap(CalendarDate.init(iso:)),
                let start = row.string("starts_on").flatMap(CalendarDate.init(iso:)),
                let limit = flows.rules.catalog.message(flow: flow, type: type)?.receiverLimits.dropFirst(seq).first,
                limit.longest != nil
            else { continue }
            let current = Deadline(startsOn: start, dueOn: oldDue, custody: row.int("custody") == 1, limit: limit)
            guard let moved = LimitExtension.apply(extended, to: current, counter: flows.deadlines) else { continue }
            try await Self.changeDue(
                key: key,
                seq: seq,
                from: oldDue.iso,
                to: moved.deadline,
                reason: LocalizedText(zh: moved.change.reason.zh + by.zh, en: moved.change.reason.en + by.en),
                custody: nil,
                by: package.envelope.packageId,
                at: now,
                in: transaction
            )
            try await transaction.write(
                "UPDATE deadlines SET extended_to = $1 WHERE package_key = $2 AND seq = $3",
                [.text(moved.deadline.dueOn.iso), .text(key), .integer(seq)]
            )
        }
    }
}
