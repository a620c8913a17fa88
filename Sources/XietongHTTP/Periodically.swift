public import Foundation
public import Logging
public import ServiceLifecycle
public import XietongStore

/// The loop of the periodic services (the hub's alerts, reminders and tree heads; both sides' blob sweeps): `work`
/// every `interval` seconds until the service is cancelled or the process shuts down gracefully. A failed round is
/// logged as `failure` and the next one runs as usual.
public func periodically(every interval: TimeInterval, logger: Logger, failure: String, _ work: () async throws -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        do {
            try await work()
        } catch {
            logger.warning("\(failure)", metadata: ["xietong.error": "\(error)"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
    }
}

/// Removes the temporary files that writers killed mid-write left in a blob store (ZJ-7.2.3 a, GZ-6: a cut transfer
/// leaves no half-written file behind), when the process starts and then every `interval` seconds.
public struct BlobSweeper: Service {
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
        await periodically(every: self.interval, logger: self.logger, failure: "cannot sweep the blob store's temporary files") {
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
