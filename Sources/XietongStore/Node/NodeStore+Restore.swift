import Foundation
public import XietongCore

// A hub restored from an older copy of its database (issue 19). The node keeps the hub runs it read its feed from;
// when the hub no longer holds the entry at the node's cursor, the node reads on from where the two feeds part, with
// its own positions going on upwards (business systems pull the inbox by them), and checks its packages against the
// restored hub: what it sent that the hub lost, it sends again; what it received that the hub lost, it records as
// waiting for its sender.
extension NodeStore {
    /// How far the node's own feed positions are ahead of the hub's: 0 until a restore, then the positions the node
    /// had read past where the feeds parted, added up.
    public func feedOffset() async throws(StoreError) -> Int {
        Int(try await self.database.execute("SELECT value FROM node_state WHERE key = 'feed_offset'", []).first?.string("value") ?? "0") ?? 0
    }

    /// Records the hub runs of a page of the feed before it is applied (hub positions). A run recorded ahead of the
    /// cursor after a crash is harmless: the resume point is never past the cursor.
    public func noteRuns(_ entries: [(boot: String, seq: Int)]) async throws {
        var runs: [String: (first: Int, last: Int)] = [:]
        for entry in entries {
            let known = runs[entry.boot] ?? (entry.seq, entry.seq)
            runs[entry.boot] = (min(known.first, entry.seq), max(known.last, entry.seq))
        }
        guard !runs.isEmpty else { return }
        let sorted = runs.sorted(by: { $0.key < $1.key })
        try await self.database.transaction { transaction in
            for (boot, run) in sorted {
                try await transaction.write(
                    """
                    INSERT INTO feed_runs (boot, first_seq, last_seq) VALUES ($1, $2, $3)
                    ON CONFLICT (boot) DO UPDATE SET
                        first_seq = CASE WHEN feed_runs.first_seq < $2 THEN feed_runs.first_seq ELSE $2 END,
                        last_seq = CASE WHEN feed_runs.last_seq > $3 THEN feed_runs.last_seq ELSE $3 END
                    """,
                    [.text(boot), .integer(run.first), .integer(run.last)]
                )
            }
        }
    }

    /// The hub runs this node read.
    public func feedRuns() async throws(StoreError) -> [FeedRun] {
        try await self.database.execute("SELECT boot, first_seq, last_seq FROM feed_runs", []).compactMap { row in
            guard let boot = row.string("boot"), let first = row.int("first_seq"), let last = row.int("last_seq") else { return nil }
            return FeedRun(boot: boot, first: first, last: last)
        }
    }

    /// The runs that may have written the entry at hub position `seq` (one, unless several hub instances share a feed).
    public func feedRuns(containing seq: Int) async throws(StoreError) -> [String] {
        guard seq > 0 else { return [] }
        return try await self.database.execute(
            "SELECT boot FROM feed_runs WHERE first_seq <= $1 AND last_seq >= $1 ORDER BY boot",
            [.integer(seq)]
        ).compactMap { $0.string("boot") }
    }

    /// Starts reading the feed again after hub position `resume.after`, found restored at the node's cursor `cursor`
    /// (its own position) and hub position `hubCursor`: the node's positions go on from `cursor`, and a check of its
    /// packages against the hub is recorded to do. Returns the new offset.
    public func rewindFeed(cursor: Int, hubCursor: Int, resumeAfter: Int, at now: String) async throws -> Int {
        try await self.database.transaction { transaction in
            let offset = cursor - resumeAfter
            try await transaction.write(
                "INSERT INTO node_state (key, value) VALUES ('feed_offset', $1) ON CONFLICT (key) DO UPDATE SET value = $1",
                [.text(String(offset))]
            )
            let next = try await transaction.execute("SELECT COALESCE(MAX(restore_id), 0) + 1 AS next FROM hub_restores", []).first?.int("next") ?? 1
            // The node's own positions of the entries the hub lost: those it read after where the feeds part.
            let lostFrom = cursor - (hubCursor - resumeAfter) + 1
            try await transaction.write(
                """
                INSERT INTO hub_restores (restore_id, detected_at, hub_cursor, resumed_after, lost_from, lost_to, sent_checked_to,
                    received_checked, finished_at)
                VALUES ($1, $2, $3, $4, $5, $6, '', 0, NULL)
                """,
                [.integer(next), .text(now), .integer(hubCursor), .integer(resumeAfter), .integer(lostFrom), .integer(cursor)]
            )
            return offset
        }
    }

