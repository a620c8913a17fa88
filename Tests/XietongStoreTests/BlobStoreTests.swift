import Foundation
import NIOCore
import Testing
import XietongCore

@testable import XietongStore

/// The blob store keeps every byte of an attachment whatever its size and however the network cut it up, with
/// direct I/O and through the page cache alike, on the temporary directory's file system and on tmpfs (GZ-1, GZ-6).
/// The time limit catches a hang, not slowness: alone the suite takes about 30 s; beside the rest of the suite on 2
/// cores it took over 2 minutes.
@Suite(.timeLimit(.minutes(6))) struct BlobStoreTests {
    /// Sizes around the 4 KiB alignment and the 4 MiB write buffer, where the aligned and unaligned paths meet.
    static let sizes = [0, 1, 4095, 4096, 4097, (4 << 20) - 1, 4 << 20, (4 << 20) + 1, (9 << 20) + 123]

    /// Where blobs go: the temporary directory's disk, and tmpfs when the machine has one (older kernels refuse direct
    /// I/O there, newer ones take it); each with direct I/O on and off.
    static var setups: [Setup] {
        var roots = [FileManager.default.temporaryDirectory.path]
        if FileManager.default.isWritableFile(atPath: "/dev/shm") { roots.append("/dev/shm") }
        return roots.flatMap { [Setup(root: $0, direct: true), Setup(root: $0, direct: false)] }
    }

    struct Setup: Sendable, CustomTestStringConvertible {
        let root: String
        let direct: Bool
        var testDescription: String { "\(self.root) \(self.direct ? "direct" : "buffered")" }

        func store() throws -> BlobStore {
            try BlobStore(root: URL(fileURLWithPath: self.root).appendingPathComponent("xietong-blobs-\(UUID().uuidString)"), directIO: self.direct)
        }
    }

    static func content(_ size: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12 &+ Int(seed)) }
    }

    /// Network buffers of uneven sizes, as a socket delivers them.
    static func chunks(_ bytes: [UInt8]) -> [ByteBuffer] {
        var chunks: [ByteBuffer] = []
        var start = 0
        var step = 1
        while start < bytes.count {
            let end = min(bytes.count, start + step)
            chunks.append(ByteBuffer(bytes: bytes[start..<end]))
            start = end
            step = step * 7 % 1_000_003 + 517
        }
        return chunks
    }

    static func readAll(_ chunks: FileChunks) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in chunks { bytes.append(contentsOf: chunk.readableBytesView) }
        return bytes
    }

    @Test(arguments: setups)
    func everySizeIsStoredWholeUnderItsHashAndReadBackWhole(setup: Setup) async throws {
        let store = try setup.store()
        let base = store.root
        defer { try? FileManager.default.removeItem(at: base) }
        for size in Self.sizes {
            let bytes = Self.content(size)
            let (sha256, stored) = try await store.write(ChunkSequence(chunks: Self.chunks(bytes)))
            #expect(stored == size)
            #expect(sha256 == ContentHash.sha256(bytes), "size \(size)")
            #expect(store.size(sha256) == size)
            #expect(try Data(contentsOf: store.url(sha256)) == Data(bytes), "size \(size)")
            #expect(try await Self.readAll(store.chunks(sha256, chunkSize: 1 << 20)) == bytes, "size \(size)")
            for offset in [1, 4096, 5000] where offset < size {
                #expect(try await Self.readAll(store.chunks(sha256, offset: offset)) == Array(bytes[offset...]), "size \(size) from \(offset)")
            }
            let hashed = try BlobStore.hash(fileAt: store.url(sha256), direct: setup.direct)
            #expect(hashed.sha256 == sha256 && hashed.size == size)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("tmp").path)
        #expect(leftovers.isEmpty)
    }

    @Test(arguments: setups)
    func contentThatDoesNotMatchItsDeclaredHashLeavesNothingBehind(setup: Setup) async throws {
        let store = try setup.store()
        let base = store.root
        defer { try? FileManager.default.removeItem(at: base) }
        let bytes = Self.content((5 << 20) + 17)
        var altered = bytes
        altered[4 << 20] ^= 1
        await #expect(throws: StoreError.self) {
            _ = try await store.write(ChunkSequence(chunks: Self.chunks(altered)), expectedSHA256: ContentHash.sha256(bytes))
        }
        #expect(store.size(ContentHash.sha256(bytes)) == nil)
        #expect(store.size(ContentHash.sha256(altered)) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("tmp").path).isEmpty)
    }

    /// A resumed upload appends from wherever the cut left the file, aligned or not.
    @Test(arguments: setups)
    func aFileContinuedFromAnyOffsetIsWhole(setup: Setup) async throws {
        let base = URL(fileURLWithPath: setup.root).appendingPathComponent("xietong-blobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let bytes = Self.content((6 << 20) + 999, seed: 3)
        for cut in [0, 1, 4095, 4096, 12_345, 4 << 20, (6 << 20) + 998] {
            let path = base.appendingPathComponent("part-\(cut)").path
            let first = try BlobFileWriter(path: path, direct: setup.direct)
            for chunk in Self.chunks(Array(bytes[..<cut])) { try await first.write(chunk) }
            try await first.finish()
            let second = try BlobFileWriter(path: path, offset: cut, direct: setup.direct)
            for chunk in Self.chunks(Array(bytes[cut...])) { try await second.write(chunk) }
            try await second.finish()
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes), "cut at \(cut)")
            #expect(try BlobStore.hash(fileAt: URL(fileURLWithPath: path), direct: setup.direct).sha256 == ContentHash.sha256(bytes))
        }
    }
}

