import Crypto
public import Foundation
public import NIOCore
public import XietongCore

#if canImport(Glibc)
import Glibc
#endif

/// Attachments and dossier files, stored by their SHA-256 (ZJ-7.1.2.2: unstructured data on a file store).
///
/// A blob is written to a temporary file while it is hashed, synced to disk, then renamed to its hash, and the
/// directory is synced: after a crash a blob is either complete under its name or absent. The same content is
/// stored once however often it is sent.
public struct BlobStore: Sendable {
    public let root: URL
    /// Whether blobs go between the network and the disk around the page cache (`BlobFileIO`); where the file system
    /// refuses, they go through it whatever this says.
    public let directIO: Bool

    public init(root: URL, directIO: Bool = true) throws(StoreError) {
        self.root = root
        self.directIO = directIO
        do {
            try FileManager.default.createDirectory(at: self.temporaryFolder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.open, zh: "无法创建文件存储目录 \(root.path)", en: "cannot create the blob store at \(root.path)", underlying: error)
        }
    }

    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    public func url(_ sha256: String) -> URL {
        self.root.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
    }

    /// The size of a stored blob, or nil when it is not stored.
    public func size(_ sha256: String) -> Int? {
        guard Self.isSHA256(sha256) else { return nil }
        let attributes = try? FileManager.default.attributesOfItem(atPath: self.url(sha256).path)
        return (attributes?[.size] as? NSNumber)?.intValue
    }

    /// Where files are written before they are whole: temporary blobs and resumable uploads' parts.
    var temporaryFolder: URL { self.root.appendingPathComponent("tmp") }

    /// A new temporary file in the store's own folder, so that the final rename stays on one file system.
    public func temporaryURL() -> URL {
        self.temporaryFolder.appendingPathComponent(UUID().uuidString)
    }

    static let uploadPartPrefix = "upload-"

    /// Where a resumable upload's bytes collect until the last one arrives (kept across restarts: the business system
    /// resumes from its size).
    public func uploadPartURL(_ uploadId: String) -> URL {
        self.temporaryFolder.appendingPathComponent(Self.uploadPartPrefix + uploadId)
    }

    /// Removes temporary files that no writer has touched for `age` seconds: a process killed mid-write leaves its
    /// temporary file (never a blob under its hash). Resumable uploads' parts stay, and so does anything younger,
    /// which another process sharing the folder may still be writing. Returns how many files and bytes went.
    public func removeAbandonedTemporaries(olderThan age: TimeInterval, now: Date = Date()) throws -> (count: Int, bytes: Int) {
        let folder = self.temporaryFolder
        var removed = (count: 0, bytes: 0)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where !name.hasPrefix(Self.uploadPartPrefix) {
            let file = folder.appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
                let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) > age,
                (try? FileManager.default.removeItem(at: file)) != nil
            else { continue }
            removed.count += 1
            removed.bytes += (attributes[.size] as? NSNumber)?.intValue ?? 0
        }
        return removed
    }

    /// Streams chunks into the store. With `expectedSHA256`, content that does not match is discarded and refused.
    public func write<Chunks: AsyncSequence>(
        _ chunks: Chunks,
        expectedSHA256: String? = nil,
        maxSize: Int = Int.max
    ) async throws -> (sha256: String, size: Int) where Chunks.Element == ByteBuffer {
        let temporary = self.temporaryURL()
        do {
            let file = try BlobFileWriter(path: temporary.path, direct: self.directIO)
            var hasher = SHA256()
            var size = 0
            for try await chunk in chunks {
                size += chunk.readableBytes
                if size > maxSize {
                    throw StoreError(.tooLarge, zh: "文件超过大小上限 \(maxSize) 字节", en: "the file exceeds the size limit of \(maxSize) bytes")
                }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try await file.write(chunk)
            }
            try await file.finish()
            let sha256 = hasher.finalize().hex
            if let expectedSHA256, expectedSHA256 != sha256 {
                throw StoreError(
                    .hashMismatch,
                    zh: "文件的 SHA-256 与声明的不符（实际 \(sha256)）",
                    en: "the content's SHA-256 does not match the declared one (actual \(sha256))"
                )
            }
            try self.install(temporary, as: sha256)
            return (sha256, size)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Stores bytes already in memory.
    public func write(_ bytes: [UInt8]) async throws -> String {
        try await self.write(SingleChunk(buffer: ByteBuffer(bytes: bytes))).sha256
    }

    /// Moves a complete, synced temporary file into place under its hash (used by resumable uploads).
    public func install(_ temporary: URL, as sha256: String) throws {
        let target = self.url(sha256)
        let directory = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.removeItem(at: temporary)
            return
        }
        guard rename(temporary.path, target.path) == 0 else {
            throw StoreError.io(errno: errno, path: target.path, zh: "无法保存文件", en: "cannot move the file into the store")
        }
        Self.syncDirectory(directory)
    }

    /// Hashes a file in 1 MiB reads.
    public static func hash(fileAt url: URL, direct: Bool = true) throws -> (sha256: String, size: Int) {
        guard let file = BlobFileReader(path: url.path, direct: direct) else {
            throw StoreError(.io, zh: "无法读取文件 \(url.path)", en: "cannot read \(url.path)")
        }
        var hasher = SHA256()
        var size = 0
        while let chunk = try file.nextNow(size: 1 << 20) {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            size += chunk.readableBytes
        }
        return (hasher.finalize().hex, size)
    }

    static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Reads a stored blob in chunks, from `offset`, to its end or for `length` bytes (a byte range asked for over
    /// HTTP, issue 24): the file is read from the offset on, never from its start, and two chunks at most are in
    /// memory whatever the blob's size (`BlobFileReader`).
    public func chunks(_ sha256: String, offset: Int = 0, length: Int? = nil, chunkSize: Int = 4 << 20) -> FileChunks {
        FileChunks(url: self.url(sha256), offset: offset, length: length, chunkSize: chunkSize, direct: self.directIO)
    }
}

/// A file, or `length` bytes of it from `offset`, read as an async sequence of buffers.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let url: URL
    let offset: Int
    let length: Int?
    let chunkSize: Int
    let direct: Bool

    public init(url: URL, offset: Int = 0, length: Int? = nil, chunkSize: Int = 4 << 20, direct: Bool = true) {
        self.url = url
        self.offset = offset
        self.length = length
        self.chunkSize = chunkSize
        self.direct = direct
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var file: BlobFileReader?
        let chunkSize: Int

        public mutating func next() async throws -> ByteBuffer? {
            guard let file = self.file else { return nil }
            guard let chunk = try await file.next(size: self.chunkSize) else {
                self.file = nil
                return nil
            }
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            file: BlobFileReader(path: self.url.path, offset: self.offset, length: self.length, direct: self.direct),
            chunkSize: self.chunkSize
        )
    }
}

struct SingleChunk: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async -> ByteBuffer? {
            defer { self.buffer = nil }
            return self.buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: self.buffer) }
}

/// Resolves manifest entries by SHA-256 in a blob store: an attachment is present when a blob with its hash is.
public struct BlobAttachmentResolver: AttachmentResolver {
    public let store: BlobStore

    public init(store: BlobStore) {
        self.store = store
    }

    public func inspect(_ attachment: CasePackage.Attachment) -> AttachmentInspection {
        let sha256 = attachment.sha256.lowercased()
        guard let size = self.store.size(sha256) else { return .missing }
        return .found(size: size, sha256: sha256)
    }
}
