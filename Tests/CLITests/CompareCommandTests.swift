import Testing
import XietongTesting

/// `xietong bench compare` (issue 25) refuses what it cannot run by name, and names the machine it measured on.
/// Its figures are not asserted (no timing in tests); the peers it runs are real programs, tried by hand and
/// recorded in docs/performance.md.
@Suite struct CompareCommandTests {
    @Test func anUnknownPartOrABadSizeIsRefusedByName() async throws {
        let unknown = try await CommandRunner.run(["bench", "compare", "--skip", "kafka"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--skip kafka") && unknown.stderr.contains("rabbitmq"))
        let size = try await CommandRunner.run(["bench", "compare", "--dossier-size", "lots"])
        #expect(size.status != 0 && size.stderr.contains("--dossier-size"))
    }

    @Test func withEveryPartLeftOutItNamesTheMachineAndTheDate() async throws {
        let parts = ["exchange", "pgbench", "rabbitmq", "disk", "dossier", "nginx"].flatMap { ["--skip", $0] }
        let result = try await CommandRunner.run(["bench", "compare"] + parts)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("machine: ") && result.stdout.contains("cores") && result.stdout.contains("date: "))
    }
}
