import Foundation
public import XietongCore

// Custody across stages (换押, ZJ-6.1.4) and batch custody exchange with a receipt per person (SZ-2).
extension HubStore {
    /// Records what an accepted package says of its persons' custody and, for a per-person receipt, which persons of
    /// its exchange it receipts. The receipts' primary key refuses a second receipt for a person committed
    /// concurrently through another hub instance (the transaction fails and the package is submitted again).
    /// Returns the persons whose custody the package recorded something about.
    @discardableResult
    static func recordCustody(
        of package: CasePackage,
        instanceId: String,
        at now: String,
        flows: FlowEngine,
        in transaction: any SQLTransaction
    ) async throws -> [String] {
        let envelope = package.envelope
        let message = flows.rules.catalog.message(flow: envelope.flow, type: envelope.messageType)
        let records = CustodyRecord.records(of: package, message: message)
        for (seq, record) in records.enumerated() {
            try await transaction.write(
                """
                INSERT INTO custody_records (package_id, seq, person_key, name, event, kind, holder_org, starts_on, ends_on,
                    custody_org, recorded_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (package_id, seq) DO NOTHING
                """,
                [
                    .text(envelope.packageId), .integer(seq), .text(record.personKey), .text(record.name), .text(record.event.rawValue),
                    .optional(record.kind), .text(record.holder), .optional(record.startsOn), .optional(record.endsOn),
                    .optional(record.custodyOrganisation), .text(now),
                ]
            )
        }
        let changed = Array(Set(records.filter { $0.event != .receipt }.map(\.personKey))).sorted()
        guard message?.perPerson == true else { return changed }
        for record in records where record.event == .receipt {
            try await transaction.write(
                "INSERT INTO custody_receipts (instance_id, person_key, package_id, at) VALUES ($1, $2, $3, $4)",
                [.text(instanceId), .text(record.personKey), .text(envelope.packageId), .text(now)]
            )
        }
        return changed
    }

    /// The persons of the exchange opened by `instanceId` (the detained persons of its opening package) and those
    /// receipted so far.
    static func custodyBatch(of instanceId: String, in transaction: any SQLTransaction) async throws -> CustodyBatch {
        let persons = try await transaction.execute(
            "SELECT role, name, id_card_number, birth_date FROM package_persons WHERE package_key = \(HubSchema.packageKey) ORDER BY person_id",
            [.text(instanceId)]
        )
        var batch: [String: String] = [:]
        for row in persons where CustodyRecord.detaineeRoles.contains(row.string("role") ?? "") {
            let name = row.string("name") ?? ""
            batch[CustodyRecord.personKey(idCardNumber: row.string("id_card_number"), name: name, birthDate: row.string("birth_date"))] = name
        }
        let receipted = try await transaction.execute("SELECT person_key FROM custody_receipts WHERE instance_id = $1", [.text(instanceId)])
        return CustodyBatch(persons: batch, receipted: Set(receipted.compactMap { $0.string("person_key") }))
    }

    /// Each detained person's custody chain across the stages of the case known by `caseCode` (any of its agencies'
    /// codes), folded for `today`.
    public func custodyChains(ofCase caseCode: String, today: CalendarDate? = nil) async throws(StoreError) -> [CustodyChain] {
        let today = today ?? self.clock.today
        let rows = try await self.database.execute(
            """
            SELECT c.*, p.unified_case_code, p.flow, p.message_type FROM custody_records c JOIN packages p ON p.package_id = c.package_id
            WHERE c.person_key IN (
                SELECT c2.person_key FROM custody_records c2 JOIN case_links l ON l.package_id = c2.package_id WHERE l.case_code = $1
            )
            ORDER BY c.recorded_at, c.package_id, c.seq
            """,
            [.text(caseCode)]
        )
        return CustodyChain.chains(rows.compactMap(Self.custodyStage), today: today)
    }

    /// Persons in custody whose declared period ends within `days` of `today` or has ended with no renewal, transfer
    /// or release recorded, soonest first.
    func custodyPeriodsRunningOut(today: CalendarDate, within days: Int) async throws(StoreError) -> [CustodyChain] {
        let rows = try await self.database.execute(
            """
            SELECT c.*, p.unified_case_code, p.flow, p.message_type FROM custody_records c JOIN packages p ON p.package_id = c.package_id
            WHERE c.person_key IN (SELECT person_key FROM custody_records WHERE ends_on IS NOT NULL AND ends_on <= $1)
            ORDER BY c.recorded_at, c.package_id, c.seq
            """,
            [.text(today.adding(days: days).iso)]
        )
        return CustodyChain.chains(rows.compactMap(Self.custodyStage), today: today)
            .filter { chain in chain.daysLeft.map { $0 <= days } ?? false }
            .sorted { ($0.daysLeft ?? 0, $0.name) < ($1.daysLeft ?? 0, $1.name) }
    }

    static func custodyStage(_ row: SQLRow) -> (personKey: String, name: String, stage: CustodyChain.Stage)? {
        guard let key = row.string("person_key"), let event = row.string("event").flatMap(CustodyRecord.Event.init(rawValue:)),
            let packageId = row.string("package_id")
        else { return nil }
        let name = row.string("name") ?? ""
        let record = CustodyRecord(
            personKey: key,
            name: name,
            event: event,
            kind: row.string("kind"),
            holder: row.string("holder_org") ?? "",
            startsOn: row.string("starts_on"),
            endsOn: row.string("ends_on"),
            custodyOrganisation: row.string("custody_org")
        )
        let stage = CustodyChain.Stage(
            record,
            packageId: packageId,
            caseCode: row.string("unified_case_code") ?? "",
            flow: row.string("flow") ?? "",
            messageType: row.string("message_type") ?? "",
            at: row.string("recorded_at") ?? ""
        )
        return (key, name, stage)
    }
}
