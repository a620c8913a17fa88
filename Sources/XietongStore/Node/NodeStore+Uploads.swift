import Foundation
import XietongCore

// Resumable uploads of large dossiers, and subscriptions for periodic batches (ZJ-7.2.7).
extension NodeStore {
    // MARK: Uploads

    public struct Upload: Sendable, Codable {
        public var uploadId: String
        public var sha256: String
        public var size: Int
        public var received: Int
        public var name: String?
        public var completed: Bool

        public init(uploadId: String, sha256: String, size: Int, received: Int, name: String?, completed: Bool) {
            self.uploadId = uploadId
            self.sha256 = sha256
            self.size = size
            self.received = received
            self.name = name
            self.completed = completed
        }
    }

    public func createUpload(sha256: String, size: Int, name: String?) async throws(StoreError) -> Upload {
        let upload = Upload(uploadId: UUID().uuidString.lowercased(), sha256: sha256, size: size, received: 0, name: name, completed: false)
        try await self.database.execute(
            "INSERT INTO uploads (upload_id, sha256, size, received, name, created_at) VALUES ($1, $2, $3, 0, $4, $5)",
            [.text(upload.uploadId), .text(sha256), .integer(size), .optional(name), .text(Timestamp.now())]
        )
        return upload
    }

    public func upload(_ uploadId: String) async throws(StoreError) -> Upload? {
        guard
            let row = try await self.database.execute(
                "SELECT upload_id, sha256, size, received, name, completed_at FROM uploads WHERE upload_id = $1",
                [.text(uploadId)]
            ).first
        else { return nil }
        return Upload(
            uploadId: uploadId,
            sha256: row.string("sha256") ?? "",
            size: row.int("size") ?? 0,
            received: row.int("received") ?? 0,
            name: row.string("name"),
            completed: row.string("completed_at") != nil
        )
    }

    public func setUploadProgress(_ uploadId: String, received: Int, completed: Bool) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE uploads SET received = $1, completed_at = $2 WHERE upload_id = $3",
            [.integer(received), completed ? .text(Timestamp.now()) : .null, .text(uploadId)]
        )
    }

    // MARK: Subscriptions

    public struct Subscription: Sendable, Codable {
        public var subscriptionId: String
        public var url: String
        public var intervalSeconds: Int
        public var flows: [String]
        public var afterSeq: Int
        public var nextRunAt: String
    }

    public func addSubscription(url: String, intervalSeconds: Int, flows: [String]) async throws(StoreError) -> Subscription {
        let subscription = Subscription(
            subscriptionId: UUID().uuidString.lowercased(),
            url: url,
            intervalSeconds: intervalSeconds,
            flows: flows,
            afterSeq: 0,
            nextRunAt: Timestamp.string(Date().addingTimeInterval(TimeInterval(intervalSeconds)))
        )
        try await self.database.execute(
            """
            INSERT INTO subscriptions (subscription_id, url, interval_seconds, flows, after_seq, next_run_at, created_at)
            VALUES ($1, $2, $3, $4, 0, $5, $6)
            """,
            [
                .text(subscription.subscriptionId), .text(url), .integer(intervalSeconds), .text(StoreRows.json(flows)),
                .text(subscription.nextRunAt), .text(Timestamp.now()),
            ]
        )
        return subscription
    }

    public func subscriptions() async throws(StoreError) -> [Subscription] {
        try await self.database.execute("SELECT * FROM subscriptions ORDER BY created_at", []).map {
            Subscription(
                subscriptionId: $0.string("subscription_id") ?? "",
                url: $0.string("url") ?? "",
                intervalSeconds: $0.int("interval_seconds") ?? 60,
                flows: StoreRows.decode([String].self, $0.string("flows")) ?? [],
                afterSeq: $0.int("after_seq") ?? 0,
                nextRunAt: $0.string("next_run_at") ?? ""
            )
        }
    }

    public func advanceSubscription(_ id: String, afterSeq: Int, nextRunAt: String) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE subscriptions SET after_seq = $1, next_run_at = $2 WHERE subscription_id = $3",
            [.integer(afterSeq), .text(nextRunAt), .text(id)]
        )
    }
}