    /// A restore found and not yet checked through, oldest first.
    public func unfinishedRestore() async throws(StoreError) -> HubRestore? {
        try await self.restores(unfinishedOnly: true, limit: 1).first
    }

    /// The restores this node found, newest first, with what they did.
    public func hubRestores(limit: Int = 20) async throws(StoreError) -> [HubRestore] {
        var restores = try await self.restores(unfinishedOnly: false, limit: limit)
        for index in restores.indices {
            restores[index].items = try await self.database.execute(
                "SELECT package_id, role, outcome, at FROM hub_restore_items WHERE restore_id = $1 ORDER BY role, package_id",
                [.integer(restores[index].restoreId)]
            ).compactMap { row in
                guard let id = row.string("package_id"), let role = row.string("role"), let outcome = row.string("outcome"),
                    let at = row.string("at")
                else { return nil }
                return HubRestore.Item(packageId: id, role: role, outcome: outcome, at: at)
            }
        }
        return restores
    }

    /// The unfinished restores oldest first (the next to check), or all of them newest first (to show).
    func restores(unfinishedOnly: Bool, limit: Int) async throws(StoreError) -> [HubRestore] {
        let query = unfinishedOnly ? "WHERE finished_at IS NULL ORDER BY restore_id" : "ORDER BY restore_id DESC"
        return try await self.database.execute(
            """
            SELECT restore_id, detected_at, hub_cursor, resumed_after, lost_from, lost_to, sent_checked_to, received_checked, finished_at
            FROM hub_restores \(query) LIMIT $1
            """,
            [.integer(limit)]
        ).compactMap { row in
            guard let id = row.int("restore_id"), let detected = row.string("detected_at") else { return nil }
            return HubRestore(
                restoreId: id,
                detectedAt: detected,
                hubCursor: row.int("hub_cursor") ?? 0,
                resumedAfter: row.int("resumed_after") ?? 0,
                lostFrom: row.int("lost_from") ?? 0,
                lostTo: row.int("lost_to") ?? 0,
                sentCheckedTo: row.string("sent_checked_to") ?? "",
                receivedChecked: row.int("received_checked") == 1,
                finishedAt: row.string("finished_at")
            )
        }
    }

    /// The next page of packages this node sent and the hub accepted, after `packageId`, in id order.
    public func forwardedPackages(after packageId: String, limit: Int) async throws(StoreError) -> [String] {
        try await self.database.execute(
            "SELECT package_id FROM outbox WHERE state = 'forwarded' AND package_id > $1 ORDER BY package_id LIMIT $2",
            [.text(packageId), .integer(limit)]
        ).compactMap { $0.string("package_id") }
    }

    /// Packages this node stored from the feed entries the restored hub lost (the node's positions).
    public func receivedPackages(from first: Int, to last: Int) async throws(StoreError) -> [String] {
        try await self.database.execute(
            "SELECT package_id FROM inbox WHERE feed_seq >= $1 AND feed_seq <= $2 ORDER BY feed_seq",
            [.integer(first), .integer(last)]
        ).compactMap { $0.string("package_id") }
    }

