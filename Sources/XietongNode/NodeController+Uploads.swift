import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

// Files from business systems (ZJ-7.2.3 a, GZ-6): whole, or resumable; `Uploads` does the work.
extension NodeController {
    func uploadWhole(_ request: Request) async throws -> Response {
        let expected = request.headers[.init("Xietong-Content-SHA256")!]?.lowercased()
        let written = try await self.uploads.writeWhole(request.body, expectedSHA256: expected)
        return HTTPJSON.response(["sha256": written.sha256, "size": String(written.size)], status: .created)
    }

    struct NewUpload: Codable {
        var sha256: String
        var size: Int
        var name: String?
    }

    func createUpload(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let new = try? JSONDecoder().decode(NewUpload.self, from: Data(body.readableBytesView)), BlobStore.isSHA256(new.sha256.lowercased()),
            new.size >= 0
        else {
            throw APIError(
                .uploadInvalid,
                zh: "需要 sha256（64 位十六进制）和 size",
                en: "expected {\"sha256\": 64 hex digits, \"size\": bytes}"
            )
        }
        switch try await self.uploads.create(sha256: new.sha256.lowercased(), size: new.size, name: new.name) {
        case .exists(let sha256):
            return HTTPJSON.response(["status": "exists", "sha256": sha256], status: .ok)
        case .created(let upload):
            var response = HTTPJSON.response(upload, status: .created)
            response.headers[.location] = "/api/v1/uploads/\(upload.uploadId)"
            response.headers[.init("Upload-Offset")!] = "0"
            return response
        }
    }

    func uploadOffset(_ context: PeerRequestContext) async throws -> Response {
        guard let upload = try await self.uploads.status(context.parameters.get("id") ?? "") else { throw Uploads.notFound }
        var response = HTTPJSON.response(upload)
        response.headers[.init("Upload-Offset")!] = String(upload.received)
        response.headers[.init("Upload-Length")!] = String(upload.size)
        return response
    }

    func appendUpload(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        guard let offset = request.headers[.init("Upload-Offset")!].flatMap(Int.init), offset >= 0 else {
            throw APIError(
                .uploadInvalid,
                zh: "需要 Upload-Offset 请求头：已上传的字节数",
                en: "the Upload-Offset header must give the bytes already sent"
            )
        }
        let received = try await self.uploads.append(to: context.parameters.get("id") ?? "", at: offset, request.body)
        var response = Response(status: .noContent)
        response.headers[.init("Upload-Offset")!] = String(received)
        return response
    }
}
