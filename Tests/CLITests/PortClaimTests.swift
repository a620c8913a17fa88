import Foundation
import Testing

@testable import XietongLocal

/// The ports the tests, the demo and the benchmarks hand their services are claimed across processes, so that two of
/// them never choose the same one before it is bound (a CI run failed with `config.port-unavailable` when a child's
/// pid window matched its parent's).
@Suite struct PortClaimTests {
    @Test func aPortIsClaimedOnceAndHandedOutOnce() throws {
        let port = LocalProcesses.freePort()
        // A second claim, on a new open file as another process would make, is refused while this process lives.
        #expect(!LocalProcesses.claim(port))
        #expect(LocalProcesses.freePort() != port)
    }

    @Test func anotherProcessCannotClaimAPortThisOneHandedOut() throws {
        let port = LocalProcesses.freePort()
        // flock(1) from util-linux, as a second process: it fails at once (-n) on a file this process holds.
        let lock = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-ports/\(port)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["-n", lock, "true"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0, "the other process did not get port \(port)")
    }
}
