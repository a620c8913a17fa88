import Foundation

/// A type that reads itself from JSON, without Foundation's intermediate tree: the values every package's journey
/// decodes several times — receipts, hops, feed entries, deliveries — on the nodes and the hub. It reads what its
/// synthesized `Decodable` conformance reads (`JSONReaderTests` compares the two on awkward values): a missing or
/// `null` optional is `nil`, a missing required field fails, an unknown field is skipped.
public protocol JSONReadable: Decodable {
    init(json reader: inout JSONReader) throws(JSONReader.Failure)
}

/// Reads one JSON value from bytes (RFC 8259), strictly: whitespace between tokens only, strings of valid UTF-8
/// with valid escapes, nothing after the value.
public struct JSONReader {
    /// What is wrong, and where (a byte offset into the input).
    public struct Failure: Error, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(self.offset): \(self.reason)" }
    }

    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Reads a whole input as `T`: itself if it is `JSONReadable`, else with Foundation's decoder. `nil` when the input
    /// is not JSON or not a `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        guard let readable = type as? any JSONReadable.Type else { return try? JSONDecoder().decode(type, from: Data(bytes)) }
        var reader = JSONReader(bytes)
        guard let value = try? reader.readDocument(readable) else { return nil }
        return value as? T
    }

    private mutating func readDocument<T: JSONReadable>(_ type: T.Type) throws(Failure) -> T {
        let value = try T(json: &self)
        self.skipWhitespace()
        guard self.position == self.bytes.count else { throw self.failure("text after the value") }
        return value
    }

    // MARK: Values

    /// A nested value that reads itself.
    public mutating func read<T: JSONReadable>(_ type: T.Type) throws(Failure) -> T {
        try T(json: &self)
    }

    /// An object: `field` is called with each key, and must read (or `skipValue`) that key's value.
    public mutating func readObject(_ field: (inout JSONReader, String) throws(Failure) -> Void) throws(Failure) {
        try self.expect(UInt8(ascii: "{"))
        if try self.peek() == UInt8(ascii: "}") {
            self.position += 1
            return
        }
        while true {
            guard try self.peek() == UInt8(ascii: "\"") else { throw self.failure("expected a field name") }
            let key = try self.readString()
            try self.expect(UInt8(ascii: ":"))
            try field(&self, key)
            switch try self.next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw self.failure("expected , or } in an object", at: self.position - 1)
            }
        }
    }

    /// An object of which one field matters: `key`, which must be there, read as `T`; the others are skipped.
    public mutating func readObject<T: JSONReadable>(field key: String, as type: T.Type) throws(Failure) -> T {
        var value: T?
        try self.readObject { (reader: inout JSONReader, name: String) throws(Failure) in
            if name == key { value = try reader.read(T.self) } else { try reader.skipValue() }
        }
        return try self.required(value, key)
    }

    /// An array, each element read by `element`.
    public mutating func readArray<Element>(_ element: (inout JSONReader) throws(Failure) -> Element) throws(Failure) -> [Element] {
        try self.expect(UInt8(ascii: "["))
        var elements: [Element] = []
        if try self.peek() == UInt8(ascii: "]") {
            self.position += 1
            return elements
        }
        while true {
            elements.append(try element(&self))
            switch try self.next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return elements
            default: throw self.failure("expected , or ] in an array", at: self.position - 1)
            }
        }
    }

    /// An optional value: `nil` for `null`, else what `read` reads.
    public mutating func readOptional<T>(_ read: (inout JSONReader) throws(Failure) -> T) throws(Failure) -> T? {
        if try self.readNull() { return nil }
        return try read(&self)
    }

    /// Consumes a `null` if one is next, and says so.
    public mutating func readNull() throws(Failure) -> Bool {
        guard try self.peek() == UInt8(ascii: "n") else { return false }
        try self.literal("null")
        return true
    }

    public mutating func readBool() throws(Failure) -> Bool {
        switch try self.peek() {
        case UInt8(ascii: "t"):
            try self.literal("true")
            return true
        case UInt8(ascii: "f"):
            try self.literal("false")
            return false
        default: throw self.failure("expected true or false")
        }
    }

    /// An integer. A number with a fraction or an exponent is accepted when its value is a whole number that fits,
    /// as Foundation's decoder does.
    public mutating func readInt() throws(Failure) -> Int {
        let (start, integral) = try self.scanNumber()
        let text = String(decoding: self.bytes[start..<self.position], as: UTF8.self)
        if integral, let value = Int(text) { return value }
        if !integral, let double = Double(text), double.rounded() == double, let value = Int(exactly: double) { return value }
        throw self.failure("\(text) is not an integer that fits", at: start)
    }

    /// A string, its escapes resolved.
    public mutating func readString() throws(Failure) -> String {
        try self.expect(UInt8(ascii: "\""))
        let start = self.position
        // Most strings have no escapes: their bytes are the string's own. (Scanned without bounds checks: a small
        // package's bytes travel as one base64 string of several KB.)
        self.position = self.bytes.withUnsafeBufferPointer { buffer in
            var index = start
            while index < buffer.count {
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                index += 1
            }
            return index
        }
        if self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case UInt8(ascii: "\""):
                defer { self.position += 1 }
                return try self.validated(self.bytes[start..<self.position], at: start)
            case UInt8(ascii: "\\"): break
            default: throw self.failure("a control character inside a string")
            }
        }
        var unescaped = Array(self.bytes[start..<self.position])
        while self.position < self.bytes.count {
            let byte = self.bytes[self.position]
            self.position += 1
            switch byte {
            case UInt8(ascii: "\""): return try self.validated(unescaped[...], at: start)
            case UInt8(ascii: "\\"): try self.unescape(into: &unescaped)
            case ..<0x20: throw self.failure("a control character inside a string", at: self.position - 1)
            default: unescaped.append(byte)
            }
        }
        throw self.failure("a string without its closing quote", at: start - 1)
    }

    /// The first byte of the next value (after white space), without consuming it.
    public mutating func nextByte() throws(Failure) -> UInt8 {
        try self.peek()
    }

    /// Checks that nothing but white space follows the value read.
    public mutating func finish() throws(Failure) {
        self.skipWhitespace()
        guard self.position == self.bytes.count else { throw self.failure("text after the value") }
    }

    /// Skips one value of any kind, checking that it is well formed.
    public mutating func skipValue() throws(Failure) {
        switch try self.peek() {
        case UInt8(ascii: "{"): try self.readObject { (reader: inout JSONReader, _) throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "["): _ = try self.readArray { (reader: inout JSONReader) throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try self.readString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try self.readBool()
        case UInt8(ascii: "n"): _ = try self.readNull()
        default: _ = try self.scanNumber()
        }
    }

    /// A nested value with Foundation's decoder, for the rare values that do not read themselves.
    public mutating func readDecodable<T: Decodable>(_ type: T.Type) throws(Failure) -> T {
        _ = try self.peek()
        let start = self.position
        try self.skipValue()
        do {
            return try JSONDecoder().decode(type, from: Data(self.bytes[start..<self.position]))
        } catch {
            throw self.failure("not a \(type): \(error)", at: start)
        }
    }

    /// A string or `null`.
    public mutating func readOptionalString() throws(Failure) -> String? {
        try self.readOptional { (reader: inout JSONReader) throws(Failure) in try reader.readString() }
    }

    /// A value that reads itself, or `null`.
    public mutating func readOptional<T: JSONReadable>(_ type: T.Type) throws(Failure) -> T? {
        try self.readOptional { (reader: inout JSONReader) throws(Failure) in try T(json: &reader) }
    }

    /// A string naming one of `T`'s cases; `key` names the field in the failure.
    public mutating func readCase<T: RawRepresentable>(_ type: T.Type, of key: String) throws(Failure) -> T where T.RawValue == String {
        let text = try self.readString()
        guard let value = T(rawValue: text) else { throw self.failure("\(text) is not a valid \(key)") }
        return value
    }

    /// The value of a required field, or the failure that it is missing.
    public func required<T>(_ value: T?, _ key: String) throws(Failure) -> T {
        guard let value else { throw self.failure("the field \(key) is missing") }
        return value
    }

    // MARK: Tokens

    /// Consumes a number as RFC 8259 spells it; says where it starts and whether it has neither a fraction nor an
    /// exponent.
    private mutating func scanNumber() throws(Failure) -> (start: Int, integral: Bool) {
        _ = try self.peek()
        let start = self.position
        if self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: "-") { self.position += 1 }
        let digits = try self.scanDigits(orFail: "expected a value", at: start)
        if self.bytes[digits] == UInt8(ascii: "0"), self.position - digits > 1 { throw self.failure("a number with a leading zero", at: start) }
        var integral = true
        if self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: ".") {
            integral = false
            self.position += 1
            _ = try self.scanDigits(orFail: "a number without digits after its point", at: start)
        }
        if self.position < self.bytes.count, self.bytes[self.position] | 0x20 == UInt8(ascii: "e") {
            integral = false
            self.position += 1
            if self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: "+") || self.bytes[self.position] == UInt8(ascii: "-") {
                self.position += 1
            }
            _ = try self.scanDigits(orFail: "a number without digits in its exponent", at: start)
        }
        return (start, integral)
    }

    /// Consumes one or more digits and says where they start.
    private mutating func scanDigits(orFail reason: String, at start: Int) throws(Failure) -> Int {
        let digits = self.position
        while self.position < self.bytes.count, Self.isDigit(self.bytes[self.position]) { self.position += 1 }
        guard self.position > digits else { throw self.failure(reason, at: start) }
        return digits
    }

    private mutating func unescape(into unescaped: inout [UInt8]) throws(Failure) {
        guard self.position < self.bytes.count else { throw self.failure("a string without its closing quote") }
        let escape = self.bytes[self.position]
        self.position += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
        case UInt8(ascii: "b"): unescaped.append(0x08)
        case UInt8(ascii: "f"): unescaped.append(0x0C)
        case UInt8(ascii: "n"): unescaped.append(0x0A)
        case UInt8(ascii: "r"): unescaped.append(0x0D)
        case UInt8(ascii: "t"): unescaped.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard self.position + 1 < self.bytes.count, self.bytes[self.position] == UInt8(ascii: "\\"),
                    self.bytes[self.position + 1] == UInt8(ascii: "u")
                else { throw self.failure("a high surrogate without its low surrogate") }
                self.position += 2
                let low = try self.hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw self.failure("a high surrogate without its low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw self.failure("a low surrogate without its high surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw self.failure("an invalid \\u escape") }
            unescaped.append(contentsOf: UTF8.encode(unicode)!)
        default: throw self.failure("an invalid escape \\\(Character(Unicode.Scalar(escape)))", at: self.position - 2)
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard self.position + 4 <= self.bytes.count else { throw self.failure("a \\u escape without four hex digits") }
        var value: UInt32 = 0
        for byte in self.bytes[self.position..<self.position + 4] {
            guard let digit = Self.hexValue(byte) else { throw self.failure("a \\u escape without four hex digits") }
            value = value << 4 | digit
        }
        self.position += 4
        return value
    }

    private func validated(_ utf8: ArraySlice<UInt8>, at start: Int) throws(Failure) -> String {
        guard let string = String(validating: utf8, as: UTF8.self) else { throw self.failure("a string that is not valid UTF-8", at: start) }
        return string
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { expected in
            self.position + count <= self.bytes.count && self.bytes[self.position..<self.position + count].elementsEqual(expected)
        }
        guard matches else { throw self.failure("expected \(word)") }
        self.position += count
    }

    /// The next token's first byte, after whitespace, not consumed.
    private mutating func peek() throws(Failure) -> UInt8 {
        self.skipWhitespace()
        guard self.position < self.bytes.count else { throw self.failure("the input ends too early") }
        return self.bytes[self.position]
    }

    private mutating func next() throws(Failure) -> UInt8 {
        let byte = try self.peek()
        self.position += 1
        return byte
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try self.peek() == byte else { throw self.failure("expected \(Character(Unicode.Scalar(byte)))") }
        self.position += 1
    }

    private mutating func skipWhitespace() {
        while self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): self.position += 1
            default: return
            }
        }
    }

    private func failure(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(offset: offset ?? self.position, reason: reason)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

extension Array: JSONReadable where Element: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        self = try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in try Element(json: &reader) }
    }
}

extension String: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        self = try reader.readString()
    }
}
