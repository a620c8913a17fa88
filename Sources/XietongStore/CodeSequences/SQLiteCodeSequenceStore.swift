import SQLiteNIO
import XietongCore

/// Sequences in the embedded database. One statement increments and returns the counter, so concurrent callers
/// never see the same number; the statement is plain SQL that PostgreSQL runs too.
public struct SQLiteCodeSequenceStore: CodeSequenceStore {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let nextSQL = """
        INSERT INTO code_sequences (organisation_code, day, last_value) VALUES ($1, $2, 1)
        ON CONFLICT (organisation_code, day) DO UPDATE SET last_value = code_sequences.last_value + 1
        RETURNING last_value
        """

    public func nextSequence(organisationCode: String, day: String) async throws(StoreError) -> Int {
        let rows: [SQLiteRow]
        do {
            rows = try await self.database.connection.query(Self.nextSQL, [.text(organisationCode), .text(day)])
        } catch {
            throw StoreError(.query, zh: "分配统一赋码序列号失败", en: "allocating a unified-code sequence number failed", underlying: error)
        }
        guard let value = rows.first?.column("last_value")?.integer else {
            throw StoreError(.query, zh: "分配统一赋码序列号失败", en: "allocating a unified-code sequence number returned no value")
        }
        guard value <= UnifiedCaseCode.maxSequence else {
            throw StoreError(
                .exhausted,
                zh: "机构 \(organisationCode) 在 \(day) 的统一赋码序列号已用尽",
                en: "the unified-code sequence of \(organisationCode) for \(day) is exhausted"
            )
        }
        return value
    }
}
