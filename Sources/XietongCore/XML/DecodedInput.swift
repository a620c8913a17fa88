import Foundation

/// Turns a byte source into validated UTF-8 chunks: it finds the declared encoding, refuses encodings it does not
/// support, transcodes GB18030/GBK/GB2312 (ZJ-7.1.2.1), and refuses bytes that do not match the declaration.
struct DecodedInput {
    enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
        case gbk = "GBK"
        case gb2312 = "GB2312"
    }

    private var source: any XMLByteSource
    private let limits: XMLLimits
    private(set) var encoding: Encoding = .utf8
    private(set) var declaredEncoding: String?
    private var head: [UInt8]?
    private var bytesRead = 0
    private var finished = false
    private var validator = UTF8Validator()
    private var transcoder: Transcoder?
    /// For GB encodings: whether every byte so far would also be valid UTF-8, and how many multi-byte characters
    /// that reading would have. A GB-declared document that reads as plain UTF-8 Chinese was mislabelled.
    private var lookalike = UTF8Validator()
    private var lookalikeStillValid = true
    private var lookalikeMultibyte = 0

    init(_ source: any XMLByteSource, limits: XMLLimits) throws(XMLError) {
        self.source = source
        self.limits = limits
        var head: [UInt8] = []
        while head.count < 1024, let chunk = try self.readRaw() {
            head += chunk
        }
        try self.sniff(&head)
        self.head = head
    }

    private mutating func readRaw() throws(XMLError) -> [UInt8]? {
        guard let chunk = try self.source.nextChunk() else { return nil }
        self.bytesRead += chunk.count
        if self.bytesRead > self.limits.maxDocumentBytes {
            throw XMLError(
                .xmlLimit,
                byteOffset: self.limits.maxDocumentBytes,
                zh: "文档超过大小上限 \(self.limits.maxDocumentBytes) 字节",
                en: "the document exceeds the size limit of \(self.limits.maxDocumentBytes) bytes"
            )
        }
        return chunk
    }

    private mutating func sniff(_ head: inout [UInt8]) throws(XMLError) {
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            head.removeFirst(3)
        } else if head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0x00, 0x3C])
            || head.starts(with: [0x3C, 0x00])
        {
            throw XMLError(
                .xmlEncodingUnsupported,
                byteOffset: 0,
                zh: "不支持 UTF-16/UTF-32 编码，请使用 UTF-8 或 GB18030",
                en: "UTF-16 and UTF-32 are not supported; use UTF-8 or GB18030"
            )
        }
        guard let declared = Self.declaredEncoding(in: head) else { return }
        self.declaredEncoding = declared
        let normalised = String(
            decoding: declared.utf8.map { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 0x20
                case UInt8(ascii: "_"): UInt8(ascii: "-")
                default: byte
                }
            },
            as: UTF8.self
        )
        switch normalised {
        case "UTF-8", "UTF8": self.encoding = .utf8
        case "GB18030": self.encoding = .gb18030
        case "GBK", "CP936", "MS936", "WINDOWS-936": self.encoding = .gbk
        case "GB2312", "EUC-CN": self.encoding = .gb2312
        default:
            throw XMLError(
                .xmlEncodingUnsupported,
                line: 1,
                zh: "不支持声明的编码“\(declared)”，请使用 UTF-8、GB18030 或 GBK",
                en: "the declared encoding '\(declared)' is not supported; use UTF-8, GB18030 or GBK"
            )
        }
        if self.encoding != .utf8 {
            guard let transcoder = Transcoder(from: self.encoding.rawValue) else {
                throw XMLError(.xmlEncodingUnsupported, line: 1, zh: "本机不支持 \(declared) 编码转换", en: "this system cannot convert from \(declared)")
            }
            self.transcoder = transcoder
        }
    }

    /// The `encoding` pseudo-attribute of an XML declaration at the start of the bytes. Read byte by byte: this runs
    /// for every package at every hop.
    static func declaredEncoding(in head: [UInt8]) -> String? {
        guard head.starts(with: Array("<?xml".utf8)) else { return nil }
        let limit = min(head.count, 1024)
        var end = 5
        while end + 1 < limit, !(head[end] == UInt8(ascii: "?") && head[end + 1] == UInt8(ascii: ">")) { end += 1 }
        let declaration = head[0..<end]
        let name = Array("encoding".utf8)
        guard var index = declaration.indices.first(where: { declaration[$0...].starts(with: name) }) else { return nil }
        index += name.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        while index < end, isSpace(declaration[index]) { index += 1 }
        guard index < end, declaration[index] == UInt8(ascii: "=") else { return nil }
        index += 1
        while index < end, isSpace(declaration[index]) { index += 1 }
        guard index < end, declaration[index] == UInt8(ascii: "\"") || declaration[index] == UInt8(ascii: "'") else { return nil }
        let quote = declaration[index]
        let valueStart = index + 1
        let valueEnd = declaration[valueStart...].firstIndex(of: quote) ?? end
        return String(decoding: declaration[valueStart..<valueEnd], as: UTF8.self)
    }

    /// The next chunk of valid UTF-8, or nil at the end.
    mutating func nextChunk() throws(XMLError) -> [UInt8]? {
        guard !self.finished else { return nil }
        let raw: [UInt8]?
        let rawStart: Int
        if let head = self.head {
            self.head = nil
            raw = head.isEmpty ? try self.readRaw() : head
            rawStart = 0
        } else {
            rawStart = self.bytesRead
            raw = try self.readRaw()
        }
        guard let raw else {
            self.finished = true
            try self.finish()
            return nil
        }
        if let transcoder = self.transcoder {
            self.trackLookalike(raw)
            do {
                return try transcoder.convert(raw)
            } catch {
                throw self.mismatch(at: Self.offset(of: error) ?? rawStart)
            }
        }
        switch self.validator.feed(raw) {
        case .valid(let bytes): return bytes
        case .invalid(let offset): throw self.mismatch(at: rawStart + offset)
        }
    }

    private static func offset(of failure: Transcoder.Failure) -> Int? {
        if case .invalidSequence(let offset) = failure { return offset }
        return nil
    }

    private mutating func trackLookalike(_ raw: [UInt8]) {
        guard self.lookalikeStillValid else { return }
        switch self.lookalike.feed(raw) {
        case .valid(let bytes): self.lookalikeMultibyte += bytes.lazy.filter { $0 >= 0xC2 && $0 <= 0xF4 }.count
        case .invalid: self.lookalikeStillValid = false
        }
    }

    private mutating func finish() throws(XMLError) {
        if let transcoder = self.transcoder {
            do {
                try transcoder.finish()
            } catch {
                throw self.mismatch(at: self.bytesRead)
            }
            if self.lookalikeStillValid, !self.lookalike.hasIncompleteTail, self.lookalikeMultibyte >= 4 {
                throw XMLError(
                    .xmlEncodingMismatch,
                    zh: "声明编码为 \(self.declaredEncoding ?? "")，但内容实为 UTF-8",
                    en: "the declared encoding is \(self.declaredEncoding ?? ""), but the content is UTF-8"
                )
            }
        } else if self.validator.hasIncompleteTail {
            throw self.mismatch(at: self.bytesRead)
        }
    }

    private func mismatch(at offset: Int) -> XMLError {
        let declared = self.declaredEncoding ?? "UTF-8"
        return XMLError(
            .xmlEncodingMismatch,
            byteOffset: offset,
            zh: "第 \(offset) 字节处的内容不符合声明的编码 \(declared)",
            en: "the bytes at offset \(offset) are not valid \(declared), the declared encoding"
        )
    }
}
