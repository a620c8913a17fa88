import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The free space a service keeps on the disks of its data (issue 19). Below the reserve it refuses new packages
/// and uploads with `store.disk-full` (HTTP 507), so that work already accepted (packages in flight, receipts,
/// hops, the feed) still has room to finish, and a disk is never filled to the last byte by a burst of new work.
/// The reserve and what is free show in the service's health output.
public struct DiskReserve: Sendable {
    /// The folders whose file systems are watched: the data directory and, when elsewhere, the blob store's.
    public let folders: [String]
    public let reserveBytes: Int64

    public init(folders: [String], reserveBytes: Int64) {
        self.folders = Array(Set(folders)).sorted()
        self.reserveBytes = reserveBytes
    }

    /// What is free for an unprivileged writer on `folder`'s file system, or nil when it cannot be read.
    public static func freeBytes(_ folder: String) -> Int64? {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    public struct Status: Sendable, Encodable {
        public var folder: String
        public var freeBytes: Int64?
        public var reserveBytes: Int64
        public var belowReserve: Bool
    }

    public func status() -> [Status] {
        self.folders.map { folder in
            let free = Self.freeBytes(folder)
            let below = free.map { $0 < self.reserveBytes } ?? false
            return Status(folder: folder, freeBytes: free, reserveBytes: self.reserveBytes, belowReserve: below)
        }
    }

    /// Throws `store.disk-full` when a watched file system has less free than the reserve.
    public func check() throws(StoreError) {
        guard self.reserveBytes > 0 else { return }
        for folder in self.folders {
            guard let free = Self.freeBytes(folder), free < self.reserveBytes else { continue }
            throw StoreError(
                .diskFull,
                zh: "数据目录 \(folder) 所在磁盘的剩余空间（\(free / 1_048_576) MiB）低于预留的 \(self.reserveBytes / 1_048_576) MiB，暂不接收新的数据包；已接收的仍在处理，请释放空间后重试",
                en: "the disk of \(folder) has \(free / 1_048_576) MiB free, below the reserve of \(self.reserveBytes / 1_048_576) MiB: "
                    + "new packages are refused while accepted ones finish; free space, then retry"
            )
        }
    }
}
