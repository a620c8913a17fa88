public import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Direct I/O for large blobs: dossier files go between the network and the disk without passing through the page
/// cache (`O_DIRECT`), in aligned blocks.
///
/// A 1 GiB dossier written through the page cache makes the kernel find and fill 262,144 fresh pages; on a virtual
/// machine whose free memory is handed back to the host (a balloon), that costs more than the disk write itself
/// (measured on the project's machine: 300–580 MB/s buffered against 1.7–2.4 GB/s direct, `dd … conv=fsync`). A blob
/// passes through a node once, so caching it gains nothing. Where the file system refuses `O_DIRECT` (tmpfs on older
/// kernels, some network file systems) the same code carries on with ordinary buffered I/O (`blobDirectIO` false
/// chooses that everywhere).
enum DirectIO {
    /// The alignment of offsets, lengths and memory for direct transfers: the largest logical block size in use.
    static let alignment = 4096

    /// `O_DIRECT`, which Swift's Glibc module does not export (it sits behind `_GNU_SOURCE`).
    static var flag: Int32? {
        #if os(Linux) && arch(x86_64)
        return 0o40000
        #elseif os(Linux) && arch(arm64)
        return 0o200000
        #else
        return nil
        #endif
    }

    /// Turns direct transfers on or off for an open descriptor; false when the file system does not allow them.
    static func set(_ descriptor: Int32, direct: Bool) -> Bool {
        guard let flag = Self.flag else { return !direct }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return false }
        let wanted = direct ? flags | flag : flags & ~flag
        return wanted == flags || fcntl(descriptor, F_SETFL, wanted) == 0
    }

    static func isAligned(_ value: Int) -> Bool { value % Self.alignment == 0 }
}

/// Writes a file from network buffers in aligned blocks of `capacity` bytes, directly to the disk when the file
/// system allows it; the unaligned tail goes through the page cache. `finish` syncs the data before it returns.
///
/// Two buffers take turns: while one full block is written on NIO's thread pool for blocking I/O, the caller hashes
/// and copies the next into the other, so the disk and the processor work at the same time.
///
/// One task writes one file; at most one block is being written by the pool at a time, and only while the caller
/// fills the other buffer, so the two never touch the same state.
public final class BlobFileWriter: @unchecked Sendable {
    private let descriptor: Int32
    /// The file written, for errors.
    let path: String
    /// The buffer being filled and, once a block goes to the pool, the other one.
    private var buffers: [UnsafeMutableRawPointer]
    private var current = 0
    private let capacity: Int
    private var count = 0
    private var position: Int
    private var direct = false
    private var directRefused = false
    private var closed = false
    private var pending: Task<Void, any Error>?

