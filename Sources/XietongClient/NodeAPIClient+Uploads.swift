public import AsyncHTTPClient
public import NIOCore
import NIOHTTP1
import XietongCore

/// The resumable upload (ZJ-7.2.3 a, GZ-6): create, append at an offset, read the progress.
extension NodeAPIClient {
    /// `POST /api/v1/uploads`: 201 with the upload (`uploadId`) to append to, or 200 when the node has a file with
    /// this SHA-256 already.
    public func createUpload(sha256: String, size: Int) async throws -> Reply {
        try await self.request(.POST, "/api/v1/uploads", body: Array("{\"sha256\":\"\(sha256)\",\"size\":\(size)}".utf8))
    }

    /// `PATCH /api/v1/uploads/{uploadId}`: appends `bytes` at `offset` (204 when appended).
    public func appendUpload(_ uploadId: String, at offset: Int, bytes: [UInt8], timeout: TimeAmount? = nil) async throws -> Reply {
        try await self.appendUpload(uploadId, at: offset, body: .bytes(ByteBuffer(bytes: bytes)), timeout: timeout)
    }

    /// `PATCH /api/v1/uploads/{uploadId}` with a body the caller streams, such as a file read in chunks.
    public func appendUpload(_ uploadId: String, at offset: Int, body: HTTPClientRequest.Body, timeout: TimeAmount? = nil) async throws -> Reply {
        try await self.transport.request(
            .PATCH,
            "/api/v1/uploads/\(uploadId)",
            body: body,
            headers: [("Upload-Offset", String(offset))],
            timeout: timeout
        )
    }

    /// `GET /api/v1/uploads/{uploadId}`: the upload's progress; its `Upload-Offset` header is where to resume.
    public func uploadProgress(_ uploadId: String) async throws -> Reply {
        try await self.request(.GET, "/api/v1/uploads/\(uploadId)")
    }

    /// The id of the upload a 201 from `createUpload` started.
    public static func uploadId(in reply: Reply) throws -> String {
        struct Created: Decodable { let uploadId: String }
        return try reply.decode(Created.self, what: "upload refused", expected: 201).uploadId
    }

    /// Uploads a whole file through the resumable interface, in chunks of `chunkSize` bytes; nothing when the node
    /// has the file already. Throws `UnexpectedReply` when the node refuses the upload or a chunk.
    public func upload(_ file: [UInt8], chunkSize: Int = 1 << 20) async throws {
        let created = try await self.createUpload(sha256: ContentHash.sha256(file), size: file.count)
        if created.status == 200 { return }  // The node has this file already.
        let id = try Self.uploadId(in: created)
        var offset = 0
        while offset < file.count {
            let end = min(offset + chunkSize, file.count)
            let chunk = try await self.appendUpload(id, at: offset, bytes: Array(file[offset..<end]))
            guard chunk.status == 204 else { throw UnexpectedReply("chunk refused", chunk) }
            offset = end
        }
    }
}
