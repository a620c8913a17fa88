/// One read of case data: who read what, and when (issue 6). `allowed` is false for a refused attempt.
public struct AccessRecord: Sendable, Codable, Hashable {
    public var at: String
    public var who: String
    public var role: String
    public var action: String
    public var subject: String
    public var allowed: Bool

    public init(at: String, who: String, role: String, action: String, subject: String, allowed: Bool) {
        self.at = at
        self.who = who
        self.role = role
        self.action = action
        self.subject = subject
        self.allowed = allowed
    }
}

/// The `access_log` table, kept by the hub and by each node: every read of case data through their APIs.
public struct AccessLog: Sendable {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// The table, for a store's migrations.
    static let statements = [
        """
        CREATE TABLE access_log (
            at TEXT NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
            allowed INTEGER NOT NULL
        )
        """,
        "CREATE INDEX access_log_by_time ON access_log (at)",
        "CREATE INDEX access_log_by_subject ON access_log (subject, at)",
    ]

    public func record(_ record: AccessRecord) async throws(StoreError) {
        try await self.database.execute(
            "INSERT INTO access_log (at, who, role, action, subject, allowed) VALUES ($1, $2, $3, $4, $5, $6)",
            [.text(record.at), .text(record.who), .text(record.role), .text(record.action), .text(record.subject), .integer(record.allowed ? 1 : 0)]
        )
    }

    /// Newest first; only the reads of `subject` (a package id, a case code or a query) when given.
    public func records(subject: String? = nil, limit: Int = 500) async throws(StoreError) -> [AccessRecord] {
        let rows = try await self.database.execute(
            subject == nil
                ? "SELECT * FROM access_log ORDER BY at DESC LIMIT $1"
                : "SELECT * FROM access_log WHERE subject = $2 ORDER BY at DESC LIMIT $1",
            subject.map { [.integer(limit), .text($0)] } ?? [.integer(limit)]
        )
        return rows.map {
            AccessRecord(
                at: $0.string("at") ?? "",
                who: $0.string("who") ?? "",
                role: $0.string("role") ?? "",
                action: $0.string("action") ?? "",
                subject: $0.string("subject") ?? "",
                allowed: ($0.int("allowed") ?? 0) == 1
            )
        }
    }
}

extension HubStore {
    public var accessLog: AccessLog { AccessLog(database: self.database) }
}

extension NodeStore {
    public var accessLog: AccessLog { AccessLog(database: self.database) }
}
