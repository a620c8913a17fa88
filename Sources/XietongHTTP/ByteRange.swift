/// One byte range of a stored file, and how a `GET` or `HEAD` of the file answers its `Range` and conditional headers
/// (RFC 9110 §13 and §14, issue 24): the whole file (200), one range of it (206), a range outside it (416), not
/// modified (304) or a failed precondition (412). Pure: `BlobResponse` acts on the answer.
///
/// Written here rather than taken from Hummingbird: its `FileMiddleware` serves ranges only of the files it finds in
/// a folder by their path, and its range parser is private; that parser also reads `bytes=-n` as the first n + 1 bytes
/// instead of the last n, and answers a header it cannot read with 416 where RFC 9110 lets the server ignore it. Its
/// public `FileIO.loadFile(path:range:context:)` could stream a range, but through the page cache and with every
/// failure answered 404; the blob store's own reader (`BlobStore.chunks(_:offset:length:)`, direct I/O) streams it
/// instead.
///
/// What RFC 9110 leaves to the server, decided here:
/// - Several ranges (`bytes=0-99,500-599`) are answered with the whole file, 200: a server may ignore `Range`
///   (§14.2), media players and download tools ask for one range at a time, and no `multipart/byteranges` body is
///   ever written.
/// - A `Range` that cannot be read, or of another unit than `bytes`, is ignored: 200 (§14.2).
/// - The file's validator is the strong entity tag `"<sha256>"`: the bytes behind a hash never change. No
///   `Last-Modified` is sent, so an `If-Range` date never matches (the whole file, §13.1.5), and `If-Modified-Since`
///   and `If-Unmodified-Since` are ignored, as for a resource without a modification date (§13.1.3, §13.1.4).
/// - An `If-Match` or `If-None-Match` that cannot be read is ignored.
public struct ByteRange: Sendable, Hashable, CustomStringConvertible {
    /// The offset of the first byte.
    public let first: Int
    /// The offset of the last byte, included (as `Content-Range` counts).
    public let last: Int

    public init(first: Int, last: Int) {
        precondition(first >= 0 && first <= last, "a byte range runs from its first byte to a later or the same one")
        self.first = first
        self.last = last
    }

    /// How many bytes the range holds.
    public var count: Int { self.last - self.first + 1 }

    public var description: String { "\(self.first)-\(self.last)" }

    /// The `Content-Range` of a 206 for a file of `size` bytes: `bytes 0-99/1000`.
    public func contentRange(of size: Int) -> String { "bytes \(self.first)-\(self.last)/\(size)" }

    /// The `Content-Range` of a 416 for a file of `size` bytes: `bytes */1000`.
    public static func unsatisfiable(of size: Int) -> String { "bytes */\(size)" }

    /// The strong entity tag (`ETag`) of a file whose content is named by `opaque` (its SHA-256): `"<opaque>"`.
    public static func entityTag(_ opaque: String) -> String { "\"\(opaque)\"" }

    /// One range as a `Range` header asks for it, before it meets the file's size.
    public enum Spec: Sendable, Hashable {
        /// `first-` (to the end) or `first-last`.
        case from(first: Int, last: Int?)
        /// `-length`: the last `length` bytes.
        case suffix(length: Int)

        /// The bytes of a file of `size` bytes this asks for; nil when it asks for none of them (unsatisfiable: a first
        /// byte at or past the end, a suffix of no bytes, any range of an empty file).
        public func range(in size: Int) -> ByteRange? {
            switch self {
            case .from(let first, let last):
                guard first < size else { return nil }
                return ByteRange(first: first, last: min(last ?? size - 1, size - 1))
            case .suffix(let length):
                guard length > 0, size > 0 else { return nil }
                return ByteRange(first: size - min(length, size), last: size - 1)
            }
        }
    }

    /// What a request gets.
    public enum Answer: Sendable, Hashable {
        /// 200: the whole file (also when `Range` is absent, ignored, or overruled by `If-Range`).
        case whole
        /// 206: this range of it, with `Content-Range`.
        case part(ByteRange)
        /// 416: the one range asked for lies outside the file; `Content-Range: bytes */size`.
        case unsatisfiable
        /// 304: `If-None-Match` names the file's entity tag.
        case notModified
        /// 412: `If-Match` does not name it.
        case preconditionFailed
    }

