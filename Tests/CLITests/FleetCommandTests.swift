import Testing
import XietongTesting

/// `xietong bench fleet` (issue 25, part 5) refuses a fleet it cannot build by name, before it starts anything.
@Suite struct FleetCommandTests {
    @Test func anOddFleetOrSeveralInstancesWithoutPostgreSQLAreRefusedByName() async throws {
        let odd = try await CommandRunner.run(["bench", "fleet", "--nodes", "3"])
        #expect(odd.status != 0)
        #expect(odd.stderr.contains("--nodes") && odd.stderr.contains("even"))
        let instances = try await CommandRunner.run(["bench", "fleet", "--hub-instances", "2"])
        #expect(instances.status != 0)
        #expect(instances.stderr.contains("--hub-instances 2 needs --hub-database"))
        let rate = try await CommandRunner.run(["bench", "fleet", "--rate", "0"])
        #expect(rate.status != 0 && rate.stderr.contains("--rate"))
    }
}
