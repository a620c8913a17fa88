import Foundation
import Testing
import XietongCore
import XietongDemo
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
            harness.kill9(victim)
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
