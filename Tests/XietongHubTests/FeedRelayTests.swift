import Foundation
import ServiceLifecycle
import Testing
import XietongCore
import XietongStore
import XietongTesting

@testable import XietongHub

/// A push reaches a node whichever hub instance it is connected to (issue 4): a feed append committed through one
/// instance's database handle wakes the long polls of another instance, through the database's notifications
/// (PostgreSQL: LISTEN/NOTIFY).
@Suite(.timeLimit(.minutes(4))) struct FeedRelayTests {
    @Test(arguments: StoreBackend.allCases)
    func anAppendThroughOneInstanceWakesTheOthersWaiters(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (instanceA, location) = try await backend.open(Migrations.hub, in: directory)
        let instanceB = backend == .sqlite ? instanceA : try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let notifierB = ChangeNotifier()
        let relay = Task { try await FeedRelay(database: instanceB, notifier: notifierB).run() }
        defer { relay.cancel() }
        let receiver = "330106000201"

        // Wait until instance B's relay listens: it wakes everyone once when it starts listening. A relay that never
        // listens fails here, said, rather than at the suite's time limit.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(90))
        while await notifierB.version(of: receiver) == 0 {
            try #require(clock.now < deadline, "instance B's relay did not start listening within 90 s")
            await notifierB.wait(for: receiver, since: 0, timeout: .milliseconds(20))
            if await notifierB.version(of: receiver) == 0 {
                // `notifyAll` only counts organisations someone has waited for or been told about.
                try await Task.sleep(for: .milliseconds(20))
            } else {
                break
            }
        }
        let before = await notifierB.version(of: receiver)
        let made = PackageFactory.arrestRequest(case: 1, message: 0, run: "relay")
        let package = try #require(Fixtures.check(bytes: made.xml, attachments: false).package)
        let accepted = HubStore.Accepted(
            package: package,
            content: made.xml,
            contentSHA256: made.sha256,
            unifiedCaseCode: made.caseCode,
            codeAssigned: false,
            warnings: []
        )
        _ = try await HubStore(database: instanceA, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock()).accept(
            accepted,
            statusURL: "/s"
        )
        // Nothing told instance B's notifier directly: only the committed notification can wake this waiter.
        await notifierB.wait(for: receiver, since: before, timeout: .seconds(30))
        #expect(await notifierB.version(of: receiver) > before)
        if backend == .postgres { await instanceB.close() }
        await instanceA.close()
    }
}
