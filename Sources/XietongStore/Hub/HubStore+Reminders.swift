import Foundation
public import XietongCore

// Reminders of time limits to the agencies that must act (GS-3), once per limit and point.
extension HubStore {
    /// Sends the reminders due on `today` (GS-3): for each open time limit, one at each point of `daysBefore` (for
    /// example `[2, 0]`: two days before and on the last day) and one the day after an open duty's last day; each
    /// goes into the responsible organisation's feed once. Returns those sent.
    public func sendReminders(today: CalendarDate? = nil, daysBefore: [Int] = [2, 0]) async throws -> [DeadlineReminder] {
        let today = today ?? self.clock.today
        let catalog = self.flows.rules.catalog
        // A detention period is also reminded 7 days before it ends: the police's last day to apply for an
        // extension (公安规定第148–150条; 规则第309条).
        let lookahead = today.adding(days: max(daysBefore.max() ?? 0, DetentionPeriod.applicationDays))
        let candidates = try await self.database.execute(
            "SELECT * FROM deadlines WHERE state = 'open' AND due_on <= $1 ORDER BY due_on LIMIT 10000",
            [.text(lookahead.iso)]
        )
        var due: [(record: DeadlineRecord, seq: Int, point: DeadlineReminder.Point, daysLeft: Int)] = []
        for row in candidates {
            let record = Self.deadline(row)
            guard let dueOn = CalendarDate(iso: record.dueOn) else { continue }
            let daysLeft = dueOn.ordinal - today.ordinal
            let seq = row.int("seq") ?? 0
            let points = seq >= Self.detentionSeq ? daysBefore + [DetentionPeriod.applicationDays] : daysBefore
            let point: DeadlineReminder.Point
            if daysLeft < 0 {
                guard !record.optional else { continue }
                point = .overdue
            } else if daysLeft == 0 && points.contains(0) {
                point = .dueToday
            } else if points.contains(where: { $0 > 0 && daysLeft <= $0 }) {
                point = .dueSoon
            } else {
                continue
            }
            due.append((record, seq, point, daysLeft))
        }
        guard !due.isEmpty else { return [] }
        let now = self.clock.timestamp()
        let reminders = due
        return try await self.database.transaction { transaction in
            let feed = FeedWriter(clock: self.clock, boot: self.boot, federation: self.flows.federation)
            var sent: [DeadlineReminder] = []
            for item in reminders {
                let inserted = try await transaction.execute(
                    """
                    INSERT INTO deadline_reminders (package_id, seq, point, sent_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (package_id, seq, point) DO NOTHING RETURNING package_id
                    """,
                    [.text(item.record.packageId), .integer(item.seq), .text(item.point.rawValue), .text(now)]
                )
                guard !inserted.isEmpty else { continue }
                let name =
                    item.seq >= Self.detentionSeq
                    ? LocalizedText(
                        zh: "侦查羁押期限（届满七日前提请延长）",
                        en: "investigation detention period (apply for an extension 7 days before it ends)"
                    )
                    : catalog.message(flow: item.record.flow, type: item.record.messageType)?.name
                let reminder = DeadlineReminder(
                    packageId: item.record.packageId,
                    seq: item.seq,
                    caseCode: item.record.caseCode,
                    flow: item.record.flow,
                    messageType: item.record.messageType,
                    messageName: name ?? LocalizedText(zh: item.record.messageType, en: item.record.messageType),
                    responsible: item.record.responsible,
                    dueOn: item.record.dueOn,
                    point: item.point,
                    daysLeft: item.daysLeft,
                    limit: item.record.limit,
                    basis: item.record.basis,
                    sentAt: now,
                    provisional: item.record.provisional
                )
                feed.append(.reminder(reminder), packageId: item.record.packageId, to: item.record.responsible)
                sent.append(reminder)
            }
            try await feed.flush(in: transaction)
            return sent
        }
    }

    /// Reminders sent, newest first, with the limit they concern, for supervisors (GS-3).
    public func remindersSent(limit: Int = 200) async throws(StoreError) -> [(point: String, sentAt: String, deadline: DeadlineRecord)] {
        try await self.database.execute(
            """
            SELECT r.point, r.sent_at, d.* FROM deadline_reminders r
            JOIN deadlines d ON d.package_key = \(HubSchema.packageKey(of: "r.package_id")) AND d.seq = r.seq
            ORDER BY r.sent_at DESC, d.package_id LIMIT $1
            """,
            [.integer(limit)]
        ).map { ($0.string("point") ?? "", $0.string("sent_at") ?? "", Self.deadline($0)) }
    }
}

extension HubStore {
}
