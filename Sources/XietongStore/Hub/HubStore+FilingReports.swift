import Foundation
public import XietongCore

// Case filing reports to the committee (issue 26, GUI-2): filed once by the reporter's own id, listed with counts by
// kind and status, acknowledged once by a supervisor. Whether a report may be filed is Core's
// (`FilingReportDraft.checked`).
extension HubStore {
    /// A report id already filed by another organisation.
    public struct ReportIdTaken: Error, Sendable {}

    /// Files a checked report from `reporter`: the report as filed, and whether it is new (a resend returns the first).
    public func fileReport(_ draft: FilingReportDraft, reporter: String, kind: FilingReportKinds.Kind?) async throws -> (FilingReport, created: Bool)
    {
        let now = self.clock.now()
        let (dueOn, late) = FilingReport.due(kind: kind, eventDate: draft.eventDate, reportedOn: CalendarDate(chinaDayOf: now))
        let encoded = String(decoding: try JSONEncoder().encode(draft), as: UTF8.self)
        let inserted = try await self.database.execute(
            """
            INSERT INTO filing_reports (report_id, reporter, kind, case_code, reported_at, due_on, late, status, draft)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (report_id) DO NOTHING RETURNING report_id
            """,
            [
                .text(draft.reportId), .text(reporter), .text(draft.kind), .text(draft.caseCode), .text(Timestamp.string(now)), .optional(dueOn),
                .integer(late ? 1 : 0), .text(FilingReport.Status.received.rawValue), .text(encoded),
            ]
        )
        guard let report = try await self.filingReport(draft.reportId) else { throw ReportIdTaken() }
        guard report.reporter == reporter else { throw ReportIdTaken() }
        return (report, !inserted.isEmpty)
    }

    public func filingReport(_ reportId: String) async throws -> FilingReport? {
        try await self.database.execute("SELECT * FROM filing_reports WHERE report_id = $1", [.text(reportId)]).first.map(Self.filingReport)
    }

    /// Reports newest first, narrowed by status, kind and reporter.
    public func filingReports(
        status: FilingReport.Status? = nil,
        kind: String? = nil,
        reporter: String? = nil,
        limit: Int = 500
    ) async throws
        -> [FilingReport]
    {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        for (column, value) in [("status", status?.rawValue), ("kind", kind), ("reporter", reporter)] {
            guard let value else { continue }
            binds.append(.text(value))
            conditions.append("\(column) = $\(binds.count)")
        }
        binds.append(.integer(limit))
        return try await self.database.execute(
            """
            SELECT * FROM filing_reports \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY reported_at DESC, report_id LIMIT $\(binds.count)
            """,
            binds
        ).map(Self.filingReport)
    }

    /// How many reports of each kind are in each status, and how many were late.
    public func filingReportCounts() async throws -> [(kind: String, status: FilingReport.Status, count: Int, late: Int)] {
        try await self.database.execute(
            "SELECT kind, status, COUNT(*) AS n, SUM(late) AS late FROM filing_reports GROUP BY kind, status ORDER BY kind, status",
            []
        ).compactMap { row in
            guard let kind = row.string("kind"), let status = row.string("status").flatMap(FilingReport.Status.init(rawValue:)) else { return nil }
            return (kind, status, row.int("n") ?? 0, row.int("late") ?? 0)
        }
    }

    /// Marks a received report as read by `supervisor`, with an optional note; nil when there is no such report. A
    /// report acknowledged already keeps its first acknowledgement.
    public func acknowledgeReport(_ reportId: String, by supervisor: String, note: String?) async throws -> FilingReport? {
        try await self.database.execute(
            """
            UPDATE filing_reports SET status = $2, acknowledged_by = $3, acknowledged_at = $4, note = $5
            WHERE report_id = $1 AND status = $6
            """,
            [
                .text(reportId), .text(FilingReport.Status.acknowledged.rawValue), .text(supervisor), .text(self.clock.timestamp()), .optional(note),
                .text(FilingReport.Status.received.rawValue),
            ]
        )
        return try await self.filingReport(reportId)
    }

    static func filingReport(_ row: SQLRow) throws -> FilingReport {
        let draft = try JSONDecoder().decode(FilingReportDraft.self, from: Data((row.string("draft") ?? "").utf8))
        return FilingReport(
            draft: draft,
            reporter: row.string("reporter") ?? "",
            reportedAt: row.string("reported_at") ?? "",
            status: row.string("status").flatMap(FilingReport.Status.init(rawValue:)) ?? .received,
            acknowledgedBy: row.string("acknowledged_by"),
            acknowledgedAt: row.string("acknowledged_at"),
            note: row.string("note"),
            dueOn: row.string("due_on"),
            late: (row.int("late") ?? 0) != 0
        )
    }
}
