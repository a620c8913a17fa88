import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// The attachments' bytes, by their SHA-256, for nodes: put before the package that names them, read by the receiver.
struct BlobController: Sendable {
    /// The free-space reserve (checked before a new blob is written).
    let reserve: DiskReserve
    let blobs: BlobStore
    /// Dossier bytes received from and sent to nodes (issue 22).
    let metrics: ServiceMetrics

    func addRoutes(to nodes: RouterGroup<PeerRequestContext>) {
        nodes.put("/v1/blobs/:sha256") { request, context in try await self.putBlob(request, context) }
        nodes.head("/v1/blobs/:sha256") { _, context in self.headBlob(context) }
        nodes.get("/v1/blobs/:sha256") { _, context in try self.getBlob(context) }
    }

    func putBlob(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let sha256 = context.parameters.get("sha256") ?? ""
        guard BlobStore.isSHA256(sha256) else {
            throw APIError(.blobBadHash, zh: "文件标识应为 64 位小写十六进制 SHA-256", en: "a blob is named by its lower-case hex SHA-256")
        }
        if self.blobs.size(sha256) != nil {
            for try await _ in request.body {}  // Drain without holding it: it may be a dossier of gigabytes.
            return HTTPJSON.response(["sha256": sha256, "status": "exists"])
        }
        try self.reserve.check()
        do {
            let written = try await self.blobs.write(request.body, expectedSHA256: sha256)
            self.metrics.count(.dossierBytes, [("direction", "in")], by: Int64(written.size))
            return HTTPJSON.response(["sha256": written.sha256, "size": String(written.size), "status": "stored"], status: .created)
        } catch let error as StoreError where error.code == .hashMismatch {
            throw APIError(.blobHashMismatch, zh: error.message.zh, en: error.message.en)
        }
    }

    func headBlob(_ context: PeerRequestContext) -> Response {
        guard let size = self.blobs.size(context.parameters.get("sha256") ?? "") else { return Response(status: .notFound) }
        return Response(status: .ok, headers: [.contentLength: String(size)])
    }

    func getBlob(_ context: PeerRequestContext) throws -> Response {
        let sha256 = context.parameters.get("sha256") ?? ""
        guard let size = self.blobs.size(sha256) else {
            throw APIError(.blobNotFound, zh: "文件不存在", en: "no such blob")
        }
        self.metrics.count(.dossierBytes, [("direction", "out")], by: Int64(size))
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .contentLength: String(size)],
            body: ResponseBody(asyncSequence: self.blobs.chunks(sha256))
        )
    }
}
