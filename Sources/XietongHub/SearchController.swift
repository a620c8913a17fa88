import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// Pooled case search (issue 26, GS-5): `GET /v1/search` for supervisors and administrators (tokens or a console
/// session). Every search, answered or refused for its query, is in the access log with what was asked; a case
/// opened from the results is logged by its timeline's read (`case.timeline`, `console`).
struct SearchController: Sendable {
    let store: HubStore
    let reads: ReadAccess

    func addRoutes(supervisors: RouterGroup<PeerRequestContext>) {
        supervisors.get("/v1/search") { request, context in
            // Read as a form's fields: a client encoding spaces as `+`, as HTML forms and most HTTP libraries do, is read right.
            let parameters = ConsoleForm.query(request)
            return HTTPJSON.response(try await self.search({ parameters[$0] }, asked: request.uri.query ?? "", caller: context.caller))
        }
    }

    /// Answers a query given as parameters (`CaseSearch.Query.parameters`), logging it.
    /// `asked`: the query as it came, for the access log when it is refused.
    func search(_ parameter: (String) -> String?, asked: String, caller: Caller) async throws -> CaseSearch.Page {
        guard caller.node == nil else {
            try await self.reads.log(caller, "case.search", "refused: a peer hub: \(asked)", allowed: false)
            throw HubAccess.committeeOnly
        }
        let query: CaseSearch.Query
        do throws(CaseSearch.QueryError) {
            query = try CaseSearch.Query.parse(parameter)
        } catch {
            try await self.reads.log(caller, "case.search", "refused: \(error.code.rawValue) \(error.field): \(asked)", allowed: false)
            throw Self.apiError(error)
        }
        try await self.reads.log(caller, "case.search", query.summary)
        return try await self.store.search(query)
    }

    static func apiError(_ error: CaseSearch.QueryError) -> APIError {
        switch error.code {
        case .noCriterion: APIError(.searchNoCriterion, error)
        case .invalid: APIError(.queryInvalid, error)
        }
    }
}
