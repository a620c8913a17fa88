import Foundation
public import XietongCore

/// A storage failure, with a stable code. `description` never carries SQL or payloads; `debugDescription` does.
public struct StoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let open = Code(rawValue: "store.open")
        public static let migration = Code(rawValue: "store.migration")
        public static let query = Code(rawValue: "store.query")
        public static let exhausted = Code(rawValue: "store.sequence-exhausted")
        public static let io = Code(rawValue: "store.io")
        public static let tooLarge = Code(rawValue: "store.too-large")
        public static let hashMismatch = Code(rawValue: "store.hash-mismatch")
        public static let conflict = Code(rawValue: "store.conflict")
        public static let notFound = Code(rawValue: "store.not-found")
        /// The disk holding the data directory is full, or below the configured free-space reserve (issue 19).
        /// Nothing was written; the caller retries later (HTTP 507).
        public static let diskFull = Code(rawValue: "store.disk-full")
        /// Another connection to the embedded database held its write lock for longer than the busy timeout.
        /// Nothing was written; the caller retries later (HTTP 503).
        public static let busy = Code(rawValue: "store.busy")
    }

    public var code: Code
    public var message: LocalizedText
    /// The underlying error, for operators' logs only.
    public var underlying: String?

    public init(_ code: Code, zh: String, en: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = LocalizedText(zh: zh, en: en)
        self.underlying = underlying.map { String(describing: $0) }
    }

    /// The disk is full: nothing of the write that failed was kept.
    public static func diskFull(_ path: String) -> StoreError {
        StoreError(
            .diskFull,
            zh: "数据目录所在磁盘已满（\(path)），未写入任何内容，请释放空间后重试",
            en: "the disk holding \(path) is full; nothing was written; free space, then retry"
        )
    }

    /// A failed file operation with its `errno`: `store.disk-full` when the disk (or the quota) is full, else
    /// `store.io` with the texts given.
    public static func io(errno code: Int32, path: String, zh: String, en: String) -> StoreError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path) }
        return StoreError(.io, zh: zh, en: "\(en) (errno \(code))")
    }

    public var description: String { "\(self.code.rawValue): \(self.message.zh) / \(self.message.en)" }
    public var debugDescription: String { self.description + (self.underlying.map { " (\($0))" } ?? "") }
}
