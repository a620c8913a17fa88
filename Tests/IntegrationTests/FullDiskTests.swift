import Foundation
import Glibc
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// A full disk never loses or damages data (issue 19, item 1). A node's or the hub's data directory is put on a
/// small tmpfs of its own, which is then filled to the last byte: new packages and uploads are refused with 507
/// `store.disk-full` in Chinese and English, reads go on, and whatever stop the process then gets (SIGTERM, SIGINT,
/// SIGKILL) its database passes `PRAGMA integrity_check`. Once space is freed it resumes: every accepted package is
/// delivered once, unaltered, in order.
///
/// Before the fix, a graceful stop on the full disk left `node.sqlite` with zero pages and no WAL: the project's
/// VFS gathered a checkpoint's page writes, and their failure was never reported to SQLite.
@Suite(
    .serialized,
    .timeLimit(.minutes(6)),
    .enabled(if: geteuid() == 0, "mounting a small file system for the data directory needs root (CI runs as root)")
)
struct FullDiskTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let victim: String
        let signal: Int32
        var testDescription: String { "\(self.victim) stopped with signal \(self.signal) on a full disk" }
    }

    static let cases = [
        Case(victim: police, signal: SIGTERM), Case(victim: police, signal: SIGINT), Case(victim: police, signal: SIGKILL),
        Case(victim: "hub", signal: SIGTERM),
    ]

    struct ErrorBody: Decodable {
        let error: String
        let message: [String: String]
    }

    /// A tmpfs of `megabytes` mounted on `folder` (created), for the test's life.
    final class SmallDisk {
        let folder: URL
        let filler: URL
        init(at folder: URL, megabytes: Int) async throws {
            self.folder = folder
            self.filler = folder.appendingPathComponent("filler")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let mounted = try await CommandRunner.runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", folder.path])
            guard mounted.status == 0 else { throw LocalProcesses.Failure(message: "mount: \(mounted.stderr)") }
        }

        /// Writes a file until the disk refuses more: no byte is left free.
        func fill() {
            let descriptor = open(self.filler.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            defer { close(descriptor) }
            let chunk = [UInt8](repeating: 0x5a, count: 4096)
            while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
            fsync(descriptor)
        }

        var free: Int64 { DiskReserve.freeBytes(self.folder.path) ?? -1 }

        func release() { try? FileManager.default.removeItem(at: self.filler) }

        deinit {
            _ = try? ChildProcess.run("/bin/umount", ["-l", self.folder.path])
        }
    }

    static func integrity(of path: String) async throws -> String? {
        let database = try await SQLiteDatabase.open(path: path, migrations: [])
        defer { Task { await database.close() } }
        return try await database.execute("PRAGMA integrity_check", []).first?.string("integrity_check")
    }

    @Test(arguments: Self.cases)
    func aFullDiskRefusesNewWorkKeepsTheStoreIntactAndResumesWhenFreed(_ test: Case) async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate], freeSpaceReserveMB: 0)
        try harness.addNode(police, freeSpaceReserveMB: 0)
        try harness.addReceiver(procuratorate)
        let folder = harness.directory.url.appendingPathComponent(test.victim == "hub" ? "hub" : "node-\(police)")
        let disk = try await SmallDisk(at: folder, megabytes: 8)
        try await harness.startAll()

        let run = "full-\(test.victim)-\(test.signal)"
        let before = (0..<2).map { c in (0..<3).map { PackageFactory.arrestRequest(case: c, message: $0, run: run) } }
        try await harness.sendCases(before, from: police)
        try await harness.eventually("the first packages are delivered") { try await harness.received(by: procuratorate).count == 6 }

        let node = harness.services[police]!.url
        let hub = harness.services["hub"]!.url
        let key = ExchangeHarness.apiKey(police)
        let duringCase = 2
        let during = PackageFactory.arrestRequest(case: duringCase, message: 0, run: run)
        let other = PackageFactory.arrestRequest(case: duringCase, message: 1, run: run)
        // The package's attachment is at the node before the disk fills, so that the package itself meets it.
        if test.victim == police {
            #expect(try await harness.request(.POST, node + "/api/v1/attachments", key: key, body: during.attachment).status == 201)
        }
        disk.fill()
        #expect(disk.free == 0)
        if test.victim == police {
            // The business system is told to retry later, in both languages; nothing of what it sent is kept.
            let upload = try await harness.request(.POST, node + "/api/v1/attachments", key: key, body: other.attachment)
            #expect(upload.status == 507 && upload.header("Retry-After") != nil, "\(upload.status) \(upload.text)")
            #expect(upload.json(ErrorBody.self)?.error == "store.disk-full")
            let refused = try await harness.request(.POST, node + "/api/v1/packages", key: key, body: during.xml)
            #expect(refused.status == 507, "\(refused.status) \(refused.text)")
            let body = try #require(refused.json(ErrorBody.self))
            #expect(body.error == "store.disk-full")
            #expect(body.message["zh"]?.contains("磁盘已满") == true && body.message["en"]?.contains("is full") == true)
        } else {
            // The node accepts the package (its disk has room) and keeps it while the hub cannot store it.
            let accepted = try await harness.send(during.xml, attachments: [during.attachment], from: police)
            #expect(accepted.status == 202, "\(accepted.status) \(accepted.text)")
            let direct = try await harness.request(
                .PUT,
                hub + "/v1/blobs/\(ContentHash.sha256(other.attachment))",
                key: harness.exchange.token(for: police),
                body: other.attachment
            )
            #expect(direct.status == 507 && direct.json(ErrorBody.self)?.error == "store.disk-full", "\(direct.status) \(direct.text)")
        }
        // The service is up and serves reads.
        #expect(try await harness.get("\(node)/healthz").status == 200)
        #expect(try await harness.get("\(hub)/healthz").status == 200)
        #expect(try await harness.status(of: before[0][0].packageId, at: police).contains { $0.hop == .delivered })
        try await Task.sleep(for: .seconds(1))

        await harness.stop(test.victim, signal: test.signal)
        disk.release()
        let database = folder.appendingPathComponent(test.victim == "hub" ? "hub.sqlite" : "node.sqlite").path
        #expect(try await Self.integrity(of: database) == "ok")

        // Space is back: the service starts, and everything accepted arrives once; the package refused for space
        // is sent again by its business system.
        try await harness.start(test.victim)
        let after = [[during, other] + (2..<3).map { PackageFactory.arrestRequest(case: duringCase, message: $0, run: run) }]
        try await harness.sendCases(after, from: police)
        try await harness.eventually("every package is delivered", timeout: 60) { try await harness.received(by: procuratorate).count >= 9 }
        try await Task.sleep(for: .seconds(1))
        #expect(try await harness.deliveryProblems(of: before + after, at: procuratorate) == [])
    }
}

