import Foundation
public import XietongCore

/// The committee's view across all cases (GS-3, GS-6, SZ-4): the deadline board, each agency's red counters, and the
/// statistics. Read-only queries over the hub's tables.
extension HubStore {
    /// Open time limits, filtered, soonest first. `dueSoon` means a last day from today to `dueSoonDays` ahead.
    public func deadlineBoard(
        _ filter: Supervision.Filter,
        organisation: String? = nil,
        flow: String? = nil,
        today: CalendarDate? = nil,
        dueSoonDays: Int = 2,
        limit: Int = 1000
    ) async throws(StoreError) -> [DeadlineRecord] {
        let today = today ?? self.clock.today
        var sql = "SELECT * FROM deadlines WHERE state = 'open'"
        var binds: [SQLValue] = []
        switch filter {
        case .open: break
        case .dueSoon:
            binds += [.text(today.iso), .text(today.adding(days: dueSoonDays).iso)]
            sql += " AND due_on >= $1 AND due_on <= $2"
        case .overdue:
            binds.append(.text(today.iso))
            sql += " AND due_on < $1 AND optional = 0"
        }
        if let organisation {
            binds.append(.text(organisation))
            sql += " AND responsible_org = $\(binds.count)"
        }
        if let flow {
            binds.append(.text(flow))
            sql += " AND flow = $\(binds.count)"
        }
        binds.append(.integer(limit))
        sql += " ORDER BY due_on, package_id, seq LIMIT $\(binds.count)"
        return try await self.database.execute(sql, binds).map(Self.deadline)
    }

    /// The red numbers per agency and business (flow): unread, due soon, overdue. With `organisation`, only its own.
    public func counters(
        organisation: String? = nil,
        today: CalendarDate? = nil,
        dueSoonDays: Int = 2
    ) async throws(StoreError) -> [Supervision.Counter] {
        let today = today ?? self.clock.today
        let unread = try await self.database.execute(
            """
            SELECT receiver_org AS organisation, flow, COUNT(*) AS n FROM packages p
            WHERE NOT EXISTS (SELECT 1 FROM package_events e WHERE e.package_key = p.package_key AND e.hop IN ('signedFor', 'returned'))
            GROUP BY receiver_org, flow
            """,
            []
        )
        let soon = try await self.database.execute(
            """
            SELECT responsible_org AS organisation, flow, COUNT(*) AS n FROM deadlines
            WHERE state = 'open' AND due_on >= $1 AND due_on <= $2 GROUP BY responsible_org, flow
            """,
            [.text(today.iso), .text(today.adding(days: dueSoonDays).iso)]
        )
        let overdue = try await self.database.execute(
            """
            SELECT responsible_org AS organisation, flow, COUNT(*) AS n FROM deadlines
            WHERE state = 'open' AND optional = 0 AND due_on < $1 GROUP BY responsible_org, flow
            """,
            [.text(today.iso)]
        )
        var counters: [String: Supervision.Counter] = [:]
        func add(_ rows: [SQLRow], _ field: WritableKeyPath<Supervision.Counter, Int>) {
            for row in rows {
                guard let org = row.string("organisation"), let flow = row.string("flow"), organisation == nil || organisation == org else {
                    continue
                }
                counters["\(org) \(flow)", default: Supervision.Counter(organisation: org, flow: flow)][keyPath: field] += row.int("n") ?? 0
            }
        }
        add(unread, \.unread)
        add(soon, \.dueSoon)
        add(overdue, \.overdue)
        return counters.values.sorted { ($0.organisation, $0.flow) < ($1.organisation, $1.flow) }
    }

