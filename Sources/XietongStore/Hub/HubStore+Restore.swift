import Foundation
public import XietongCore

// A hub restored from an older copy of its database (issue 19): the nodes that moved on since find where their feed
// and the restored one part, and send again what the hub no longer has. This is what the hub answers them.
extension HubStore {
    /// Whether the organisation's feed holds the entry at `seq` as one of `boots` wrote it: the node's cursor is on
    /// this hub's history. An entry written before hub migration 13 has no run and is taken as held; position 0 is
    /// the start of every feed.
    public func feedHolds(organisation: String, seq: Int, boots: [String]) async throws(StoreError) -> Bool {
        guard seq > 0, !boots.isEmpty else { return true }
        let rows = try await self.database.execute(
            "SELECT boot FROM feed WHERE organisation = $1 AND seq = $2",
            [.text(organisation), .integer(seq)]
        )
        // The feed keeps every entry it wrote: one it does not have was written by a run this copy never had.
        guard let row = rows.first else { return false }
        guard let boot = row.string("boot") else { return true }
        return boots.contains(boot)
    }

    /// The hub runs that wrote the organisation's feed, each with the last position it wrote: a node whose cursor
    /// the hub no longer holds resumes after the last position of a run it also read (the newest 1,000 runs).
    public func feedRuns(organisation: String) async throws(StoreError) -> [FeedRun] {
        try await self.database.execute(
            """
            SELECT boot, MIN(seq) AS first_seq, MAX(seq) AS last_seq FROM feed WHERE organisation = $1 AND boot IS NOT NULL
            GROUP BY boot ORDER BY last_seq DESC LIMIT 1000
            """,
            [.text(organisation)]
        ).compactMap { row in
            guard let boot = row.string("boot"), let first = row.int("first_seq"), let last = row.int("last_seq") else { return nil }
            return FeedRun(boot: boot, first: first, last: last)
        }
    }

    /// Which of these packages, sent or received by `organisation`, the hub does not hold (at most 1,000 ids).
    public func missingPackages(_ packageIds: [String], organisation: String) async throws(StoreError) -> [String] {
        guard !packageIds.isEmpty else { return [] }
        var binds: [SQLValue] = [.text(organisation)]
        var marks: [String] = []
        for id in packageIds {
            binds.append(.text(id))
            marks.append("$\(binds.count)")
        }
        let held = Set(
            try await self.database.execute(
                """
                SELECT package_id FROM packages WHERE (sender_org = $1 OR receiver_org = $1)
                AND package_id IN (\(marks.joined(separator: ", ")))
                """,
                binds
            ).compactMap { $0.string("package_id") }
        )
        var seen = Set<String>()
        return packageIds.filter { !held.contains($0) && seen.insert($0).inserted }
    }

    /// Packages sent again by their senders after a restore, newest first.
    public func replays(limit: Int = 1000) async throws(StoreError) -> [Replay] {
        try await self.database.execute(
            "SELECT package_id, sender_org, receiver_org, received_at, replayed_at FROM replays ORDER BY replayed_at DESC, package_id LIMIT $1",
            [.integer(limit)]
        ).compactMap { row in
            guard let id = row.string("package_id"), let sender = row.string("sender_org"), let receiver = row.string("receiver_org"),
                let received = row.string("received_at"), let replayed = row.string("replayed_at")
            else { return nil }
            return Replay(packageId: id, sender: sender, receiver: receiver, receivedAt: received, replayedAt: replayed)
        }
    }
}

/// A package a node sent again to a restored hub that no longer had it, accepted as first received.
public struct Replay: Sendable, Hashable, Codable {
    public var packageId: String
    public var sender: String
    public var receiver: String
    /// When the hub first received it, from its signed receipt: the hand-over time its time limits count from.
    public var receivedAt: String
    public var replayedAt: String
}
