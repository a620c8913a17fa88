import Foundation
import Hummingbird
import NIOCore
import XietongCore
import XietongHTTP
import XietongStore

// Receiving (pull, ZJ-7.1.3.2 b): the inbox, a package's content and files, its acknowledgement, signing for it or
// returning it; and the push subscriptions.
extension NodeController {
    func inbox(_ request: Request) async throws -> Response {
        let after = try Query.integer(request, "after", default: 0, in: 0...Int.max)
        let undelivered = try Query.boolean(request, "undelivered", default: false)
        let limit = try Query.integer(request, "limit", default: 100, in: 1...1000)
        return HTTPJSON.response(try await self.engine.store.inbox(afterSeq: after, undeliveredOnly: undelivered, limit: limit))
    }

    func inboxContent(_ context: PeerRequestContext) async throws -> Response {
        guard let (item, content) = try await self.engine.store.inboxContent(context.parameters.get("id") ?? "") else { throw Self.notFound }
        return Response(
            status: .ok,
            headers: [.contentType: "application/xml", .init("Xietong-Unified-Case-Code")!: item.delivery.unifiedCaseCode],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: content))
        )
    }

    /// An attachment of an incoming package, streamed from the blob store: the whole file, or the byte range a
    /// `Range` header asks for (206), with its SHA-256 as a strong `ETag` (`BlobResponse`); `HEAD` too.
    func attachment(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let sha256 = context.parameters.get("sha256") ?? ""
        guard let (item, _) = try await self.engine.store.inboxContent(packageId),
            let file = item.delivery.attachments.first(where: { $0.sha256 == sha256 }),
            let size = self.engine.blobs.size(sha256)
        else { throw Self.notFound }
        return try BlobResponse.answer(to: request, blobs: self.engine.blobs, sha256: sha256, size: size, headers: [.contentType: file.mediaType])
    }

    func acknowledge(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        guard try await self.engine.store.hasInbox(packageId) else { throw Self.notFound }
        let recorded = try await self.engine.store.markDelivered(packageId)
        // Taken for the first time: counted with how long it waited (issue 22).
        if !recorded.isEmpty, let item = try await self.engine.store.inboxItem(packageId) { self.engine.countDelivered(item) }
        await self.engine.announce(recorded)
        return HTTPJSON.response(["status": "delivered"])
    }

    struct ActionBody: Codable {
        var reason: String?
    }

    func receiverAction(_ request: Request, _ context: PeerRequestContext, _ hop: Hop) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let body = try await request.body.collect(upTo: 64 << 10)
        let reason = (try? JSONDecoder().decode(ActionBody.self, from: Data(body.readableBytesView)))?.reason
        if hop == .returned, (reason ?? "").unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw APIError(.returnReasonRequired, zh: "退回须说明理由", en: "a return needs a reason")
        }
        guard try await self.engine.store.hasInbox(packageId) else { throw Self.notFound }
        let recorded = try await self.engine.store.receiverAction(packageId, hop: hop, reason: reason)
        guard !recorded.isEmpty else {
            throw APIError(.packageAlreadyHandled, zh: "该数据包已签收或退回", en: "the package was already signed for or returned")
        }
        await self.engine.announce(recorded)
        return HTTPJSON.response(["status": hop.rawValue])
    }

    struct NewSubscription: Codable {
        var url: String
        var intervalSeconds: Int
        var flows: [String]?
    }

    func subscribe(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let new = try? JSONDecoder().decode(NewSubscription.self, from: Data(body.readableBytesView)),
            URL(string: new.url)?.scheme?.hasPrefix("http") == true, (1...86400 * 7).contains(new.intervalSeconds)
        else {
            throw APIError(
                .subscriptionInvalid,
                zh: "需要 url 和 intervalSeconds（1 秒至 7 天）",
                en: "expected {\"url\": http(s) URL, \"intervalSeconds\": 1…604800}"
            )
        }
        return HTTPJSON.response(
            try await self.engine.store.addSubscription(url: new.url, intervalSeconds: new.intervalSeconds, flows: new.flows ?? []),
            status: .created
        )
    }
}
