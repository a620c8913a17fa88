import Foundation
import NIOHTTP1

// Similar cases and sentencing reference through a node (issue 26, SZ-6, GS-6): what a business system calls for the
// earlier judgments most like a case its organisation took part in.
extension NodeAPIClient {
    /// `GET /api/v1/cases/{code}/similar`: the similar cases (`SimilarCases.Reference` as JSON), at most `limit`.
    public func similarCases(ofCase code: String, limit: Int? = nil) async throws -> Reply {
        let path = code.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? code
        return try await self.request(.GET, "/api/v1/cases/\(path)/similar" + (limit.map { "?limit=\($0)" } ?? ""))
    }
}
