import Foundation
import Testing
import XietongDemo
import XietongLocal
import XietongStore
import XietongTesting

/// A fleet of nodes on one hub (issue 25, part 5; GUI-4), each with its own certificate over mutual TLS, speaking
/// the node protocol from one process: every package reaches its receiver, every node's feed is answered, every
/// signed tree head checks out against the hub's consistency proofs, and every reported hop is recorded. The figures
/// themselves (`xietong bench fleet --nodes 500`) are recorded in docs/performance.md, not asserted.
@Suite(.serialized, .timeLimit(.minutes(6))) struct FleetTests {
    static func fleet(_ directory: TemporaryDirectory, nodes: Int) -> FleetBenchmark {
        var fleet = FleetBenchmark(executable: Repository.executable, directory: directory.url.appendingPathComponent("fleet"))
        fleet.nodes = nodes
        return fleet
    }

    static func expectServed(_ result: FleetBenchmark.Result, nodes: Int, burst: Int) {
        #expect(result.problemCount == 0, "\(result.problems)")
        #expect(result.pacedDelivered == result.pacedPackages)
        #expect(result.nodesStarved == 0)
        #expect(result.treeHeadsChecked > 0 && result.evidenceAlarms == 0)
        #expect(result.burstPackages == burst && result.burstSeconds > 0)
        #expect(result.hubResidentMB.values.allSatisfy { $0.count == 3 && $0[0] > 0 })
        #expect(result.nodes == nodes)
    }

    @Test func everyNodeOfAFleetOnTheEmbeddedHubIsServed() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Self.fleet(directory, nodes: 12).run(rate: 30, seconds: 2, burst: 40) { _ in }
        Self.expectServed(result, nodes: 12, burst: 40)
        #expect(result.hubDatabase == "sqlite" && result.hubInstances == 1)
    }

    @Test func aFleetSplitOverTwoHubInstancesOnOnePostgreSQLIsServed() async throws {
        let directory = try TemporaryDirectory()
        var fleet = Self.fleet(directory, nodes: 8)
        fleet.hubDatabase = try await ThrowawayPostgres.shared.newDatabase(prefix: "fleet").url
        fleet.hubInstances = 2
        let result = try await fleet.run(rate: 20, seconds: 2, burst: 24) { _ in }
        Self.expectServed(result, nodes: 8, burst: 24)
        #expect(Set(result.hubResidentMB.keys) == ["hub", "hub-2"])
    }

    @Test func aFleetThatCannotBeBuiltIsRefusedBeforeAnythingStarts() async throws {
        let directory = try TemporaryDirectory()
        var fleet = Self.fleet(directory, nodes: 8)
        fleet.hubInstances = 2
        await #expect(throws: LocalProcesses.Failure.self) { try await fleet.run(rate: 1, seconds: 1, burst: 0) { _ in } }
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("fleet/hub.json").path))
    }
}
