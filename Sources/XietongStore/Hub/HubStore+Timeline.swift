import Foundation
public import XietongCore

// A case's timeline and history, across the agencies' codes (GUI-3, SZ-4).
extension HubStore {
    // MARK: A case's timeline (GUI-3, SZ-4)

    /// Every flow instance of the case known by `caseCode`, with each step's hops and time limits. `today` (China
    /// time) turns open limits past their last day into `overdue`.
    public func timeline(ofCase caseCode: String, today: CalendarDate? = nil) async throws(StoreError) -> CaseTimeline {
        let today = today ?? self.clock.today
        let instances = "SELECT s2.instance_key FROM flow_steps s2 JOIN case_links l ON l.package_key = s2.package_key WHERE l.case_code = $1"
        let steps = try await self.database.execute(
            """
            SELECT s.instance_id, i.flow, i.opened_at, i.closed_at, s.package_id, s.message_type, s.sender_org, s.receiver_org, s.at,
                   p.unified_case_code
            FROM flow_steps s JOIN flow_instances i ON i.instance_id = s.instance_id JOIN packages p ON p.package_key = s.package_key
            WHERE s.instance_key IN (\(instances))
            ORDER BY i.opened_at, i.instance_id, s.at, s.package_id
            """,
            [.text(caseCode)]
        )
        let events = try await self.database.execute(
            """
            SELECT package_id, hop, at, organisation, detail, findings FROM package_events
            WHERE package_key IN (SELECT package_key FROM flow_steps WHERE instance_key IN (\(instances)))
            """,
            [.text(caseCode)]
        )
        let deadlines = try await self.database.execute(
            "SELECT * FROM deadlines WHERE instance_key IN (\(instances)) ORDER BY package_id, seq",
            [.text(caseCode)]
        )
        var hops: [String: [PackageEvent]] = [:]
        for event in events.compactMap(StoreRows.event) { hops[event.packageId, default: []].append(event) }
        let catalog = self.flows.rules.catalog
        var limits: [String: [CaseTimeline.DeadlineView]] = [:]
        for record in deadlines.map(Self.deadline) {
            limits[record.packageId, default: []].append(
                CaseTimeline.DeadlineView(
                    responsible: record.responsible,
                    limit: record.limit,
                    basis: record.basis,
                    startsOn: record.startsOn,
                    dueOn: record.dueOn,
                    dueAt: record.dueAt,
                    movedFrom: record.movedFrom,
                    custody: record.custody,
                    state: CaseTimeline.DeadlineView.state(stored: record.state, dueOn: record.dueOn, optional: record.optional, today: today),
                    metBy: record.metBy,
                    metAt: record.metAt,
                    custodyReason: record.custodyReason,
                    uncoveredYears: record.uncoveredYears,
                    changedFrom: record.changedFrom,
                    changeReason: record.changeReason,
                    senderMessage: record.party == "sender"
                        ? catalog.message(flow: record.flow, type: record.messageType)?.name
                            ?? LocalizedText(zh: record.messageType, en: record.messageType)
                        : nil
                )
            )
        }
        var result: [CaseTimeline.Instance] = []
        var codes: Set<String> = [caseCode]
        for row in steps {
            guard let instanceId = row.string("instance_id"), let packageId = row.string("package_id") else { continue }
            let flow = row.string("flow") ?? ""
            if result.last?.instanceId != instanceId {
                result.append(
                    CaseTimeline.Instance(
                        instanceId: instanceId,
                        flow: flow,
                        flowName: catalog.flow(flow)?.name ?? LocalizedText(zh: flow, en: flow),
                        openedAt: row.string("opened_at") ?? "",
                        closedAt: row.string("closed_at"),
                        steps: []
                    )
                )
            }
            let type = row.string("message_type") ?? ""
            let code = row.string("unified_case_code") ?? ""
            codes.insert(code)
            result[result.count - 1].steps.append(
                CaseTimeline.Step(
                    packageId: packageId,
                    messageType: type,
                    messageName: catalog.message(flow: flow, type: type)?.name ?? LocalizedText(zh: type, en: type),
                    caseCode: code,
                    sender: row.string("sender_org") ?? "",
                    receiver: row.string("receiver_org") ?? "",
                    at: row.string("at") ?? "",
                    hops: (hops[packageId] ?? []).sorted(by: PackageEvent.journeyOrder),
                    deadlines: limits[packageId] ?? []
                )
            )
        }
        let custody = try await self.custodyChains(ofCase: caseCode, today: today)
        return CaseTimeline(caseCode: caseCode, caseCodes: codes.sorted(), instances: result, custody: custody)
    }

    // MARK: A case's history

    /// One package of a case, with its hops.
    public struct CasePackageHistory: Sendable, Codable, Hashable {
        public var packageId: String
        public var sender: String
        public var receiver: String
        public var flow: String
        public var messageType: String
        public var receivedAt: String
        public var events: [PackageEvent]
    }

    /// Every package of a case in the order the hub received them, each with its hops in journey order (GZ-5): the
    /// data of the case's tracking and timeline. One indexed query.
    public func history(ofCase caseCode: String) async throws(StoreError) -> [CasePackageHistory] {
        let rows = try await self.database.execute(
            """
            SELECT p.package_id, p.sender_org, p.receiver_org, p.flow, p.message_type, p.received_at,
                   e.hop, e.at, e.organisation, e.detail, e.findings
            FROM packages p JOIN package_events e ON e.package_key = p.package_key
            WHERE p.unified_case_code = $1
            ORDER BY p.received_at, p.package_id
            """,
            [.text(caseCode)]
        )
        var history: [CasePackageHistory] = []
        for row in rows {
            guard let packageId = row.string("package_id") else { continue }
            if history.last?.packageId != packageId {
                history.append(
                    CasePackageHistory(
                        packageId: packageId,
                        sender: row.string("sender_org") ?? "",
                        receiver: row.string("receiver_org") ?? "",
                        flow: row.string("flow") ?? "",
                        messageType: row.string("message_type") ?? "",
                        receivedAt: row.string("received_at") ?? "",
                        events: []
                    )
                )
            }
            if let event = StoreRows.event(row) { history[history.count - 1].events.append(event) }
        }
        for index in history.indices { history[index].events.sort(by: PackageEvent.journeyOrder) }
        return history
    }
}