    /// Statistics for the China days from `from` (included) to `to` (excluded), GS-6 and SZ-7.
    public func statistics(from: CalendarDate, to: CalendarDate, today: CalendarDate? = nil) async throws(StoreError) -> Supervision.Statistics {
        let today = today ?? self.clock.today
        // Instants are stored in UTC; the period's bounds are China midnights.
        let start = Self.utcString(ofChinaMidnight: from)
        let end = Self.utcString(ofChinaMidnight: to)
        let volume = try await self.database.execute(
            """
            SELECT substr(received_at, 1, 7) AS period, flow, sender_org, COUNT(*) AS n FROM packages
            WHERE received_at >= $1 AND received_at < $2 GROUP BY substr(received_at, 1, 7), flow, sender_org
            ORDER BY period, flow, sender_org
            """,
            [.text(start), .text(end)]
        ).map {
            Supervision.VolumeRow(
                period: $0.string("period") ?? "",
                flow: $0.string("flow") ?? "",
                organisation: $0.string("sender_org") ?? "",
                packages: $0.int("n") ?? 0
            )
        }
        let answers = try await self.database.execute(
            """
            SELECT p.flow, p.message_type, p.received_at, MIN(a.received_at) AS answered_at
            FROM packages p JOIN packages a ON a.in_reply_to = p.package_id
            WHERE p.received_at >= $1 AND p.received_at < $2
            GROUP BY p.package_id, p.flow, p.message_type, p.received_at
            """,
            [.text(start), .text(end)]
        )
        var hours: [String: (flow: String, type: String, values: [Double])] = [:]
        for row in answers {
            guard let flow = row.string("flow"), let type = row.string("message_type"),
                let asked = row.string("received_at").flatMap(Timestamp.date), let answered = row.string("answered_at").flatMap(Timestamp.date)
            else { continue }
            hours["\(flow) \(type)", default: (flow, type, [])].values.append(answered.timeIntervalSince(asked) / 3600)
        }
        let handling = hours.values.map {
            Supervision.HandlingRow(flow: $0.flow, messageType: $0.type, answered: $0.values.count, medianHours: Supervision.median($0.values))
        }.sorted { ($0.flow, $0.messageType) < ($1.flow, $1.messageType) }
        let duties = try await self.database.execute(
            "SELECT due_on, state, met_at FROM deadlines WHERE optional = 0 AND due_on >= $1 AND due_on < $2",
            [.text(from.iso), .text(to.iso)]
        )
        var due = 0
        var late = 0
        for row in duties {
            guard let dueOn = row.string("due_on").flatMap(CalendarDate.init(iso:)) else { continue }
            if row.string("state") == "met" {
                due += 1
                if Deadline.metLate(at: row.string("met_at"), dueOn: dueOn.iso) { late += 1 }
            } else if dueOn < today {
                due += 1
                late += 1
            }
        }
        let flows = try await self.database.execute(
            """
            SELECT COUNT(*) AS opened, SUM(CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END) AS closed
            FROM flow_instances WHERE opened_at >= $1 AND opened_at < $2
            """,
            [.text(start), .text(end)]
        ).first
        return Supervision.Statistics(
            from: from.iso,
            to: to.iso,
            volume: volume,
            handling: handling,
            dutiesDue: due,
            dutiesOverdue: late,
            flowsOpened: flows?.int("opened") ?? 0,
            flowsClosedOnline: flows?.int("closed") ?? 0
        )
    }

    /// The UTC instant, as stored, of 00:00 China Standard Time on `day`.
    static func utcString(ofChinaMidnight day: CalendarDate) -> String {
        Timestamp.string(Date(timeIntervalSince1970: Double(day.ordinal) * 86400 - 8 * 3600))
    }
}

extension HubStore {

    /// Open time limits of stages during which persons are in custody, soonest first, with the persons concerned:
    /// the risk of over-long detention shows before it happens (issue 5). `within` days ahead; overdue ones always.
    public func custodyWatch(today: CalendarDate? = nil, within days: Int = 7) async throws(StoreError) -> [Supervision.CustodyWatch] {
        let today = today ?? self.clock.today
        let rows = try await self.database.execute(
            """
            SELECT d.package_id, d.case_code, d.flow, d.message_type, d.responsible_org, d.due_on, d.limit_value, d.limit_unit, d.basis
            FROM deadlines d WHERE d.state = 'open' AND d.custody = 1 AND d.due_on <= $1
            ORDER BY d.due_on, d.package_id, d.seq LIMIT 1000
            """,
            [.text(today.adding(days: days).iso)]
        )
        var watch: [Supervision.CustodyWatch] = []
        for row in rows {
            guard let packageId = row.string("package_id"), let dueOn = row.string("due_on"), let due = CalendarDate(iso: dueOn) else { continue }
            let persons = try await self.database.execute(
                """
                SELECT name FROM package_persons
                WHERE package_key = \(HubSchema.packageKey) AND role IN ('suspect', 'defendant', 'offender')
                ORDER BY person_id
                """,
                [.text(packageId)]
            ).compactMap { $0.string("name") }
            watch.append(
                Supervision.CustodyWatch(
                    caseCode: row.string("case_code") ?? "",
                    flow: row.string("flow") ?? "",
                    messageType: row.string("message_type") ?? "",
                    packageId: packageId,
                    responsible: row.string("responsible_org") ?? "",
                    persons: persons,
                    dueOn: dueOn,
                    daysLeft: due.ordinal - today.ordinal,
                    limit: "\(row.int("limit_value") ?? 0) \(row.string("limit_unit") ?? "")",
                    basis: row.string("basis") ?? ""
                )
            )
        }
        for chain in try await self.custodyPeriodsRunningOut(today: today, within: days) {
            guard let stage = chain.periodSetBy, let dueOn = chain.periodEndsOn, let left = chain.daysLeft else { continue }
            watch.append(
                Supervision.CustodyWatch(
                    caseCode: stage.caseCode,
                    flow: stage.flow,
                    messageType: stage.messageType,
                    packageId: stage.packageId,
                    responsible: chain.holder ?? stage.holder,
                    persons: [chain.name],
                    dueOn: dueOn,
                    daysLeft: left,
                    limit: "羁押期限 custody period",
                    basis: "\(CustodyChain.eventName(stage.event)) \(stage.kind ?? "")",
                    source: "custodyPeriod"
                )
            )
        }
        return watch.sorted { ($0.dueOn, $0.packageId) < ($1.dueOn, $1.packageId) }
    }
}