    /// The answer to a request for a file of `size` bytes whose strong entity tag is `"<eTag>"`, its preconditions
    /// evaluated in RFC 9110's order (§13.2.2): `If-Match`, `If-None-Match`, then `If-Range` and `Range`.
    ///
    /// - Parameters:
    ///   - eTag: the entity tag's opaque part, without quotes (the file's SHA-256).
    ///   - range: the `Range` header; nil without one, and for a `HEAD`: only a `GET` has ranges (§14.2).
    public static func answer(
        size: Int,
        eTag: String,
        range: String?,
        ifRange: String? = nil,
        ifMatch: String? = nil,
        ifNoneMatch: String? = nil
    ) -> Answer {
        if let ifMatch, let named = Self.names(ifMatch, eTag: eTag, weakly: false), !named { return .preconditionFailed }
        if let ifNoneMatch, let named = Self.names(ifNoneMatch, eTag: eTag, weakly: true), named { return .notModified }
        guard let range else { return .whole }
        if let ifRange, !Self.validates(ifRange, eTag: eTag) { return .whole }
        guard let specs = Self.specs(range), specs.count == 1 else { return .whole }
        guard let part = specs[0].range(in: size) else { return .unsatisfiable }
        return .part(part)
    }

    /// The ranges a `Range` value asks for, in its order (RFC 9110 §14.1.1, §14.2); nil when it is no `bytes` range set:
    /// another unit (names of units are case-insensitive), a syntax error, or a range whose last byte comes before its
    /// first. Empty list elements are skipped (§5.6.1); numbers too large for an `Int` are read as `Int.max`.
    public static func specs(_ value: String) -> [Spec]? {
        let text = Self.trimmed(Substring(value))
        guard let equals = text.firstIndex(of: "="), text[..<equals].lowercased() == "bytes" else { return nil }
        var specs: [Spec] = []
        for element in text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false) {
            let item = Self.trimmed(element)
            if item.isEmpty { continue }
            guard let dash = item.firstIndex(of: "-") else { return nil }
            let before = item[..<dash]
            let after = item[item.index(after: dash)...]
            if before.isEmpty {
                guard let length = Self.number(after) else { return nil }
                specs.append(.suffix(length: length))
            } else if after.isEmpty {
                guard let first = Self.number(before) else { return nil }
                specs.append(.from(first: first, last: nil))
            } else {
                guard let first = Self.number(before), let last = Self.number(after), last >= first else { return nil }
                specs.append(.from(first: first, last: last))
            }
        }
        return specs.isEmpty ? nil : specs
    }

    /// Whether an `If-Range` value lets the range be sent (§13.1.5): the file's strong entity tag, exactly. A weak tag
    /// never does, nor a date (no `Last-Modified` is sent to compare it with).
    static func validates(_ value: String, eTag: String) -> Bool {
        let text = Self.trimmed(Substring(value))
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return false }
        return text.dropFirst().dropLast() == eTag
    }

    /// Whether an `If-Match` (strong comparison) or `If-None-Match` (weak comparison) value names the entity tag
    /// `"<eTag>"` (§8.8.3.2, §13.1.1, §13.1.2): `*` names any; otherwise a list of `"…"` and `W/"…"`. Nil when the value
    /// cannot be read.
    static func names(_ value: String, eTag: String, weakly: Bool) -> Bool? {
        var rest = Self.trimmed(Substring(value))
        if rest == "*" { return true }
        var named = false
        var tags = 0
        while true {
            rest = Self.trimmed(rest)
            if rest.first == "," {
                rest.removeFirst()
                continue
            }
            guard !rest.isEmpty else { break }
            let weak = rest.hasPrefix("W/")
            if weak { rest = rest.dropFirst(2) }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { return nil }
            let opaque = rest[rest.index(after: rest.startIndex)..<close]
            rest = Self.trimmed(rest[rest.index(after: close)...])
            guard rest.isEmpty || rest.first == "," else { return nil }
            tags += 1
            if opaque == eTag && (weakly || !weak) { named = true }
        }
        return tags > 0 ? named : nil
    }

    /// Decimal digits (`1*DIGIT`) as a number, `Int.max` when larger; nil for anything else.
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (tens, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedToo) = tens.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            value = overflowed || overflowedToo ? Int.max : sum
        }
        return value
    }

    /// Without the optional white space (spaces and tabs) around it.
    static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
