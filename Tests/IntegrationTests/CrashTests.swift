import Foundation
import Testing
import XietongCore
import XietongTesting

/// No package is lost and none is delivered twice when any process is killed with SIGKILL at any moment, and the
/// messages of a case arrive in the order they were sent (ZJ-7.2.2, the delivery guarantees of the exchange).
///
/// Six cases of eight messages each are sent concurrently (each case's messages one after the other, as a business
/// system would). While they travel, the chosen process is killed twice, at a quarter and at three fifths of the
/// deliveries, and restarted at once.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CrashTests {
    static let cases = 6
    static let messagesPerCase = 8
    static var total: Int { Self.cases * Self.messagesPerCase }

    @Test(arguments: ["hub", police, procuratorate, "business-\(procuratorate)"])
    func nothingIsLostOrDuplicatedWhenAProcessIsKilled(victim: String) async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()

        let run = "crash-\(victim)"
        let packages = (0..<Self.cases).map { caseNumber in
            (0..<Self.messagesPerCase).map { PackageFactory.arrestRequest(case: caseNumber, message: $0, run: run) }
        }
        let sending = Task { try await harness.sendCases(packages, from: police) }
        for fraction in [0.25, 0.6] {
            let threshold = Int(Double(Self.total) * fraction)
            try await harness.eventually("\(threshold) deliveries before the kill", timeout: 120) {
                try await harness.received(by: procuratorate).count >= threshold
            }
            await harness.kill9(victim)
            try await Task.sleep(for: .milliseconds(200))
            try await harness.start(victim)
        }
        try await sending.value
        try await harness.eventually("all \(Self.total) packages delivered", timeout: 120) {
            try await harness.received(by: procuratorate).count >= Self.total
        }
        try await Task.sleep(for: .seconds(1))
        #expect(try await harness.deliveryProblems(of: packages, at: procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: packages, sender: police)
    }
}

/// What a process killed mid-write leaves in its blob store's `tmp/` is removed when it runs again (GZ-6): the hub
/// and the node sweep at start, keeping resumable uploads' parts.
@Suite struct AbandonedFileTests {
    @Test func theHubAndANodeRemoveTemporaryFilesThatInterruptedWritesLeft() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        var leftovers: [URL] = []
        var parts: [URL] = []
        for name in ["hub", "node-\(police)"] {
            let folder = harness.directory.url.appendingPathComponent(name).appendingPathComponent("blobs/tmp")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let leftover = folder.appendingPathComponent(UUID().uuidString)
            let part = folder.appendingPathComponent("upload-\(UUID().uuidString)")
            for file in [leftover, part] {
                try Data(repeating: 1, count: 4096).write(to: file)
                try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: file.path)
            }
            leftovers.append(leftover)
            parts.append(part)
        }
        try await harness.startAll()
        try await harness.eventually("the leftovers are removed", timeout: 30) {
            leftovers.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) }
        }
        #expect(parts.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    }
}