    /// Opens (creating it when needed) `path` for writing from `offset` on; with `direct` false, through the page
    /// cache only.
    public init(path: String, offset: Int = 0, capacity: Int = 4 << 20, direct: Bool = true) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError.io(errno: errno, path: path, zh: "无法打开文件 \(path)", en: "cannot open \(path) for writing")
        }
        guard let first = Self.allocate(capacity) else {
            close(descriptor)
            throw StoreError(.io, zh: "内存不足", en: "cannot allocate a \(capacity)-byte write buffer")
        }
        self.descriptor = descriptor
        self.path = path
        self.buffers = [first]
        self.capacity = capacity
        self.position = offset
        self.directRefused = !direct
    }

    private static func allocate(_ capacity: Int) -> UnsafeMutableRawPointer? {
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, DirectIO.alignment, capacity) == 0 else { return nil }
        return memory
    }

    deinit {
        if !self.closed { close(self.descriptor) }
        for buffer in self.buffers { free(buffer) }
    }

    private var buffer: UnsafeMutableRawPointer { self.buffers[self.current] }

    /// Appends a network buffer; full blocks go to the disk as they fill.
    public func write(_ chunk: ByteBuffer) async throws {
        var remaining = chunk.readableBytesView[...]
        while !remaining.isEmpty {
            let take = min(self.capacity - self.count, remaining.count)
            let destination = UnsafeMutableRawBufferPointer(start: self.buffer + self.count, count: take)
            destination.copyBytes(from: remaining.prefix(take))
            remaining = remaining.dropFirst(take)
            self.count += take
            if self.count == self.capacity { try await self.submitFullBuffer() }
        }
    }

    /// Writes what is buffered, syncs the file's data to the disk and closes it.
    public func finish() async throws {
        try await self.settle()
        try self.drain(final: true)
        guard fdatasync(self.descriptor) == 0 else {
            throw StoreError.io(errno: errno, path: self.path, zh: "无法将文件写入磁盘", en: "cannot sync the file to the disk")
        }
        self.closed = true
        guard close(self.descriptor) == 0 else {
            throw StoreError.io(errno: errno, path: self.path, zh: "无法关闭文件", en: "cannot close the file")
        }
    }

    /// Waits for the block being written, and reports its failure.
    private func settle() async throws {
        guard let pending = self.pending else { return }
        self.pending = nil
        try await pending.value
    }

    /// A full buffer at an aligned position is written by the pool while the caller fills the other one; anything
    /// else is written here and now.
    private func submitFullBuffer() async throws {
        try await self.settle()
        guard DirectIO.isAligned(self.position), !self.directRefused else {
            try self.drain(final: false)
            return
        }
        if self.buffers.count == 1 {
            // A file larger than one block: the second buffer, allocated only now so small files need one.
            guard let second = Self.allocate(self.capacity) else {
                try self.drain(final: false)
                return
            }
            self.buffers.append(second)
        }
        let full = self.current
        let length = self.count
        self.current = 1 - self.current
        self.count = 0
        self.pending = Task {
            try await NIOThreadPool.singleton.runIfActive { try self.putAll(self.buffers[full], length) }
        }
    }

    /// Writes out the buffer: aligned blocks directly while the file position is aligned, the rest (an unaligned
    /// start left by a cut upload, or the final tail) through the page cache.
    private func drain(final: Bool) throws(StoreError) {
        var start = 0
        while start < self.count {
            let pending = self.count - start
            let length: Int
            let useDirect: Bool
            if !DirectIO.isAligned(self.position) {
                length = min(pending, DirectIO.alignment - self.position % DirectIO.alignment)
                useDirect = false
            } else if pending >= DirectIO.alignment && !self.directRefused {
                length = pending - pending % DirectIO.alignment
                useDirect = true
            } else if final || self.directRefused {
                // The tail, or everything when the file system (or the store) takes no direct I/O.
                length = pending
                useDirect = false
            } else {
                break
            }
            start += try self.put(self.buffer + start, length, direct: useDirect)
        }
        if start > 0 && start < self.count {
            memmove(self.buffer, self.buffer + start, self.count - start)
        }
        self.count -= start
    }

    /// Writes a whole aligned block at the current position, directly where allowed.
    private func putAll(_ bytes: UnsafeMutableRawPointer, _ length: Int) throws(StoreError) {
        var done = 0
        while done < length {
            // After a short write the position may no longer be aligned: the rest goes through the page cache.
            done += try self.put(bytes + done, length - done, direct: DirectIO.isAligned(self.position) && !self.directRefused)
        }
    }

    /// One `pwrite` at the current position, retried on interruption, which advances the position; a file system
    /// that refuses direct I/O is written through the page cache.
    private func put(_ bytes: UnsafeMutableRawPointer, _ length: Int, direct: Bool) throws(StoreError) -> Int {
        if direct != self.direct {
            if DirectIO.set(self.descriptor, direct: direct) {
                self.direct = direct
            } else if direct {
                self.directRefused = true
            }
        }
        while true {
            let written = pwrite(self.descriptor, bytes, length, off_t(self.position))
            if written > 0 {
                self.position += written
                return written
            }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == EINVAL && self.direct {
                self.directRefused = true
                _ = DirectIO.set(self.descriptor, direct: false)
                self.direct = false
                continue
            }
            throw StoreError.io(errno: errno, path: self.path, zh: "写入文件失败", en: "cannot write the file")
        }
    }
}

