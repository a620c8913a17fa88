import Foundation
import Testing
import XietongCore
import XietongTesting

/// After a hub outage the nodes notice its return within a second or two and drain at once (issue 19, item 6),
/// instead of when each package's backoff runs out: before, a 3-minute outage was followed by 21 s in which
/// nothing flowed although the hub answered its health checks.
///
/// The node's retry backoff may grow to 60 s here, so a drain that waited for it would take up to a minute; the
/// node probes the hub every second while it is down, and makes its whole outbox due when the hub answers.
@Suite(.serialized, .timeLimit(.minutes(4))) struct HubOutageTests {
    @Test func theOutboxDrainsAsSoonAsTheHubIsBack() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police, retryMaxSeconds: 60)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()

        await harness.stop("hub")
        let cases = (0..<4).map { c in (0..<3).map { PackageFactory.arrestRequest(case: c, message: $0, run: "outage") } }
        try await harness.sendCases(cases, from: police)
        // Long enough for the backoff to grow past the bound below (0.05 s doubling: 25 s after 9 failures).
        try await Task.sleep(for: .seconds(20))
        #expect(try await harness.received(by: procuratorate).isEmpty)

        try await harness.start("hub")
        let back = ContinuousClock.now
        // Far less than the backoff the packages had reached: only the node's probe can explain a drain this soon.
        do {
            try await harness.eventually("the outbox drains after the hub's return", timeout: 8) {
                try await harness.received(by: procuratorate).count == 12
            }
        } catch {
            Issue.record("\(error); the node's log:\n\(harness.log(police).suffix(4000))\nHUB\n\(harness.log("hub").suffix(3000))")
            throw error
        }
        print("drain after the hub's return: \(ContinuousClock.now - back) for 12 packages")
        #expect(try await harness.deliveryProblems(of: cases, at: procuratorate) == [])
        #expect(harness.log(police).contains("the hub answers again"))
    }
}
