public import XietongCore

/// A problem with a tree head from the hub: its signature failed, or it does not extend the last head kept.
public struct EvidenceAlarm: Sendable, Codable, Hashable {
    public var at: String
    public var treeSize: Int
    public var detail: LocalizedText
    public var treeHead: Evidence.TreeHead

    public init(at: String, treeSize: Int, detail: LocalizedText, treeHead: Evidence.TreeHead) {
        self.at = at
        self.treeSize = treeSize
        self.detail = detail
        self.treeHead = treeHead
    }
}

// The node's mirror of the hub's evidence log heads (issue 6, SZ-3, GS-7).
extension NodeStore {
    public func latestTreeHead() async throws(StoreError) -> Evidence.TreeHead? {
        try await self.database.execute("SELECT body FROM tree_heads ORDER BY tree_size DESC LIMIT 1", []).first.flatMap {
            StoreRows.decode(Evidence.TreeHead.self, $0.string("body"))
        }
    }

    /// Keeps a checked head and moves the feed cursor past it, together (no cursor: a head found outside the feed,
    /// the newest one witnesses countersigned, issue 23).
    public func keep(_ head: Evidence.TreeHead, feedSeq: Int?) async throws {
        try await self.database.transaction { transaction in
            try await transaction.write(
                "INSERT INTO tree_heads (tree_size, root_hash, body, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING",
                [.integer(head.treeSize), .text(head.rootHash), .text(StoreRows.json(head.withoutConsistency)), .text(Timestamp.now())]
            )
            if let feedSeq { try await Self.setCursor(feedSeq, in: transaction) }
        }
    }

    /// Records a head that failed its checks, and moves the feed cursor past it.
    public func raise(_ alarm: EvidenceAlarm, feedSeq: Int?) async throws {
        try await self.database.transaction { transaction in
            try await transaction.write(
                "INSERT INTO evidence_alarms (at, tree_size, detail, body) VALUES ($1, $2, $3, $4)",
                [.text(alarm.at), .integer(alarm.treeSize), .text(StoreRows.json(alarm.detail)), .text(StoreRows.json(alarm.treeHead))]
            )
            if let feedSeq { try await Self.setCursor(feedSeq, in: transaction) }
        }
    }

    public func evidenceAlarms() async throws(StoreError) -> [EvidenceAlarm] {
        try await self.database.execute("SELECT * FROM evidence_alarms ORDER BY at", []).compactMap { row in
            guard let detail = StoreRows.decode(LocalizedText.self, row.string("detail")),
                let head = StoreRows.decode(Evidence.TreeHead.self, row.string("body"))
            else { return nil }
            return EvidenceAlarm(at: row.string("at") ?? "", treeSize: row.int("tree_size") ?? 0, detail: detail, treeHead: head)
        }
    }
}

extension NodeStore {
    /// A package this node sent, for the console's list.
    public struct SentPackage: Sendable, Codable {
        public var packageId: String
        public var receiver: String
        public var flow: String
        public var messageType: String
        public var acceptedAt: String
        public var state: String
    }

    /// The packages sent, newest first.
    public func outboxSummary(limit: Int = 500) async throws(StoreError) -> [SentPackage] {
        try await self.database.execute(
            "SELECT package_id, receiver_org, flow, message_type, accepted_at, state FROM outbox ORDER BY node_seq DESC LIMIT $1",
            [.integer(limit)]
        ).map {
            SentPackage(
                packageId: $0.string("package_id") ?? "",
                receiver: $0.string("receiver_org") ?? "",
                flow: $0.string("flow") ?? "",
                messageType: $0.string("message_type") ?? "",
                acceptedAt: $0.string("accepted_at") ?? "",
                state: $0.string("state") ?? ""
            )
        }
    }
}
