import Foundation
import Testing

@testable import XietongNode

/// A reader's session lasts as long as the grant it was opened for: the sessions of expired grants are dropped at the
/// next sign-in, so that a node that runs for months keeps only the current ones; revoking a grant ends its sessions.
@Suite struct ReadingSessionsTests {
    @Test func sessionsOfExpiredGrantsAreDroppedAndARevokedGrantsEnd() async {
        let sessions = ReadingSessions()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let early = await sessions.start(grant: "g1", until: start.addingTimeInterval(3600), now: start)
        let late = await sessions.start(grant: "g2", until: start.addingTimeInterval(7 * 86400), now: start)
        #expect(await sessions.grant(of: early) == "g1")
        #expect(await sessions.count == 2)

        // A day later, g1 has expired: the next sign-in drops its session.
        let again = await sessions.start(grant: "g2", until: start.addingTimeInterval(7 * 86400), now: start.addingTimeInterval(86400))
        #expect(await sessions.grant(of: early) == nil)
        #expect(await sessions.grant(of: late) == "g2")
        #expect(await sessions.grant(of: again) == "g2")
        #expect(await sessions.count == 2)

        await sessions.end(grant: "g2")
        #expect(await sessions.count == 0)
    }
}