    /// Puts forwarded packages the restored hub does not have back at the head of their lanes, with their hub
    /// receipts, and records them; records how far the check went, in the same transaction. Returns their lanes.
    public func resend(_ packageIds: [String], restore: Int, checkedTo: String, at now: String) async throws -> Set<Int> {
        try await self.database.transaction { transaction in
            var lanes = Set<Int>()
            for id in packageIds {
                let rows = try await transaction.execute(
                    """
                    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, last_error = 'sent again: the restored hub did not have it'
                    WHERE package_id = $2 AND state = 'forwarded' RETURNING lane
                    """,
                    [.text(now), .text(id)]
                )
                guard let lane = rows.first?.int("lane") else { continue }
                lanes.insert(lane)
                try await Self.recordItem(restore: restore, packageId: id, role: "sent", outcome: "resent", at: now, in: transaction)
            }
            try await transaction.write(
                "UPDATE hub_restores SET sent_checked_to = $1 WHERE restore_id = $2",
                [.text(checkedTo), .integer(restore)]
            )
            return lanes
        }
    }

    /// Records the received packages the restored hub lost (until their senders send them again), owes the hub
    /// this node's hops of those it still has, and ends the check.
    public func finishRestore(_ restore: Int, missing: [String], held: [String], at now: String) async throws {
        let organisation = self.organisation
        var owing: [PackageEvent] = []
        for id in held {
            owing += try await self.events(of: id).filter { $0.organisation == organisation && Hop.reportedByReceiver.contains($0.hop) }
        }
        let owed = owing
        try await self.database.transaction { transaction in
            for id in missing {
                try await Self.recordItem(restore: restore, packageId: id, role: "received", outcome: "awaiting-sender", at: now, in: transaction)
            }
            for event in owed { try await Self.owe(event, in: transaction) }
            try await transaction.write(
                "UPDATE hub_restores SET received_checked = 1, finished_at = $1 WHERE restore_id = $2",
                [.text(now), .integer(restore)]
            )
        }
    }

    /// A package this node received, which a restored hub had lost, arrived again from its sender: its hops are owed
    /// to the hub again, and the restore's record says it was recovered. Returns whether it was one.
    @discardableResult
    public func recovered(_ packageId: String, at now: String) async throws -> Bool {
        let organisation = self.organisation
        let waiting = try await self.database.execute(
            "SELECT restore_id FROM hub_restore_items WHERE package_id = $1 AND outcome = 'awaiting-sender'",
            [.text(packageId)]
        )
        guard !waiting.isEmpty else { return false }
        let owed = try await self.events(of: packageId).filter { $0.organisation == organisation && Hop.reportedByReceiver.contains($0.hop) }
        try await self.database.transaction { transaction in
            for event in owed { try await Self.owe(event, in: transaction) }
            try await transaction.write(
                "UPDATE hub_restore_items SET outcome = 'recovered', at = $1 WHERE package_id = $2 AND outcome = 'awaiting-sender'",
                [.text(now), .text(packageId)]
            )
        }
        return true
    }

    static func recordItem(
        restore: Int,
        packageId: String,
        role: String,
        outcome: String,
        at now: String,
        in transaction: any SQLTransaction
    )
        async throws
    {
        try await transaction.write(
            """
            INSERT INTO hub_restore_items (restore_id, package_id, role, outcome, at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (restore_id, package_id) DO NOTHING
            """,
            [.integer(restore), .text(packageId), .text(role), .text(outcome), .text(now)]
        )
    }
}

/// A time this node found the hub restored from an older copy (issue 19), and what it did about it.
public struct HubRestore: Sendable, Hashable, Codable {
    public struct Item: Sendable, Hashable, Codable {
        public var packageId: String
        /// `sent` or `received`.
        public var role: String
        /// `resent` (sent again by this node), `awaiting-sender` (received, lost by the hub, its sender has not sent it
        /// again yet) or `recovered` (it has).
        public var outcome: String
        public var at: String
    }

    public var restoreId: Int
    public var detectedAt: String
    /// The hub position the node had read to, and where the restored hub's feed and the node's part.
    public var hubCursor: Int
    public var resumedAfter: Int
    /// The node's own positions of the entries the hub lost.
    public var lostFrom: Int
    public var lostTo: Int
    /// How far the sent packages are checked (a package id; empty before the first page).
    public var sentCheckedTo: String
    public var receivedChecked: Bool
    public var finishedAt: String?
    public var items: [Item] = []
}
