import XietongCore

/// Sequences in a relational database. One statement increments and returns the counter, so concurrent callers
/// never see the same number; the statement is plain SQL that SQLite and PostgreSQL both run.
public struct SQLCodeSequenceStore: CodeSequenceStore {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    static let nextSQL = """
        INSERT INTO code_sequences (organisation_code, day, last_value) VALUES ($1, $2, 1)
        ON CONFLICT (organisation_code, day) DO UPDATE SET last_value = code_sequences.last_value + 1
        RETURNING last_value
        """

    public func nextSequence(organisationCode: String, day: String) async throws(StoreError) -> Int {
        let rows = try await self.database.execute(Self.nextSQL, [.text(organisationCode), .text(day)])
        guard let value = rows.first?.int("last_value") else {
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

    public func reserve(organisationCode: String, day: String, upTo value: Int) async throws(StoreError) {
        try await self.database.execute(
            """
            INSERT INTO code_sequences (organisation_code, day, last_value) VALUES ($1, $2, $3)
            ON CONFLICT (organisation_code, day) DO UPDATE SET last_value =
                CASE WHEN code_sequences.last_value < $3 THEN $3 ELSE code_sequences.last_value END
            """,
            [.text(organisationCode), .text(day), .integer(value)]
        )
    }
}
