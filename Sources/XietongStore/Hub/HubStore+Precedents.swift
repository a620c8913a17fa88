import Foundation
public import XietongCore

// Similar cases and sentencing reference (issue 26, SZ-6, GS-6): every accepted judgment that carries sentences
// (standard 1.3) is kept as a precedent, in the acceptance's transaction (hub migration 23); a case's precedents are
// read by its charges through the index of charges pooled search keeps (`package_charges`). How they rank is Core's
// (`SimilarCases`).
extension HubStore {
    /// Keeps the package as a precedent when it is a court's message with sentences (a judgment) of a case with a code.
    static func recordPrecedent(
        _ package: CasePackage,
        key: String,
        caseCode: String?,
        catalog: FlowCatalog,
        in transaction: any SQLTransaction
    ) async throws {
        let message = catalog.message(flow: package.envelope.flow, type: package.envelope.messageType)
        guard message?.from == [.court], let precedent = SimilarCases.Precedent(judgment: package, caseCode: caseCode) else { return }
        try await transaction.write(
            "INSERT INTO precedents (package_key, case_code, decided_on, precedent) VALUES ($1, $2, $3, $4)",
            [
                .text(key), .text(precedent.caseCode), .text(precedent.decidedOn),
                .text(String(decoding: try JSONEncoder().encode(precedent), as: UTF8.self)),
            ]
        )
    }

    /// The earlier judgments similar to the case `caseCode`, ranked (`SimilarCases.rank`); nil when no package of the
    /// case names a charge. The case is read from its latest package that names charges, under any of its agencies'
    /// codes (`case_links`: a package's own code and the related ones it states).
    public func similarCases(of caseCode: String, limit: Int = SimilarCases.defaultLimit) async throws(StoreError) -> SimilarCases.Reference? {
        let latest = try await self.database.execute(
            """
            SELECT c.content FROM case_links l JOIN package_contents c ON c.package_key = l.package_key
            WHERE l.case_code = $1 AND EXISTS (SELECT 1 FROM package_charges g WHERE g.package_key = l.package_key)
            ORDER BY l.package_key DESC LIMIT 1
            """,
            [.text(caseCode)]
        )
        guard let bytes = latest.first?.bytes("content"), let root = try? XMLDocumentParser.parse(bytes) else { return nil }
        let body = CasePackage(validated: root).body
        let profile = SimilarCases.Profile(of: body)
        guard !profile.charges.isEmpty else { return nil }
        let (candidates, truncated) = try await self.precedents(sharing: profile.charges)
        // The case's own codes: every code of every package linked to the one asked (each package's own code and the
        // related ones it states), so that none of its own judgments, under any court's code, is its precedent.
        let own = try await self.database.execute(
            "SELECT DISTINCT case_code FROM case_links WHERE package_key IN (SELECT package_key FROM case_links WHERE case_code = $1)",
            [.text(caseCode)]
        ).compactMap { $0.string("case_code") }
        return SimilarCases.rank(
            caseCode: caseCode,
            profile: profile,
            candidates: candidates,
            excluding: Set(own + body.caseInfo.relatedCaseCodes),
            truncated: truncated,
            limit: limit
        )
    }

    /// The latest precedents (at most `SimilarCases.candidateLimit`) with one of `charges` (the first
    /// `SimilarCases.maximumCharges` of them); `truncated` when more exist. The precedents are read newest first, each
    /// looked up in the charges' index, so a common charge does not read every package that names it.
    public func precedents(sharing charges: [String]) async throws(StoreError) -> (candidates: [SimilarCases.Precedent], truncated: Bool) {
        let charges = Array(charges.prefix(SimilarCases.maximumCharges))
        guard !charges.isEmpty else { return ([], false) }
        let names = charges.indices.map { "$\($0 + 2)" }.joined(separator: ", ")
        let rows = try await self.database.execute(
            """
            SELECT p.precedent FROM precedents p
            WHERE EXISTS (SELECT 1 FROM package_charges g WHERE g.package_key = p.package_key AND g.name IN (\(names)))
            ORDER BY p.package_key DESC LIMIT $1
            """,
            [.integer(SimilarCases.candidateLimit + 1)] + charges.map { .text($0) }
        )
        let decoder = JSONDecoder()
        // A row this version cannot read (written by a later one) is left out rather than failing the whole answer.
        let precedents = rows.prefix(SimilarCases.candidateLimit).compactMap { row in
            row.string("precedent").flatMap { try? decoder.decode(SimilarCases.Precedent.self, from: Data($0.utf8)) }
        }
        return (precedents, rows.count > SimilarCases.candidateLimit)
    }
}
