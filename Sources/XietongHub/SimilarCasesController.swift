import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// Similar cases and sentencing reference (issue 26, SZ-6, GS-6): `GET /v1/cases/{code}/similar` lists the earlier
/// judgments most like the case, with their sentences and the features that matched. Supervisors and administrators
/// read any case's; a node reads those of the cases its organisation took part in (the procuratorate at review, the
/// court at trial). Every read, allowed or refused, is in the access log (`case.similar`).
struct SimilarCasesController: Sendable {
    let store: HubStore
    let reads: ReadAccess

    func addRoutes(supervisorsAndNodes: RouterGroup<PeerRequestContext>) {
        supervisorsAndNodes.get("/v1/cases/:code/similar") { request, context in
            let limit = try Self.limit(ConsoleForm.query(request)["limit"])
            return HTTPJSON.response(try await self.similar(to: context.parameters.get("code") ?? "", limit: limit, caller: context.caller))
        }
    }

    /// `?limit=`: 1 to `SimilarCases.maximumLimit`, by default `SimilarCases.defaultLimit`.
    static func limit(_ given: String?) throws -> Int {
        guard let given, !given.isEmpty else { return SimilarCases.defaultLimit }
        guard let number = Int(given), (1...SimilarCases.maximumLimit).contains(number) else {
            throw APIError(
                .queryInvalid,
                zh: "查询参数 limit 无效：“\(given)”，应为 1 至 \(SimilarCases.maximumLimit) 的整数",
                en: "the query parameter limit is invalid: '\(given)'; expected a whole number from 1 to \(SimilarCases.maximumLimit)"
            )
        }
        return number
    }

    /// The reference for the case, when the caller may read it; logged either way.
    func similar(to code: String, limit: Int, caller: Caller) async throws -> SimilarCases.Reference {
        // A peer hub supervises metadata; the answer is case data (names, charges, sentences) of other cases.
        if let node = caller.node, node.hasPrefix(Federation.linkFeed("")) {
            try await self.reads.log(caller, "case.similar", "refused: a peer hub: \(code)", allowed: false)
            throw HubAccess.committeeOnly
        }
        let timeline = try await self.store.timeline(ofCase: code)
        guard !timeline.instances.isEmpty else {
            throw APIError(.caseNotFound, zh: "没有该案件的流程记录：\(code)", en: "no flow of a case with the code \(code)")
        }
        // A console session is a supervisor's or an administrator's: no other role signs in to the hub's console.
        guard caller.supervisor != nil || caller.session != nil || caller.node.map(timeline.involves) == true else {
            try await self.reads.log(caller, "case.similar", code, allowed: false)
            throw APIError(.authForbidden, zh: "本机构未参与该案件", en: "this organisation took no part in the case")
        }
        guard let reference = try await self.store.similarCases(of: code, limit: limit) else {
            try await self.reads.log(caller, "case.similar", "\(code): no charge", allowed: false)
            throw APIError(
                .caseNotFound,
                zh: "该案件的数据包均未载明罪名，无法检索类案：\(code)",
                en: "no package of the case names a charge, so there is nothing to compare: \(code)"
            )
        }
        // The cases shown are logged with the one asked about: they are other cases' data.
        try await self.reads.log(caller, "case.similar", "\(code): " + reference.matches.map(\.precedent.caseCode).joined(separator: ","))
        return reference
    }
}
