import Foundation
public import XietongCore

// Online file reading (issue 26, GUI-2; node migration 13): the grants a node's organisation made, with the SHA-256 of
// each access code. Whether a grant holds is Core's (`ReadingGrant.open`).
extension NodeStore {
    public func addGrant(_ grant: ReadingGrant, codeSHA256: String) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO reading_grants (grant_id, package_id, code_sha256, grant_json, granted_at) VALUES ($1, $2, $3, $4, $5)",
            [.text(grant.grantId), .text(grant.packageId), .text(codeSHA256), .text(StoreRows.json(grant)), .text(grant.grantedAt)]
        )
    }

    /// A grant and its access code's SHA-256.
    public func grant(_ grantId: String) async throws(StoreError) -> (grant: ReadingGrant, codeSHA256: String)? {
        guard
            let row = try await self.database.execute("SELECT grant_json, code_sha256 FROM reading_grants WHERE grant_id = $1", [.text(grantId)])
                .first,
            let grant = StoreRows.decode(ReadingGrant.self, row.string("grant_json"))
        else { return nil }
        return (grant, row.string("code_sha256") ?? "")
    }

    /// Every grant, newest first.
    public func grants(limit: Int = 500) async throws(StoreError) -> [ReadingGrant] {
        try await self.database.execute("SELECT grant_json FROM reading_grants ORDER BY granted_at DESC LIMIT $1", [.integer(limit)])
            .compactMap { StoreRows.decode(ReadingGrant.self, $0.string("grant_json")) }
    }

    /// Revokes a grant (once: a revoked grant keeps its first time); the grant as it then stands, nil when unknown.
    public func revokeGrant(_ grantId: String, at: String) async throws(StoreError) -> ReadingGrant? {
        guard var grant = try await self.grant(grantId)?.grant else { return nil }
        guard grant.revokedAt == nil else { return grant }
        grant.revokedAt = at
        try await self.database.execute(
            "UPDATE reading_grants SET grant_json = $2 WHERE grant_id = $1",
            [.text(grantId), .text(StoreRows.json(grant))]
        )
        return grant
    }
}
