import Crypto
import Foundation
import Hummingbird
import NIOCore
import XietongCore
import XietongHTTP
import XietongStore

/// A business system's files, beside the blob store (ZJ-7.2.3 a, GZ-6): sent whole, or as a resumable upload whose
/// part file grows with each request until its bytes hash to the declared SHA-256 and it is installed as a blob.
/// After a crash the part file, not the database, is the truth about how much arrived.
struct Uploads: Sendable {
    let store: NodeStore
    let blobs: BlobStore
    /// The uploads a request is appending to right now.
    let inProgress: UploadsInProgress

    static let maxSingleUploadBytes = 64 << 20

    /// A file sent whole, checked against `expectedSHA256` when given. A storage failure is thrown as it is (a hash
    /// mismatch 422, a full disk 507).
    func writeWhole(_ body: RequestBody, expectedSHA256: String?) async throws -> (sha256: String, size: Int) {
        let written = try await self.blobs.write(body, expectedSHA256: expectedSHA256, maxSize: Self.maxSingleUploadBytes)
        return (written.sha256, written.size)
    }

    enum Created {
        /// The node already holds a blob with this SHA-256: nothing to upload.
        case exists(sha256: String)
        case created(NodeStore.Upload)
    }

    /// A new upload of `size` bytes that hash to `sha256` (lower case).
    func create(sha256: String, size: Int, name: String?) async throws -> Created {
        if self.blobs.size(sha256) != nil { return .exists(sha256: sha256) }
        return .created(try await self.store.createUpload(sha256: sha256, size: size, name: name))
    }

    /// The bytes actually on disk: after a crash the part file, not the database, is the truth.
    func onDisk(_ uploadId: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: self.blobs.uploadPartURL(uploadId).path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// An upload as it stands, `received` being what is on disk; nil for no such upload. A request cut a moment ago
    /// may still be storing what arrived: the answer waits until it has.
    func status(_ uploadId: String) async throws -> NodeStore.Upload? {
        await self.inProgress.settle(uploadId)
        guard var upload = try await self.store.upload(uploadId) else { return nil }
        upload.received = upload.completed ? upload.size : self.onDisk(upload.uploadId)
        return upload
    }

    /// An upload this node does not have.
    static let notFound = APIError(.uploadNotFound, zh: "没有该上传", en: "no such upload")

    /// Appends `body` to an upload, which must resume at `offset`, the bytes on disk; returns the bytes received in
    /// all. The last bytes install the file as a blob when they hash to the declared SHA-256, and discard it when not.
    func append(to uploadId: String, at offset: Int, _ body: RequestBody) async throws -> Int {
        guard await self.inProgress.claim(uploadId) else {
            throw APIError(
                .uploadInProgress,
                zh: "另一个请求正在写入该上传，请稍后查询续传位置",
                en: "another request is writing this upload; ask for the offset again shortly"
            )
        }
        do {
            let received = try await self.appendClaimed(to: uploadId, at: offset, body)
            await self.inProgress.release(uploadId)
            return received
        } catch {
            await self.inProgress.release(uploadId)
            throw error
        }
    }

    /// Appends to an upload this request has claimed.
    private func appendClaimed(to uploadId: String, at offset: Int, _ body: RequestBody) async throws -> Int {
        guard let upload = try await self.store.upload(uploadId) else { throw Self.notFound }
        let part = self.blobs.uploadPartURL(upload.uploadId)
        let onDisk = upload.completed ? upload.size : self.onDisk(upload.uploadId)
        guard offset == onDisk, !upload.completed else {
            throw APIError(
                .uploadOffsetMismatch,
                zh: "续传位置应为 \(onDisk)",
                en: "resume from offset \(onDisk)",
                headers: [.init("Upload-Offset")!: String(onDisk)]
            )
        }
        let file: BlobFileWriter
        do {
            file = try BlobFileWriter(path: part.path, offset: offset, direct: self.blobs.directIO)
        } catch {
            if error.code == .diskFull { throw error }
            throw APIError(.uploadIO, zh: "无法写入上传文件", en: "cannot create the upload file")
        }
        var received = offset
        // An upload sent whole in one request is hashed as it arrives; a resumed one is hashed from the disk at the end.
        var hasher: SHA256? = offset == 0 ? SHA256() : nil
        // Whatever arrived is on disk before the answer or the error.
        do {
            for try await chunk in body {
                received += chunk.readableBytes
                guard received <= upload.size else {
                    try? await file.finish()
                    throw APIError(.uploadTooLarge, zh: "超过声明的大小", en: "more bytes than the declared size")
                }
                chunk.withUnsafeReadableBytes { hasher?.update(bufferPointer: $0) }
                try await file.write(chunk)
            }
            try await file.finish()
        } catch let refusal as APIError {
            // Too many bytes: answered as it is, the progress left where it was.
            throw refusal
        } catch let failure as StoreError {
            // The disk failed (full, say): what this request wrote may not be on the disk whole, so the part goes
            // back to where the request started, and the client resumes from there (issue 19).
            try? await file.finish()
            _ = truncate(part.path, off_t(offset))
            try? await self.store.setUploadProgress(upload.uploadId, received: offset, completed: false)
            throw failure
        } catch {
            // A cut connection: keep what arrived; the client resumes from HEAD's offset.
            try? await file.finish()
            try? await self.store.setUploadProgress(upload.uploadId, received: self.onDisk(upload.uploadId), completed: false)
            throw error
        }
        if received == upload.size {
            let (sha256, size) = try hasher.map { ($0.finalize().hex, received) } ?? BlobStore.hash(fileAt: part, direct: self.blobs.directIO)
            guard sha256 == upload.sha256, size == upload.size else {
                try? FileManager.default.removeItem(at: part)
                try await self.store.setUploadProgress(upload.uploadId, received: 0, completed: false)
                throw APIError(
                    .uploadHashMismatch,
                    zh: "文件的 SHA-256 与声明不符，已丢弃，请重新上传",
                    en: "the file's SHA-256 does not match the declared one; it was discarded, upload again"
                )
            }
            try self.blobs.install(part, as: sha256)
            try await self.store.setUploadProgress(upload.uploadId, received: size, completed: true)
        } else {
            try await self.store.setUploadProgress(upload.uploadId, received: received, completed: false)
        }
        return received
    }
}
