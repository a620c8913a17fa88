public import Foundation

/// JSON with sorted keys and unescaped slashes: the same bytes for the same value, wherever it is written. What is
/// signed or logged (evidence leaves, receipts, revocation lists) is recomputed from it, and the stores, the APIs and
/// the command line write their JSON the same way.
public enum CanonicalJSON {
    // Configured once and never changed, so one encoder serves every thread.
    private static let compact: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let indented: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// On one line: for signatures, hashes, storage and the wire. A value that writes itself
    /// (`CanonicalJSONWritable`) gives the same bytes without Foundation's intermediate tree.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        if let writable = value as? any CanonicalJSONWritable { return Data(self.bytes(writable)) }
        return try self.compact.encode(value)
    }

    /// The bytes of a value that writes itself.
    public static func bytes(_ value: some CanonicalJSONWritable) -> [UInt8] {
        var writer = CanonicalJSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    /// Indented, for people and files they read.
    public static func pretty<T: Encodable>(_ value: T) throws -> Data {
        try self.indented.encode(value)
    }
}