extension BlobStoreTests {
    /// A byte range of a blob, as an HTTP range request asks for it (issue 24): exactly its bytes, from any offset
    /// (aligned or not, the direct reader starting at the block below), of any length, across chunk boundaries, and
    /// no chunk more than the range needs.
    @Test(arguments: setups)
    func aRangeIsReadFromItsOffsetToItsEndAndNoFurther(setup: Setup) async throws {
        let store = try setup.store()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let size = (9 << 20) + 123
        let bytes = Self.content(size, seed: 5)
        let sha256 = try await store.write(ChunkSequence(chunks: Self.chunks(bytes))).sha256
        let ranges = [
            (0, 1), (0, size), (1, 1), (4095, 2), (4096, 4096), (4097, 10_000), (size - 1, 1), (size / 2, size - size / 2),
            ((1 << 20) - 7, 14), ((4 << 20) - 1, (4 << 20) + 2), (12_345, (5 << 20) + 678), (size - 5000, 5000),
        ]
        for (offset, length) in ranges {
            for chunkSize in [1 << 20, 4 << 20] {
                var chunks = 0
                var read: [UInt8] = []
                for try await chunk in store.chunks(sha256, offset: offset, length: length, chunkSize: chunkSize) {
                    chunks += 1
                    read.append(contentsOf: chunk.readableBytesView)
                }
                #expect(read == Array(bytes[offset..<offset + length]), "\(length) bytes from \(offset), chunks of \(chunkSize)")
                // One more block at most, for an unaligned start: the reader does not run on past the range.
                #expect(chunks <= (length + 4096) / chunkSize + 1, "\(chunks) chunks for \(length) bytes from \(offset)")
            }
        }
        // A range running past the end stops there; one beyond it reads nothing.
        #expect(try await Self.readAll(store.chunks(sha256, offset: size - 10, length: 100)) == Array(bytes[(size - 10)...]))
        #expect(try await Self.readAll(store.chunks(sha256, offset: size + 10, length: 100)).isEmpty)
        #expect(try await Self.readAll(store.chunks(sha256, offset: 100, length: 0)).isEmpty)
    }

    /// A writer killed mid-write leaves a temporary file; the sweep removes it once nobody can be writing it, and
    /// keeps resumable uploads' parts and anything recent.
    @Test func abandonedTemporaryFilesAreSweptButUploadsAndRecentFilesStay() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-blobs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try BlobStore(root: base)
        let abandoned = store.temporaryURL()
        let recent = store.temporaryURL()
        let part = store.uploadPartURL("u-1")
        for file in [abandoned, recent, part] { try Data(repeating: 7, count: 1000).write(to: file) }
        // The files' times are set, not taken from the machine: the sweep is judged at a fixed instant.
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for file in [abandoned, part] {
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-7200)], ofItemAtPath: file.path)
        }
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-60)], ofItemAtPath: recent.path)

        // The sweep is judged a minute after the recent file's time as the file system reports it: a layer that
        // shifts the times stat reports (libfaketime does) shifts them all alike.
        let reported = try #require(try FileManager.default.attributesOfItem(atPath: recent.path)[.modificationDate] as? Date)
        let removed = try store.removeAbandonedTemporaries(olderThan: 3600, now: reported.addingTimeInterval(60))
        #expect(removed.count == 1 && removed.bytes == 1000)
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(FileManager.default.fileExists(atPath: recent.path))
        #expect(FileManager.default.fileExists(atPath: part.path))
    }
}

/// Buffers given up front, as an async sequence.
struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { self.remaining.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: self.chunks[...]) }
}
