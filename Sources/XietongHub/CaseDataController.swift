import Hummingbird
import NIOCore
import XietongCore
import XietongHTTP
import XietongStore

/// Reads of case data (issue 6): a package's status and content, for its sender, its receiver and the
/// administrator (supervisors: its status); a case's timeline (GUI-3, SZ-4), for supervisors, administrators and the
/// nodes of organisations that took part. Each read, allowed or refused, is logged.
struct CaseDataController: Sendable {
    let store: HubStore
    let reads: ReadAccess

    func addRoutes(known: RouterGroup<PeerRequestContext>, supervisorsAndNodes: RouterGroup<PeerRequestContext>) {
        known.get("/v1/packages/:id") { _, context in try await self.packageStatus(context) }
        known.get("/v1/packages/:id/content") { _, context in try await self.packageContent(context) }
        supervisorsAndNodes.get("/v1/cases/:code/timeline") { _, context in try await self.caseTimeline(context) }
    }

    /// A package the hub does not hold.
    static let noSuchPackage = APIError(.packageNotFound, zh: "中心平台没有该数据包", en: "the hub has no such package")

    func packageStatus(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let caller = context.caller
        guard let summary = try await self.store.summary(of: packageId) else {
            if caller.isAdministrator, let refusal = try await self.store.refusals(limit: 1000).first(where: { $0.receipt.packageId == packageId }) {
                return HTTPJSON.response(refusal.receipt, status: .ok)
            }
            throw Self.noSuchPackage
        }
        try await self.reads.authorise(caller, "package.status", packageId, metadataOnly: true)
        return HTTPJSON.response(summary)
    }

    func packageContent(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let caller = context.caller
        // An unknown package is 404 for every caller, as for its status (issue 22), not a refused read.
        guard try await self.store.parties(of: packageId) != nil else { throw Self.noSuchPackage }
        guard try await self.reads.mayRead(caller, packageId), let content = try await self.store.content(of: packageId) else {
            try await self.reads.log(caller, "package.content", packageId, allowed: false)
            throw HubAccess.forbidden
        }
        try await self.reads.log(caller, "package.content", packageId)
        return Response(status: .ok, headers: [.contentType: "application/xml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: content)))
    }

    func caseTimeline(_ context: PeerRequestContext) async throws -> Response {
        let caller = context.caller
        let code = context.parameters.get("code") ?? ""
        let timeline = try await self.store.timeline(ofCase: code)
        guard !timeline.instances.isEmpty else {
            throw APIError(.caseNotFound, zh: "没有该案件的流程记录：\(code)", en: "no flow of a case with the code \(code)")
        }
        guard caller.supervisor != nil || caller.node.map(timeline.involves) == true else {
            try await self.reads.log(caller, "case.timeline", code, allowed: false)
            throw APIError(.authForbidden, zh: "本机构未参与该案件", en: "this organisation took no part in the case")
        }
        try await self.reads.log(caller, "case.timeline", code)
        return HTTPJSON.response(timeline)
    }
}
