import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// Several hub instances on one PostgreSQL database, behind a TCP load balancer (issue 4, ZJ-7.2.2): they share the
/// work, a push reaches a node whichever instance it is connected to, and when one instance is killed mid-flow the
/// other takes over without losing, repeating or reordering anything.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ScaleOutTests {
    static let cases = 6
    static let messagesPerCase = 8
    static var total: Int { Self.cases * Self.messagesPerCase }

    @Test func twoHubInstancesShareTheWorkAndSurviveTheLossOfOne() async throws {
        let harness = try ExchangeHarness()
        let database = try await ThrowawayPostgres.shared.newDatabase(prefix: "scaleout")
        let blobs = harness.directory.file("shared-blobs").path
        let first = try harness.addHub(nodes: [police, procuratorate], name: "hub-a", database: database.url, blobDirectory: blobs)
        let second = try harness.addHub(nodes: [police, procuratorate], name: "hub-b", database: database.url, blobDirectory: blobs)
        let balancer = try TCPLoadBalancer(backends: [first.port, second.port])
        defer { balancer.stop() }
        harness.exchange.hubURL = balancer.url
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()

        let packages = (0..<Self.cases).map { caseNumber in
            (0..<Self.messagesPerCase).map { PackageFactory.arrestRequest(case: caseNumber, message: $0, run: "scale-out") }
        }
        let sending = Task { try await harness.sendCases(packages, from: police) }
        let threshold = Self.total / 3
        try await harness.eventually("\(threshold) deliveries before the kill", timeout: 120) {
            try await harness.received(by: procuratorate).count >= threshold
        }
        // Both instances have been doing the work before one of them dies.
        #expect(balancer.connections[first.port, default: 0] > 0)
        #expect(balancer.connections[second.port, default: 0] > 0)
        await harness.kill9("hub-a")

        try await sending.value
        try await harness.eventually("all \(Self.total) packages delivered", timeout: 120) {
            try await harness.received(by: procuratorate).count >= Self.total
        }
        try await Task.sleep(for: .seconds(1))
        #expect(try await harness.deliveryProblems(of: packages, at: procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: packages, sender: police)
    }
}