extension HubStore {
    /// The supervisors' read-only list of every case's flows, filtered by state, agency (a party to it) and flow;
    /// the soonest open limit first (SZ-4, GS-3).
    public func cases(
        _ filter: Supervision.CaseFilter,
        organisation: String? = nil,
        flow: String? = nil,
        today: CalendarDate? = nil,
        dueSoonDays: Int = 2,
        limit: Int = 1000
    ) async throws(StoreError) -> [Supervision.CaseRow] {
        let today = today ?? self.clock.today
        var binds: [SQLValue] = [.text(today.iso), .text(today.adding(days: dueSoonDays).iso)]
        var conditions: [String] = []
        if filter != .all { conditions.append("i.closed_at IS NULL") }
        if let organisation {
            binds.append(.text(organisation))
            conditions.append(
                "i.instance_id IN (SELECT instance_id FROM flow_steps WHERE sender_org = $\(binds.count) OR receiver_org = $\(binds.count))"
            )
        }
        if let flow {
            binds.append(.text(flow))
            conditions.append("i.flow = $\(binds.count)")
        }
        let rows = try await self.database.execute(
            """
            SELECT i.instance_id, i.case_code, i.flow, i.opened_at, i.closed_at, MIN(d.due_on) AS next_due,
                   SUM(CASE WHEN d.optional = 0 AND d.due_on < $1 THEN 1 ELSE 0 END) AS overdue,
                   SUM(CASE WHEN d.due_on >= $1 AND d.due_on <= $2 THEN 1 ELSE 0 END) AS due_soon
            FROM flow_instances i LEFT JOIN deadlines d ON d.instance_key = i.instance_key AND d.state = 'open'
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            GROUP BY i.instance_id, i.case_code, i.flow, i.opened_at, i.closed_at
            """,
            binds
        )
        let all = rows.map {
            Supervision.CaseRow(
                instanceId: $0.string("instance_id") ?? "",
                caseCode: $0.string("case_code") ?? "",
                flow: $0.string("flow") ?? "",
                openedAt: $0.string("opened_at") ?? "",
                closedAt: $0.string("closed_at"),
                nextDue: $0.string("next_due"),
                dueSoon: $0.int("due_soon") ?? 0,
                overdue: $0.int("overdue") ?? 0
            )
        }
        let chosen = all.filter {
            switch filter {
            case .all, .open: true
            case .dueSoon: $0.dueSoon > 0
            case .overdue: $0.overdue > 0
            }
        }
        return Array(chosen.sorted { ($0.nextDue ?? "9999", $0.openedAt) < ($1.nextDue ?? "9999", $1.openedAt) }.prefix(limit))
    }
}

extension HubStore {
    /// Packages accepted per day (China time) from `from` to `to`, every day listed, in total and per sending agency
    /// and per flow (GS-6: volume over time).
    public func dailyVolume(
        from: CalendarDate,
        to: CalendarDate
    ) async throws(StoreError) -> (days: [String], total: [Int], byAgency: [String: [Int]], byFlow: [String: [Int]]) {
        let rows = try await self.database.execute(
            "SELECT received_at, sender_org, flow FROM packages WHERE received_at >= $1",
            [.text(from.adding(days: -1).iso)]
        )
        let count = max(0, to.ordinal - from.ordinal + 1)
        var total = [Int](repeating: 0, count: count)
        var byAgency: [String: [Int]] = [:]
        var byFlow: [String: [Int]] = [:]
        for row in rows {
            guard let text = row.string("received_at"), let date = Timestamp.date(text) else { continue }
            let index = CalendarDate(chinaDayOf: date).ordinal - from.ordinal
            guard (0..<count).contains(index) else { continue }
            total[index] += 1
            byAgency[row.string("sender_org") ?? "", default: [Int](repeating: 0, count: count)][index] += 1
            byFlow[row.string("flow") ?? "", default: [Int](repeating: 0, count: count)][index] += 1
        }
        let days = (0..<count).map { from.adding(days: $0).iso }
        return (days, total, byAgency, byFlow)
    }
}