/// Reads a file, or one range of it, in chunks into network buffers, directly from the disk when the file system
/// allows it. The next chunk is read on NIO's thread pool for blocking I/O while the caller sends the current one.
///
/// A range is read from where it starts (the offset is where the first `pread` goes, nothing before it is read) and
/// stops at its end, so seeking into a recording of gigabytes costs what the range costs (issue 24). A direct read
/// must start at an aligned offset: one that does not starts at the block boundary below it, and the first chunk
/// leaves out the bytes before the range.
///
/// One task reads one file; at most one read is in flight, and the reader's state is touched only by it.
public final class BlobFileReader: @unchecked Sendable {
    private let descriptor: Int32
    /// Where the next `pread` starts.
    private var position: Int
    /// Bytes at the start of the next read that precede the range (only before the first read of a direct reader).
    private var skip: Int
    /// Where the range ends (exclusive); nil to read to the end of the file.
    private let end: Int?
    private var direct: Bool
    private var ahead: Task<ByteBuffer?, any Error>?
    /// The file's size when opened: no chunk needs a larger buffer than what is left of it.
    private let size: Int

    /// Opens `path` for reading `length` bytes from `offset` (to the end of the file without `length`); nil when it
    /// cannot be opened. With `direct` false, through the page cache only.
    public init?(path: String, offset: Int = 0, length: Int? = nil, direct: Bool = true) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.size = Int(status.st_size)
        self.end = length.map { offset + max(0, $0) }
        let direct = direct && DirectIO.set(descriptor, direct: true)
        let misalignment = direct ? offset % DirectIO.alignment : 0
        self.direct = direct
        self.position = offset - misalignment
        self.skip = misalignment
    }

    deinit { close(self.descriptor) }

    /// The next chunk of up to `size` bytes (a multiple of the alignment), or nil at the end of the file or range;
    /// the chunk after it is read meanwhile.
    public func next(size: Int) async throws -> ByteBuffer? {
        let chunk: ByteBuffer?
        if let ahead = self.ahead {
            self.ahead = nil
            chunk = try await ahead.value
        } else {
            chunk = try self.read(size: size)
        }
        if chunk != nil {
            self.ahead = Task { try await NIOThreadPool.singleton.runIfActive { try self.read(size: size) } }
        }
        return chunk
    }

    /// Reads the next chunk here and now (for callers that are not asynchronous).
    public func nextNow(size: Int) throws(StoreError) -> ByteBuffer? { try self.read(size: size) }

    private func read(size wanted: Int) throws(StoreError) -> ByteBuffer? {
        if let end = self.end, self.position + self.skip >= end { return nil }
        // A whole number of blocks, at least one, no more than what is left of the range or the file (which may have
        // grown: read on).
        let left = (self.end ?? self.size) - self.position
        let size = max(DirectIO.alignment, min(wanted, left + DirectIO.alignment - left % DirectIO.alignment))
        var buffer = ByteBufferAllocator().buffer(capacity: size + DirectIO.alignment)
        while true {
            var failure: Int32 = 0
            var padding = 0
            var count = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size + DirectIO.alignment) { memory in
                // Direct reads need aligned memory: the data starts at the first aligned address.
                let address = Int(bitPattern: memory.baseAddress!)
                padding = (DirectIO.alignment - address % DirectIO.alignment) % DirectIO.alignment
                let read = pread(self.descriptor, memory.baseAddress! + padding, size, off_t(self.position))
                guard read > 0 else {
                    failure = read < 0 ? errno : 0
                    return 0
                }
                count = read
                // Nothing past the range's end is handed on.
                return padding + (self.end.map { min(read, $0 - self.position) } ?? read)
            }
            if failure == EINTR { continue }
            if failure == EINVAL && self.direct {
                // The file system refused direct reads after all: read through the page cache.
                self.direct = false
                _ = DirectIO.set(self.descriptor, direct: false)
                continue
            }
            guard failure == 0 else {
                throw StoreError(.io, zh: "读取文件失败", en: "cannot read the file (errno \(failure))")
            }
            guard count > 0 else { return nil }
            self.position += count
            let skip = self.skip
            self.skip = 0
            // The file ended before the range began.
            guard buffer.readableBytes > padding + skip else { return nil }
            buffer.moveReaderIndex(forwardBy: padding + skip)
            return buffer
        }
    }
}
