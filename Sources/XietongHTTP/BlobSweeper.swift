public import Foundation
public import Logging
import ServiceLifecycle
public import XietongStore

/// Removes the temporary files that writers killed mid-write left in a blob store (ZJ-7.2.3 a, GZ-6: a cut transfer
/// leaves no half-written file behind), when the process starts and then every `interval` seconds.
public struct BlobSweeper: NamedService {
    public let blobs: BlobStore
    public let interval: TimeInterval
    /// A temporary file untouched for this long belongs to no live writer.
    public let abandonedAfter: TimeInterval
    public let logger: Logger

    public init(blobs: BlobStore, interval: TimeInterval = 3600, abandonedAfter: TimeInterval = 3600, logger: Logger) {
        self.blobs = blobs
        self.interval = interval
        self.abandonedAfter = abandonedAfter
        self.logger = logger
    }

    public func run() async throws {
        await WorkerLoop().every(.seconds(self.interval), logger: self.logger, failure: "cannot sweep the blob store's temporary files") { _ in
            let removed = try self.blobs.removeAbandonedTemporaries(olderThan: self.abandonedAfter)
            if removed.count > 0 {
                self.logger.notice(
                    "removed temporary files abandoned by interrupted writes",
                    metadata: ["xietong.files": "\(removed.count)", "xietong.bytes": "\(removed.bytes)"]
                )
            }
        }
    }
}
