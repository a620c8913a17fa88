/// A type that writes its canonical JSON itself: the bytes Foundation's `JSONEncoder` gives with sorted keys and
/// unescaped slashes, without its intermediate tree. `CanonicalJSON.encode` uses it for the values written on every
/// package's path — receipts, hops, findings — which are signed, hashed into the evidence log and stored, so the
/// bytes must not change: `CanonicalJSONWriterTests` compares each with Foundation's on awkward values.
public protocol CanonicalJSONWritable: Encodable {
    /// Writes the value, its fields in the sorted order of their keys.
    func write(to writer: inout CanonicalJSONWriter)
}

/// Writes JSON the way `CanonicalJSON` does. The caller writes an object's fields in sorted key order; a `nil`
/// optional is left out, as `Encodable`'s synthesized conformances do.
public struct CanonicalJSONWriter {
    public private(set) var bytes: [UInt8] = []
    private static let hexDigits = Array("0123456789abcdef".utf8)
    /// Per open object, whether a field has been written (the next one needs a comma).
    private var written: [Bool] = []

    public init() {
        self.bytes.reserveCapacity(512)
    }

    public mutating func object(_ fields: (inout CanonicalJSONWriter) -> Void) {
        self.bytes.append(UInt8(ascii: "{"))
        self.written.append(false)
        fields(&self)
        self.written.removeLast()
        self.bytes.append(UInt8(ascii: "}"))
    }

    public mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        self.key(key)
        self.string(value)
    }

    public mutating func field(_ key: StaticString, _ value: Int?) {
        guard let value else { return }
        self.key(key)
        self.bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        self.bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func field<Value: CanonicalJSONWritable>(_ key: StaticString, _ value: Value?) {
        guard let value else { return }
        self.key(key)
        value.write(to: &self)
    }

    public mutating func field<Value: CanonicalJSONWritable>(_ key: StaticString, _ values: [Value]?) {
        guard let values else { return }
        self.key(key)
        self.array(values)
    }

    /// An array whose missing elements are written as `null` (they keep their places).
    public mutating func field<Value: CanonicalJSONWritable>(_ key: StaticString, _ values: [Value?]?) {
        guard let values else { return }
        self.key(key)
        self.array(values) { writer, value in
            if let value { value.write(to: &writer) } else { writer.bytes.append(contentsOf: "null".utf8) }
        }
    }

    /// Strings whose missing elements are written as `null` (they keep their places).
    public mutating func field(_ key: StaticString, _ values: [String?]?) {
        guard let values else { return }
        self.key(key)
        self.array(values) { writer, value in
            if let value { writer.string(value) } else { writer.bytes.append(contentsOf: "null".utf8) }
        }
    }

    public mutating func field(_ key: StaticString, _ values: [String]?) {
        guard let values else { return }
        self.key(key)
        self.array(values) { $0.string($1) }
    }

    public mutating func array<Value: CanonicalJSONWritable>(_ values: [Value]) {
        self.array(values) { $1.write(to: &$0) }
    }

    private mutating func array<Value>(_ values: [Value], _ element: (inout CanonicalJSONWriter, Value) -> Void) {
        self.bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            element(&self, value)
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    private mutating func key(_ key: StaticString) {
        if self.written[self.written.count - 1] {
            self.bytes.append(UInt8(ascii: ","))
        } else {
            self.written[self.written.count - 1] = true
        }
        self.bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { self.bytes.append(contentsOf: $0) }
        self.bytes.append(UInt8(ascii: "\""))
        self.bytes.append(UInt8(ascii: ":"))
    }

    /// A string as Foundation writes it: `"` and `\` escaped, the control characters below U+0020 as `\b`, `\f`,
    /// `\n`, `\r`, `\t` or `\u00XX`; everything else, `/` and non-ASCII included, as its UTF-8.
    public mutating func string(_ value: String) {
        self.bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                self.bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): self.bytes.append(byte)
                case 0x08: self.bytes.append(UInt8(ascii: "b"))
                case 0x0C: self.bytes.append(UInt8(ascii: "f"))
                case 0x0A: self.bytes.append(UInt8(ascii: "n"))
                case 0x0D: self.bytes.append(UInt8(ascii: "r"))
                case 0x09: self.bytes.append(UInt8(ascii: "t"))
                default:
                    self.bytes.append(contentsOf: "u00".utf8)
                    self.bytes.append(Self.hexDigits[Int(byte >> 4)])
                    self.bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        }
        self.bytes.append(UInt8(ascii: "\""))
    }
}

extension LocalizedText: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("en", self.en)
            $0.field("zh", self.zh)
        }
    }
}

extension Finding: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("code", self.code.rawValue)
            $0.field("line", self.line)
            $0.field("location", self.location)
            $0.field("message", self.message)
            $0.field("severity", self.severity.rawValue)
        }
    }
}

extension PackageEvent: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("at", self.at)
            $0.field("detail", self.detail)
            $0.field("findings", self.findings)
            $0.field("hop", self.hop.rawValue)
            $0.field("organisation", self.organisation)
            $0.field("packageId", self.packageId)
        }
    }
}

extension Receipt: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("codeAssigned", self.codeAssigned)
            $0.field("findings", self.findings)
            $0.field("hops", self.hops)
            $0.field("hubSignature", self.hubSignature)
            $0.field("packageId", self.packageId)
            $0.field("receivedAt", self.receivedAt)
            $0.field("status", self.status.rawValue)
            $0.field("statusURL", self.statusURL)
            $0.field("unifiedCaseCode", self.unifiedCaseCode)
        }
    }
}

extension Array: CanonicalJSONWritable where Element: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.array(self)
    }
}

extension PackageSignature: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("algorithm", self.algorithm)
            $0.field("certificate", self.certificate)
            $0.field("signature", self.signature)
            $0.field("signer", self.signer)
        }
    }
}

extension Delivery.File: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("mediaType", self.mediaType)
            $0.field("name", self.name)
            $0.field("sha256", self.sha256)
            $0.field("size", self.size)
        }
    }
}

extension FlowStep: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("caseCode", self.caseCode)
            $0.field("flow", self.flow)
            $0.field("instanceClosed", self.instanceClosed)
            $0.field("instanceId", self.instanceId)
            $0.field("instanceParties", self.instanceParties.sorted())
            $0.field("messageType", self.messageType)
            $0.field("packageId", self.packageId)
            $0.field("receiver", self.receiver)
            $0.field("sender", self.sender)
        }
    }
}

extension Delivery: CanonicalJSONWritable {
    public func write(to writer: inout CanonicalJSONWriter) {
        writer.object {
            $0.field("acceptedAt", self.acceptedAt)
            $0.field("agencyCaseNumber", self.agencyCaseNumber)
            $0.field("answering", self.answering)
            $0.field("attachments", self.attachments)
            $0.field("content", self.content)
            $0.field("contentSHA256", self.contentSHA256)
            $0.field("contentSize", self.contentSize)
            $0.field("createdAt", self.createdAt)
            $0.field("flow", self.flow)
            $0.field("messageType", self.messageType)
            $0.field("packageId", self.packageId)
            $0.field("receiver", self.receiver)
            $0.field("sender", self.sender)
            $0.field("signature", self.signature)
            $0.field("traceparent", self.traceparent)
            $0.field("unifiedCaseCode", self.unifiedCaseCode)
        }
    }
}
