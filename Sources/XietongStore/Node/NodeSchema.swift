import XietongCore

/// An agency node's tables. Plain SQL that SQLite and PostgreSQL run.
public enum NodeSchema {
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "node exchange",
            statements: [
                // Packages this agency sends, in the order accepted; forwarded to the hub lane by lane.
                """
                CREATE TABLE outbox (
                    package_id TEXT PRIMARY KEY,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    node_seq BIGINT NOT NULL,
                    lane INTEGER NOT NULL,
                    receiver_org TEXT NOT NULL,
                    flow TEXT NOT NULL,
                    message_type TEXT NOT NULL,
                    content BYTEA NOT NULL,
                    attachments TEXT NOT NULL,
                    state TEXT NOT NULL,
                    receipt TEXT NOT NULL,
                    hub_receipt TEXT,
                    attempts INTEGER NOT NULL,
                    next_attempt_at TEXT NOT NULL,
                    last_error TEXT,
                    accepted_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX outbox_pending ON outbox (state, lane, node_seq)",
                // Packages this agency receives, stored before they are delivered (ZJ-7.2.3 b).
                """
                CREATE TABLE inbox (
                    package_id TEXT PRIMARY KEY,
                    feed_seq BIGINT NOT NULL,
                    sender_org TEXT NOT NULL,
                    flow TEXT NOT NULL,
                    message_type TEXT NOT NULL,
                    unified_case_code TEXT NOT NULL,
                    delivery TEXT NOT NULL,
                    content BYTEA NOT NULL,
                    state TEXT NOT NULL,
                    stored_at TEXT NOT NULL,
                    delivered_at TEXT,
                    attempts INTEGER NOT NULL,
                    next_attempt_at TEXT NOT NULL,
                    last_error TEXT
                )
                """,
                "CREATE INDEX inbox_pending ON inbox (state, feed_seq)",
                "CREATE INDEX inbox_by_case ON inbox (unified_case_code)",
                // Every hop this node knows of, for its own packages in both directions.
                """
                CREATE TABLE node_events (
                    package_id TEXT NOT NULL, hop TEXT NOT NULL, at TEXT NOT NULL, organisation TEXT NOT NULL,
                    detail TEXT, findings TEXT, PRIMARY KEY (package_id, hop)
                )
                """,
                // Hops to report to the hub; removed once the hub has them.
                """
                CREATE TABLE reports (
                    package_id TEXT NOT NULL, hop TEXT NOT NULL, event TEXT NOT NULL, attempts INTEGER NOT NULL,
                    next_attempt_at TEXT NOT NULL, PRIMARY KEY (package_id, hop)
                )
                """,
                // Resumable uploads from business systems (ZJ-7.2.3 a, GZ-6).
                """
                CREATE TABLE uploads (
                    upload_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size BIGINT NOT NULL, received BIGINT NOT NULL,
                    name TEXT, created_at TEXT NOT NULL, completed_at TEXT
                )
                """,
                // Periodic delivery (ZJ-7.2.7).
                """
                CREATE TABLE subscriptions (
                    subscription_id TEXT PRIMARY KEY, url TEXT NOT NULL, interval_seconds INTEGER NOT NULL, flows TEXT NOT NULL,
                    after_seq BIGINT NOT NULL, next_run_at TEXT NOT NULL, created_at TEXT NOT NULL
                )
                """,
                "CREATE TABLE node_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                "CREATE TABLE node_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            ]
        ),
        Migration(
            version: 2,
            name: "delivery lanes",
            statements: [
                // Packages of one case share a bucket, so that delivery can run in parallel across cases and in order
                // within each.
                "ALTER TABLE inbox ADD COLUMN case_bucket INTEGER NOT NULL DEFAULT 0",
                "CREATE INDEX inbox_pending_by_bucket ON inbox (state, case_bucket, feed_seq)",
            ]
        ),
        Migration(
            version: 3,
            name: "time-limit reminders",
            statements: [
                // Reminders from the hub of this agency's time limits (GS-3), for its business systems.
                """
                CREATE TABLE reminders (
                    package_id TEXT NOT NULL, seq INTEGER NOT NULL, point TEXT NOT NULL, feed_seq BIGINT NOT NULL,
                    body TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (package_id, seq, point)
                )
                """,
                "CREATE INDEX reminders_by_feed ON reminders (feed_seq)",
            ]
        ),
        Migration(
            version: 4,
            name: "access log",
            // Every read of case data by business systems through the node's API (issue 6).
            statements: AccessLog.statements
        ),
        Migration(
            version: 5,
            name: "evidence log mirror",
            statements: [
                // The hub's signed tree heads this node checked and kept (issue 6, SZ-3): each extends the last.
                "CREATE TABLE tree_heads (tree_size BIGINT PRIMARY KEY, root_hash TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL)",
                // Heads that did not extend the last one kept, or whose signature failed: the hub's log was rewritten.
                "CREATE TABLE evidence_alarms (at TEXT NOT NULL, tree_size BIGINT NOT NULL, detail TEXT NOT NULL, body TEXT NOT NULL)",
            ]
        ),
        Migration(
            version: 6,
            name: "delivery order index",
            statements: [
                // A delivery worker takes the first stored package of its buckets in feed order. With the bucket in
                // the index after the feed order, that is a walk of a few index entries; before, every stored
                // package's row (its content included) was read to find the first, for every delivery.
                "DROP INDEX inbox_pending_by_bucket",
                "DROP INDEX inbox_pending",
                "CREATE INDEX inbox_pending ON inbox (state, feed_seq, case_bucket)",
            ]
        ),
        Migration(
            version: 7,
            name: "package bytes apart",
            statements: [
                // Packages' bytes (up to 32 MiB) in tables of their own: outbox and inbox rows change state as packages
                // travel, and SQLite rewrites the whole row, bytes included, on every update.
                "CREATE TABLE outbox_contents (package_id TEXT PRIMARY KEY, content BYTEA NOT NULL)",
                "INSERT INTO outbox_contents (package_id, content) SELECT package_id, content FROM outbox",
                "ALTER TABLE outbox DROP COLUMN content",
                "CREATE TABLE inbox_contents (package_id TEXT PRIMARY KEY, content BYTEA NOT NULL)",
                "INSERT INTO inbox_contents (package_id, content) SELECT package_id, content FROM inbox",
                "ALTER TABLE inbox DROP COLUMN content",
            ]
        ),
        Migration(
            version: 8,
            name: "time-ordered package keys",
            statements: [
                // A package's hops and bytes keyed by the node's time-ordered key for it (`PackageKey`), made when the
                // package enters the outbox or the inbox, instead of by its id, which may be random (as at the hub,
                // hub migration 9). Packages held before this version keep their id as key, behind a '!'.
                "ALTER TABLE outbox ADD COLUMN package_key TEXT",
                "UPDATE outbox SET package_key = \(PackageKey.legacy(sql: "package_id"))",
                "ALTER TABLE inbox ADD COLUMN package_key TEXT",
                "UPDATE inbox SET package_key = \(PackageKey.legacy(sql: "package_id"))",
            ] + Migration.keyed("node_events", columns: Migration.eventColumns, primaryKey: "package_key, hop", from: .ids)
                + Migration.keyedContents("outbox_contents") + Migration.keyedContents("inbox_contents")
        ),
        Migration(
            version: 9,
            name: "hub restores",
            statements: [
                // The hub runs this node read its feed from, with the first and last position of each (hub positions):
                // a hub restored from an older copy is found by them, and where its feed and this node's part (issue 19).
                "CREATE TABLE feed_runs (boot TEXT PRIMARY KEY, first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL)",
                // Each time the node found the hub restored: where the feeds parted, how far it had read, and how far
                // it has checked its packages against the restored hub.
                """
                CREATE TABLE hub_restores (
                    restore_id INTEGER PRIMARY KEY, detected_at TEXT NOT NULL, hub_cursor BIGINT NOT NULL,
                    resumed_after BIGINT NOT NULL, lost_from BIGINT NOT NULL, lost_to BIGINT NOT NULL,
                    sent_checked_to TEXT NOT NULL, received_checked INTEGER NOT NULL, finished_at TEXT
                )
                """,
                // The packages the restored hub no longer had: sent again by this node ('resent'), or received by it
                // and waiting for their sender to send them again ('awaiting-sender', then 'recovered').
                """
                CREATE TABLE hub_restore_items (
                    restore_id INTEGER NOT NULL, package_id TEXT NOT NULL, role TEXT NOT NULL, outcome TEXT NOT NULL,
                    at TEXT NOT NULL, PRIMARY KEY (restore_id, package_id)
                )
                """,
                "CREATE INDEX hub_restore_items_by_package ON hub_restore_items (package_id, outcome)",
            ]
        ),
        Migration(
            version: 10,
            name: "trace context in the outbox",
            statements: [
                // The W3C traceparent of a package's trace (issue 22), kept while it waits, so that its forward to
                // the hub continues the trace its business system's POST began; null while tracing is off.
                "ALTER TABLE outbox ADD COLUMN traceparent TEXT"
            ]
        ),
        Migration(
            version: 11,
            name: "exchange database connector",
            statements: [
                // The connector's ledger of an exchange database (issue 24, ZJ-7.1.3.1 b): each outbound row read, by
                // its key and change value, so that reconciliation finds the rows an increment skipped (ZJ-7.1.2.3 d).
                """
                CREATE TABLE exchange_rows (
                    row_key TEXT PRIMARY KEY, change_seq BIGINT NOT NULL, content_sha256 TEXT NOT NULL, package_id TEXT,
                    state TEXT NOT NULL, read_at TEXT NOT NULL
                )
                """,
                // Each content sent, by its hash: a row re-keyed in an upgrade (ZJ-7.1.2.3 a) is found here and not
                // sent again. `hops_written`: the hops copied back to the exchange database; settled once final.
                """
                CREATE TABLE exchange_sent (
                    content_sha256 TEXT PRIMARY KEY, package_id TEXT NOT NULL, row_key TEXT NOT NULL, sent_at TEXT NOT NULL,
                    hops_written INTEGER NOT NULL, settled INTEGER NOT NULL
                )
                """,
                "CREATE INDEX exchange_sent_open ON exchange_sent (settled, content_sha256)",
                // Where intake stopped (the watermark), and the rows at or below it when it was last read.
                """
                CREATE TABLE exchange_progress (
                    id INTEGER PRIMARY KEY, change_seq BIGINT, row_key TEXT, rows_at_or_below BIGINT, reconciled_at TEXT,
                    updated_at TEXT NOT NULL
                )
                """,
                // What the connector found wrong and did about it, for the administrator (console, metrics, log).
                "CREATE TABLE exchange_alarms (at TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (at, kind))",
            ]
        ),
        Migration(
            version: 12,
            name: "remote arraignment notices",
            statements: [
                // Each change of a remote arraignment booking this organisation books or hosts, as its feed brought it
                // (issue 26, GUI-2), reminders among them.
                """
                CREATE TABLE booking_notices (
                    feed_seq INTEGER PRIMARY KEY, booking_id TEXT NOT NULL, action TEXT NOT NULL, body TEXT NOT NULL,
                    received_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX booking_notices_by_booking ON booking_notices (booking_id)",
            ]
        ),
        Migration(
            version: 13,
            name: "reading grants",
            statements: [
                // Online file reading (issue 26, GUI-2): each grant of a package's files to a named reader, with the
                // SHA-256 of its access code (the code itself is shown once, to the granting system).
                """
                CREATE TABLE reading_grants (
                    grant_id TEXT PRIMARY KEY, package_id TEXT NOT NULL, code_sha256 TEXT NOT NULL, grant_json TEXT NOT NULL,
                    granted_at TEXT NOT NULL
                )
                """
            ]
        ),
    ]

    /// The key of the package `$1` at a node, in SQL: its outbox row's, else its inbox row's, else (a hop of a package
    /// the node holds neither way, such as one it refused) its id behind a '!', as `PackageKey.legacy` makes.
    static let packageKey = """
        COALESCE(
            (SELECT package_key FROM outbox WHERE package_id = $1), (SELECT package_key FROM inbox WHERE package_id = $1),
            \(PackageKey.legacy(sql: "$1"))
        )
        """

    /// Buckets cases are spread over; delivery workers share them out.
    public static let caseBuckets = 64

    /// The bucket of a case (FNV-1a of its unified code).
    public static func bucket(of caseCode: String) -> Int {
        Int(ContentHash.fnv1a(caseCode) % UInt64(Self.caseBuckets))
    }
}
