public import Crypto
public import Foundation

extension SHA256.Digest {
    /// Lower-case hex, the form manifests, blob names and receipts use.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(64)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Hashes the project relies on.
public enum ContentHash {
    /// Lower-case hex SHA-256 of some bytes.
    public static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> String { SHA256.hash(data: bytes).hex }

    /// FNV-1a: a stable (not per-process) hash, for assigning cases to lanes and buckets.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
