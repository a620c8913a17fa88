import Foundation
import Synchronization
import XietongCore
import XietongStore

/// What the exchange database connector (issue 24) shares with the delivery loop, the console and the metrics: the
/// open database, whether each direction runs, and how far intake is behind. One per node, idle without a connector.
final class ExchangeConnection: Sendable {
    enum State: String, Sendable, Codable {
        /// No exchange database is configured.
        case off
        /// Configured; not connected yet, or the database does not answer.
        case connecting
        /// Connected, and the tables match the layout.
        case running
        /// Connected, but the tables changed (ZJ-7.1.2.3 e): the affected direction stopped.
        case stopped
    }

    struct Snapshot: Sendable, Codable {
        var state: State = .off
        /// The database, password removed.
        var database: String?
        /// Why it is not running: the connection error, or the schema changes.
        var problems: [LocalizedText] = []
        var outboundStopped = false
        var inboundStopped = false
        /// Outbound rows not read yet.
        var lag = 0
        var watermark: ExchangeDatabase.Position?
        var lastReadAt: String?

        /// Connected, and the outbound tables match the layout (a change of the inbound ones stops delivery only).
        var intakeMayRun: Bool { self.state != .off && self.state != .connecting && !self.outboundStopped }
    }

    private let snapshotState = Mutex(Snapshot())
    private let opened = Mutex<ExchangeDatabase?>(nil)

    var snapshot: Snapshot { self.snapshotState.withLock { $0 } }
    var database: ExchangeDatabase? { self.opened.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        self.snapshotState.withLock { change(&$0) }
    }

    func open(_ database: ExchangeDatabase?) {
        self.opened.withLock { $0 = database }
    }

    /// The database to deliver into, or why not (delivery retries until it can).
    func inboundDatabase() throws -> ExchangeDatabase {
        let snapshot = self.snapshot
        guard let database = self.database, snapshot.state != .connecting else { throw Unavailable(reason: "the exchange database is not connected") }
        guard !snapshot.inboundStopped else {
            throw Unavailable(reason: "the exchange database's inbound tables changed: " + snapshot.problems.map(\.en).joined(separator: "; "))
        }
        return database
    }

    struct Unavailable: Error, CustomStringConvertible {
        let reason: String
        var description: String { self.reason }
    }
}
