public import Foundation

/// Where a document's bytes come from, chunk by chunk, so that parsing streams and stops early on hostile input.
public protocol XMLByteSource {
    /// The next chunk, or nil at the end.
    mutating func nextChunk() throws(XMLError) -> [UInt8]?
}

/// A document already in memory, handed out in chunks.
public struct XMLBytes: XMLByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunkSize: Int

    public init(_ bytes: [UInt8], chunkSize: Int = 64 << 10) {
        self.bytes = bytes
        self.chunkSize = chunkSize
    }

    public init(_ data: Data) { self.init([UInt8](data)) }

    public mutating func nextChunk() throws(XMLError) -> [UInt8]? {
        guard self.offset < self.bytes.count else { return nil }
        let end = min(self.offset + self.chunkSize, self.bytes.count)
        defer { self.offset = end }
        return Array(self.bytes[self.offset..<end])
    }
}

/// A document read from a file in chunks: a 200 MB file is refused after reading just past the size limit.
public struct XMLFile: XMLByteSource {
    private let handle: FileHandle
    private let chunkSize: Int

    public init(url: URL, chunkSize: Int = 64 << 10) throws(XMLError) {
        do {
            self.handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw XMLError(.fileUnreadable, zh: "无法打开文件：\(url.path)", en: "cannot open the file: \(url.path)")
        }
        self.chunkSize = chunkSize
    }

    public mutating func nextChunk() throws(XMLError) -> [UInt8]? {
        do {
            guard let data = try self.handle.read(upToCount: self.chunkSize), !data.isEmpty else {
                try? self.handle.close()
                return nil
            }
            return [UInt8](data)
        } catch {
            throw XMLError(.fileUnreadable, zh: "读取文件失败", en: "reading the file failed: \(error.localizedDescription)")
        }
    }
}

/// A large document made on demand: a prefix, then `count` bytes of `byte`, then a suffix. Benchmarks and tests use
/// it to feed the parser hundreds of megabytes without holding them in memory.
public struct XMLRepeatedBytes: XMLByteSource {
    private var pieces: [[UInt8]]
    private var remaining: Int
    private let byte: UInt8
    private let suffix: [UInt8]

    public init(prefix: String, repeating byte: UInt8, count: Int, suffix: String) {
        self.pieces = [Array(prefix.utf8)]
        self.remaining = count
        self.byte = byte
        self.suffix = Array(suffix.utf8)
    }

    public mutating func nextChunk() throws(XMLError) -> [UInt8]? {
        if !self.pieces.isEmpty { return self.pieces.removeFirst() }
        if self.remaining > 0 {
            let size = min(self.remaining, 1 << 20)
            self.remaining -= size
            if self.remaining == 0 { self.pieces = [self.suffix] }
            return [UInt8](repeating: self.byte, count: size)
        }
        return nil
    }
}
