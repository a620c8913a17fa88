import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// A hub restored from an older copy of its data directory loses nothing (issue 19, item 2). Before, the packages
/// accepted after the copy was taken were gone from the hub for good: their senders' nodes took them as handed over,
/// and the receiving nodes, whose feed cursors were past the restored feed's end, read nothing more until the hub's
/// positions caught up, and then skipped as many entries as they had read ahead.
///
/// Now each feed entry names the hub run that wrote it, a node whose cursor the hub no longer holds is told so (409
/// `feed.diverged`), reads on from where the two feeds part, and checks its packages against the hub: the sender's
/// node sends again what the hub lost, with the hub's signed receipt, so the hub keeps the code and the time it first
/// gave them; the receiver's node, which has those packages, reports its hops again once they reach it.
@Suite(.serialized, .timeLimit(.minutes(5))) struct HubRestoreTests {
    struct Summary: Decodable {
        let packageId: String
        let receivedAt: String
        let unifiedCaseCode: String
        let events: [PackageEvent]
    }

    struct Replay: Decodable {
        let packageId: String
        let sender: String
        let receiver: String
        let receivedAt: String
    }

    struct Restore: Decodable {
        struct Item: Decodable {
            let packageId: String
            let role: String
            let outcome: String
        }
        let restoreId: Int
        let finishedAt: String?
        let items: [Item]
    }

    static func phase(_ number: Int) -> [[PackageFactory.Made]] {
        (0..<2).map { c in (0..<3).map { PackageFactory.arrestRequest(case: number * 10 + c, message: $0, run: "restore") } }
    }

    @Test func aHubRestoredFromAnOlderCopyEndsWithEveryPackageDeliveredOnce() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        let hub = harness.services["hub"]!.url
        let data = harness.directory.url.appendingPathComponent("hub")
        let backup = harness.directory.url.appendingPathComponent("hub-backup")

        // Before the copy: delivered, and the hub holds them.
        let before = Self.phase(1)
        try await harness.sendCases(before, from: police)
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: before, sender: police)

        // The copy, taken while the hub is stopped, as docs/deploy.md says.
        await harness.stop("hub")
        try FileManager.default.copyItem(at: data, to: backup)
        try await harness.start("hub")

        // After the copy: delivered too, then lost with the restore.
        let after = Self.phase(2)
        try await harness.sendCases(after, from: police)
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: after, sender: police)
        var first: [String: Summary] = [:]
        for made in after.joined() {
            let summary = try await harness.get("\(hub)/v1/packages/\(made.packageId)", key: harness.adminToken).json(Summary.self)
            let found = try #require(summary)
            first[made.packageId] = found
        }

        // The restore, with the sender's node stopped for a while (so that what follows happens in a known order; it
        // finds the restore when it starts again, from what it kept).
        await harness.stop("hub")
        await harness.stop(police)
        try FileManager.default.removeItem(at: data)
        try FileManager.default.copyItem(at: backup, to: data)
        try await harness.start("hub")
        for made in after.joined() {
            #expect(try await harness.get("\(hub)/v1/packages/\(made.packageId)", key: harness.adminToken).status == 404, "the restore lost it")
        }
        // The receiver's node, running throughout, finds the restore and records what the hub lost of what it received.
        let lostIds = Set(after.joined().map(\.packageId))
        try await harness.eventually("the receiver's node records the lost packages as awaiting their sender", timeout: 30) {
            let restores = try await harness.get(
                harness.services[procuratorate]!.url + "/api/v1/hub-restores",
                key: ExchangeHarness.apiKey(procuratorate)
            ).json([Restore].self)
            guard let restore = restores?.first, restores?.count == 1, restore.finishedAt != nil else { return false }
            return Set(restore.items.map(\.packageId)) == lostIds
                && restore.items.allSatisfy { $0.role == "received" && $0.outcome == "awaiting-sender" }
        }
        try await harness.start(police)

        // After the restore: the exchange goes on.
        let later = Self.phase(3)
        try await harness.sendCases(later, from: police)
        let all = before + after + later
        do {
            try await harness.eventually("the hub holds every package again, with the receiver's hops", timeout: 90) {
                for made in all.joined() {
                    let summary = try await harness.get("\(hub)/v1/packages/\(made.packageId)", key: harness.adminToken).json(Summary.self)
                    guard let summary, summary.events.contains(where: { $0.hop == .delivered }) else { return false }
                }
                return true
            }
        } catch {
            Issue.record(
                "\(error)\nPOLICE\n\(harness.log(police).suffix(3000))\nPROCURATORATE\n\(harness.log(procuratorate).suffix(3000))\nHUB\n\(harness.log("hub").suffix(3000))"
            )
            throw error
        }

        // Every package reached the business system once, unaltered, each case in order.
        try await harness.eventually("the receiver's business system has every package", timeout: 30) {
            try await harness.received(by: procuratorate).count == all.joined().count
        }
        #expect(try await harness.deliveryProblems(of: all, at: procuratorate) == [])

        // The lost packages are the hub's again as it first received them: the same time and case code.
        for made in after.joined() {
            let summary = try #require(try await harness.get("\(hub)/v1/packages/\(made.packageId)", key: harness.adminToken).json(Summary.self))
            #expect(summary.receivedAt == first[made.packageId]?.receivedAt, "\(made.packageId) keeps its hand-over time")
            #expect(summary.unifiedCaseCode == first[made.packageId]?.unifiedCaseCode)
        }
        let replays = try #require(try await harness.get("\(hub)/v1/admin/replays", key: harness.adminToken).json([Replay].self))
        #expect(Set(replays.map(\.packageId)) == Set(after.joined().map(\.packageId)), "the hub lists what was sent again, and only that")
        #expect(replays.allSatisfy { $0.sender == police && $0.receiver == procuratorate && $0.receivedAt == first[$0.packageId]?.receivedAt })

        // Each node says what it found and did.
        let sent = try #require(
            try await harness.get(harness.services[police]!.url + "/api/v1/hub-restores", key: ExchangeHarness.apiKey(police)).json([Restore].self)
        )
        #expect(sent.count == 1)
        #expect(sent.first?.finishedAt != nil)
        #expect(Set(sent.first?.items.map(\.packageId) ?? []) == Set(after.joined().map(\.packageId)))
        #expect(sent.first?.items.allSatisfy { $0.role == "sent" && $0.outcome == "resent" } == true)
        try await harness.eventually("the receiver's node records the lost packages as recovered", timeout: 30) {
            let restores = try await harness.get(
                harness.services[procuratorate]!.url + "/api/v1/hub-restores",
                key: ExchangeHarness.apiKey(procuratorate)
            ).json([Restore].self)
            guard let restore = restores?.first, restores?.count == 1, restore.finishedAt != nil else { return false }
            return Set(restore.items.map(\.packageId)) == lostIds
                && restore.items.allSatisfy { $0.role == "received" && $0.outcome == "recovered" }
        }
        #expect(harness.log(police).contains("中心平台已从较早的备份恢复"))
    }
}