extension FullDiskTests {
    struct Health: Decodable {
        struct Disk: Decodable {
            let folder: String
            let freeBytes: Int64?
            let reserveBytes: Int64
            let belowReserve: Bool
        }
        let status: String
        let disks: [Disk]
    }

    /// Below the configured free-space reserve, a node refuses new packages with 507 while what it accepted before
    /// still goes to the hub; the health output shows the reserve and what is free.
    @Test func belowTheReserveNewPackagesAreRefusedWhileAcceptedOnesDrain() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate], freeSpaceReserveMB: 0)
        try harness.addNode(police, freeSpaceReserveMB: 3)
        try harness.addReceiver(procuratorate)
        let disk = try await SmallDisk(at: harness.directory.url.appendingPathComponent("node-\(police)"), megabytes: 8)
        try await harness.startAll()
        let node = harness.services[police]!.url
        let healthy = try #require(try await harness.get("\(node)/healthz").json(Health.self))
        #expect(healthy.status == "ok" && healthy.disks.allSatisfy { $0.reserveBytes == 3 << 20 && !$0.belowReserve })

        // A package accepted while the hub is away waits in the outbox.
        await harness.stop("hub")
        let accepted = PackageFactory.arrestRequest(case: 0, message: 0, run: "reserve")
        try await harness.sendCases([[accepted]], from: police)

        // Leave 1 MiB free: under the reserve, with room for the work in flight.
        let leave: Int64 = 1 << 20
        let descriptor = open(disk.filler.path, O_WRONLY | O_CREAT, 0o644)
        #expect(ftruncate(descriptor, 0) == 0 && posix_fallocate(descriptor, 0, off_t(disk.free - leave)) == 0)
        close(descriptor)
        let low = try #require(try await harness.get("\(node)/healthz").json(Health.self))
        #expect(low.status == "disk-below-reserve" && low.disks.contains { $0.belowReserve && ($0.freeBytes ?? 0) < 3 << 20 })

        let made = PackageFactory.arrestRequest(case: 1, message: 0, run: "reserve")
        let key = ExchangeHarness.apiKey(police)
        let refused = try await harness.request(.POST, node + "/api/v1/attachments", key: key, body: made.attachment)
        #expect(refused.status == 507, "\(refused.status) \(refused.text)")
        let body = try #require(refused.json(ErrorBody.self))
        #expect(body.error == "store.disk-full" && body.message["zh"]?.contains("预留") == true && body.message["en"]?.contains("reserve") == true)

        // What was accepted drains while new work is refused.
        try await harness.start("hub")
        try await harness.eventually("the accepted package is delivered below the reserve") {
            try await harness.received(by: procuratorate).map(\.packageId) == [accepted.packageId]
        }
        #expect(try await harness.get("\(node)/healthz").json(Health.self)?.status == "disk-below-reserve")

        disk.release()
        try await harness.sendCases([[made]], from: police)
        try await harness.eventually("the refused package is taken once space is back") { try await harness.received(by: procuratorate).count == 2 }
    }
}
