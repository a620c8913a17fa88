import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import XietongCore
import XietongHTTP

/// A committee's supervision of the hubs that grant it (issue 23): a provincial committee's supervisors read a city
/// hub's deadline board, counters, cases, custody watch, reminders, statistics and case timelines through their own
/// hub, which asks the peer over the link with the link's credentials. The peer answers only where its configuration
/// lets this committee supervise it (`peers[].supervises` there), and only metadata; each read is in both hubs'
/// access logs.
struct PeerSupervisionController: Sendable {
    /// The link clients, by peer name.
    let clients: [String: HubClient]
    let reads: ReadAccess

    static let views: Set<String> = ["deadlines", "counters", "custody", "cases", "reminders"]

    func addRoutes(supervisors: RouterGroup<PeerRequestContext>) {
        supervisors.get("/v1/peers/:peer/supervision/:view") { request, context in
            let view = context.parameters.get("view") ?? ""
            guard Self.views.contains(view) else {
                throw APIError(.routeNotFound, zh: "没有该接口：\(request.uri.path)", en: "no operation has the path \(request.uri.path)")
            }
            return try await self.forward(request, context, path: "/v1/supervision/\(view)")
        }
        supervisors.get("/v1/peers/:peer/statistics") { request, context in try await self.forward(request, context, path: "/v1/statistics") }
        supervisors.get("/v1/peers/:peer/cases/:code/timeline") { request, context in
            let code = context.parameters.get("code") ?? ""
            let escaped = code.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? code
            return try await self.forward(request, context, path: "/v1/cases/\(escaped)/timeline")
        }
    }

    static let noSuchPeer = APIError(.routeNotFound, zh: "没有这个对端中心平台", en: "no peer hub of that name")

    func forward(_ request: Request, _ context: PeerRequestContext, path: String) async throws -> Response {
        // This committee's own supervisors only: a peer that supervises this hub reads no third hub through it.
        guard context.caller.node == nil else { throw HubAccess.supervisorsOnly }
        let name = context.parameters.get("peer") ?? ""
        guard let client = self.clients[name] else { throw Self.noSuchPeer }
        let query = request.uri.query.map { "?" + $0 } ?? ""
        try await self.reads.log(context.caller, "peer.supervision", "\(name) \(path)")
        let reply: (status: Int, body: [UInt8])
        do {
            reply = try await client.send(client.request(path + query, method: .GET), timeout: .seconds(30))
        } catch {
            throw APIError(.hubUnreachable, zh: "对端中心平台 \(name) 无响应", en: "the peer hub \(name) does not answer: \(error.message)")
        }
        let csv = (try? Query.wantsCSV(request)) == true && reply.status == 200
        return Response(
            status: HTTPResponse.Status(code: reply.status),
            headers: [.contentType: csv ? "text/csv; charset=utf-8" : "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }
}
