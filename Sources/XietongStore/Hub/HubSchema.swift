// Longer than 400 lines on purpose: the hub's migrations in the order they run, each a few statements with the
// reason for them; a schema's history reads best top to bottom in one place (the node's is NodeSchema.swift).

/// The hub's tables (ZJ-7.1.2.2: structured data in relational tables). Plain SQL that SQLite and PostgreSQL run.
public enum HubSchema {
    static let migrations: [Migration] = [
        Migration(
            version: 2,
            name: "exchange",
            statements: [
                // Every accepted package, with its original bytes: the hub forwards them unchanged (GZ-1).
                """
                CREATE TABLE packages (
                    package_id TEXT PRIMARY KEY,
                    sender_org TEXT NOT NULL,
                    receiver_org TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    flow TEXT NOT NULL,
                    message_type TEXT NOT NULL,
                    in_reply_to TEXT,
                    unified_case_code TEXT NOT NULL,
                    code_assigned INTEGER NOT NULL,
                    agency_case_number TEXT NOT NULL,
                    standard_version TEXT NOT NULL,
                    case_name TEXT NOT NULL,
                    case_category TEXT NOT NULL,
                    division TEXT NOT NULL,
                    similarity_key TEXT NOT NULL,
                    content_sha256 TEXT NOT NULL,
                    content_size BIGINT NOT NULL,
                    content BYTEA NOT NULL,
                    created_at TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    receipt TEXT NOT NULL,
                    delivered_at TEXT,
                    UNIQUE (sender_org, idempotency_key)
                )
                """,
                "CREATE INDEX packages_by_case ON packages (unified_case_code, received_at)",
                "CREATE INDEX packages_by_similarity ON packages (similarity_key)",
                "CREATE INDEX packages_undelivered ON packages (delivered_at, received_at)",
                """
                CREATE TABLE package_persons (
                    package_id TEXT NOT NULL, person_id TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL,
                    id_card_number TEXT, gender TEXT NOT NULL, birth_date TEXT,
                    PRIMARY KEY (package_id, person_id)
                )
                """,
                "CREATE INDEX package_persons_by_id_card ON package_persons (id_card_number)",
                """
                CREATE TABLE package_documents (
                    package_id TEXT NOT NULL, document_id TEXT NOT NULL, title TEXT NOT NULL, document_number TEXT,
                    issued_on TEXT NOT NULL,
                    PRIMARY KEY (package_id, document_id)
                )
                """,
                """
                CREATE TABLE package_attachments (
                    package_id TEXT NOT NULL, attachment_id TEXT NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL,
                    size BIGINT NOT NULL, sha256 TEXT NOT NULL, volume INTEGER, file_number INTEGER, first_page INTEGER,
                    page_count INTEGER,
                    PRIMARY KEY (package_id, attachment_id)
                )
                """,
                // The status history across hops (GZ-5). One row per package and hop.
                """
                CREATE TABLE package_events (
                    package_id TEXT NOT NULL, hop TEXT NOT NULL, at TEXT NOT NULL, organisation TEXT NOT NULL,
                    detail TEXT, findings TEXT,
                    PRIMARY KEY (package_id, hop)
                )
                """,
                // Each organisation's ordered queue of deliveries and status changes.
                "CREATE TABLE feed_heads (organisation TEXT PRIMARY KEY, last_seq BIGINT NOT NULL, acked_seq BIGINT NOT NULL, last_seen_at TEXT)",
                """
                CREATE TABLE feed (
                    organisation TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, package_id TEXT NOT NULL,
                    body TEXT NOT NULL, created_at TEXT NOT NULL,
                    PRIMARY KEY (organisation, seq)
                )
                """,
                // Refused packages (ZJ-7.2.6), for the sender's feedback and the administrator.
                """
                CREATE TABLE refusals (
                    package_id TEXT NOT NULL, sender_org TEXT NOT NULL, receiver_org TEXT, idempotency_key TEXT,
                    stage TEXT NOT NULL, refused_at TEXT NOT NULL, receipt TEXT NOT NULL,
                    PRIMARY KEY (package_id, stage)
                )
                """,
                "CREATE INDEX refusals_by_sender_key ON refusals (sender_org, idempotency_key)",
                // Overdue alerts (GZ-5).
                """
                CREATE TABLE alerts (
                    package_id TEXT PRIMARY KEY, sender_org TEXT NOT NULL, receiver_org TEXT NOT NULL,
                    stuck_after TEXT NOT NULL, raised_at TEXT NOT NULL
                )
                """,
            ]
        ),
        Migration(
            version: 3,
            name: "flows and deadlines",
            statements: [
                // Each flow instance of a case (GS-2): opened by a message that starts its flow, closed by one that
                // closes it.
                """
                CREATE TABLE flow_instances (
                    instance_id TEXT PRIMARY KEY, case_code TEXT NOT NULL, flow TEXT NOT NULL, opened_at TEXT NOT NULL,
                    last_step_at TEXT NOT NULL, closed_by TEXT, closed_at TEXT
                )
                """,
                "CREATE INDEX flow_instances_by_case ON flow_instances (case_code)",
                """
                CREATE TABLE flow_steps (
                    package_id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, message_type TEXT NOT NULL,
                    sender_org TEXT NOT NULL, receiver_org TEXT NOT NULL, at TEXT NOT NULL
                )
                """,
                "CREATE INDEX flow_steps_by_instance ON flow_steps (instance_id)",
                // Statutory time limits started by a message (issue 5): who must act by when, and whether they did.
                """
                CREATE TABLE deadlines (
                    package_id TEXT NOT NULL, seq INTEGER NOT NULL, instance_id TEXT NOT NULL, case_code TEXT NOT NULL,
                    flow TEXT NOT NULL, message_type TEXT NOT NULL, responsible_org TEXT NOT NULL, starts_on TEXT NOT NULL,
                    due_on TEXT NOT NULL, due_at TEXT, moved_from TEXT, custody INTEGER NOT NULL, limit_value INTEGER NOT NULL,
                    limit_unit TEXT NOT NULL, basis TEXT NOT NULL, met_by_types TEXT, optional INTEGER NOT NULL, state TEXT NOT NULL,
                    met_by TEXT, met_at TEXT,
                    PRIMARY KEY (package_id, seq)
                )
                """,
                "CREATE INDEX deadlines_open ON deadlines (state, due_on)",
                "CREATE INDEX deadlines_by_responsible ON deadlines (responsible_org, state, due_on)",
                "CREATE INDEX deadlines_by_case ON deadlines (case_code)",
                "CREATE INDEX deadlines_by_instance ON deadlines (instance_id)",
                // Every unified code a package carries, its own and its related ones: a case is found by any of its
                // agencies' codes.
                "CREATE TABLE case_links (case_code TEXT NOT NULL, package_id TEXT NOT NULL, PRIMARY KEY (case_code, package_id))",
                "CREATE INDEX case_links_by_package ON case_links (package_id)",
                // Reminders sent, one per time limit and point (GS-3).
                """
                CREATE TABLE deadline_reminders (
                    package_id TEXT NOT NULL, seq INTEGER NOT NULL, point TEXT NOT NULL, sent_at TEXT NOT NULL,
                    PRIMARY KEY (package_id, seq, point)
                )
                """,
                "INSERT INTO case_links (case_code, package_id) SELECT unified_case_code, package_id FROM packages",
                // Packages accepted before this version: each reply joins the instance of the message it answers.
                """
                WITH RECURSIVE chain (package_id, instance_id) AS (
                    SELECT package_id, package_id FROM packages
                    WHERE in_reply_to IS NULL OR in_reply_to NOT IN (SELECT package_id FROM packages)
                    UNION ALL
                    SELECT p.package_id, c.instance_id FROM packages p JOIN chain c ON p.in_reply_to = c.package_id
                )
                INSERT INTO flow_steps (package_id, instance_id, message_type, sender_org, receiver_org, at)
                SELECT p.package_id, c.instance_id, p.message_type, p.sender_org, p.receiver_org, p.received_at
                FROM chain c JOIN packages p ON p.package_id = c.package_id
                """,
                """
                INSERT INTO flow_instances (instance_id, case_code, flow, opened_at, last_step_at)
                SELECT p.package_id, p.unified_case_code, p.flow, p.received_at, p.received_at
                FROM packages p WHERE p.package_id IN (SELECT instance_id FROM flow_steps)
                """,
            ]
        ),
        Migration(
            version: 4,
            name: "custody chains and batch receipts",
            statements: [
                // What each package said of its persons' custody (换押, ZJ-6.1.4): one row per person and record.
                // Packages accepted before this version are not read again: their chains start with the next package.
                """
                CREATE TABLE custody_records (
                    package_id TEXT NOT NULL, seq INTEGER NOT NULL, person_key TEXT NOT NULL, name TEXT NOT NULL,
                    event TEXT NOT NULL, kind TEXT, holder_org TEXT NOT NULL, starts_on TEXT, ends_on TEXT, custody_org TEXT,
                    recorded_at TEXT NOT NULL,
                    PRIMARY KEY (package_id, seq)
                )
                """,
                "CREATE INDEX custody_records_by_person ON custody_records (person_key, recorded_at)",
                "CREATE INDEX custody_records_by_end ON custody_records (ends_on)",
                // Receipts per person of a batch custody exchange (SZ-2): at most one per person and exchange.
                """
                CREATE TABLE custody_receipts (
                    instance_id TEXT NOT NULL, person_key TEXT NOT NULL, package_id TEXT NOT NULL, at TEXT NOT NULL,
                    PRIMARY KEY (instance_id, person_key)
                )
                """,
            ]
        ),
        Migration(
            version: 5,
            name: "access log",
            // Every read of case data through the hub's API, allowed or refused: who, what, when (issue 6).
            statements: AccessLog.statements
        ),
        Migration(
            version: 6,
            name: "package signatures",
            // The sender's signature over each package, kept with it (issue 6).
            statements: ["ALTER TABLE packages ADD COLUMN signature TEXT"]
        ),
        Migration(
            version: 7,
            name: "evidence log",
            statements: [
                // The evidence log (issue 6, SZ-3, GS-7): every hand-over event as a leaf of an append-only Merkle
                // tree (RFC 9162), with the tree's complete subtrees and the heads the hub signed.
                """
                CREATE TABLE evidence_leaves (
                    leaf_index BIGINT PRIMARY KEY, package_id TEXT NOT NULL, hop TEXT NOT NULL, leaf TEXT NOT NULL,
                    leaf_hash TEXT NOT NULL
                )
                """,
                "CREATE INDEX evidence_leaves_by_package ON evidence_leaves (package_id)",
                "CREATE TABLE evidence_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (level, idx))",
                "CREATE TABLE evidence_size (id INTEGER PRIMARY KEY, size BIGINT NOT NULL)",
                "INSERT INTO evidence_size (id, size) VALUES (1, 0)",
                """
                CREATE TABLE tree_heads (
                    tree_size BIGINT PRIMARY KEY, root_hash TEXT NOT NULL, signed_at TEXT NOT NULL, body TEXT NOT NULL
                )
                """,
            ]
        ),
        Migration(
            version: 8,
            name: "package bytes apart",
            statements: [
                // A package's bytes (up to 32 MiB) in a table of their own: a row of `packages` is updated as the
                // package travels (delivered_at), and SQLite rewrites the whole row, bytes included, on every update.
                "CREATE TABLE package_contents (package_id TEXT PRIMARY KEY, content BYTEA NOT NULL)",
                "INSERT INTO package_contents (package_id, content) SELECT package_id, content FROM packages",
                "ALTER TABLE packages DROP COLUMN content",
            ]
        ),
        Migration(
            version: 9,
            name: "time-ordered package keys",
            statements: [
                // A package's events, evidence leaves and bytes are keyed by the hub's time-ordered key for it
                // (`PackageKey`) instead of the sender's package id, which may be random: each insert then lands at
                // the end of its index instead of on a page of its own. `packages` maps the id to the key. Packages
                // received before this version keep their id as key, behind a '!' (`PackageKey.legacy`).
                "ALTER TABLE packages ADD COLUMN package_key TEXT",
                "UPDATE packages SET package_key = \(PackageKey.legacy(sql: "package_id"))",
            ] + Migration.keyed("package_events", columns: Migration.eventColumns, primaryKey: "package_key, hop", from: .ids) + [
                "ALTER TABLE evidence_leaves ADD COLUMN package_key TEXT",
                "UPDATE evidence_leaves SET package_key = \(PackageKey.legacy(sql: "package_id"))",
                "DROP INDEX evidence_leaves_by_package",
                "CREATE INDEX evidence_leaves_by_key ON evidence_leaves (package_key)",
            ] + Migration.keyedContents("package_contents")
        ),
        Migration(
            version: 10,
            name: "time-ordered keys for a package's structured data",
            // The rows the hub writes once per package when it accepts it, keyed like its events (migration 9). The
            // package id stays in each row, unindexed: rows are found through `packages`. `case_links_by_package`
            // goes: no query looks links up by package.
            statements: Migration.keyed(
                "package_persons",
                columns:
                    "person_id TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL, id_card_number TEXT, gender TEXT NOT NULL, birth_date TEXT",
                primaryKey: "package_key, person_id",
                indexes: ["CREATE INDEX package_persons_by_id_card ON package_persons (id_card_number)"]
            )
                + Migration.keyed(
                    "package_documents",
                    columns: "document_id TEXT NOT NULL, title TEXT NOT NULL, document_number TEXT, issued_on TEXT NOT NULL",
                    primaryKey: "package_key, document_id"
                )
                + Migration.keyed(
                    "package_attachments",
                    columns: """
                        attachment_id TEXT NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL, size BIGINT NOT NULL, \
                        sha256 TEXT NOT NULL, volume INTEGER, file_number INTEGER, first_page INTEGER, page_count INTEGER
                        """,
                    primaryKey: "package_key, attachment_id"
                )
                + Migration.keyed(
                    "flow_steps",
                    columns:
                        "instance_id TEXT NOT NULL, message_type TEXT NOT NULL, sender_org TEXT NOT NULL, receiver_org TEXT NOT NULL, at TEXT NOT NULL",
                    primaryKey: "package_key",
                    indexes: ["CREATE INDEX flow_steps_by_instance ON flow_steps (instance_id)"]
                )
                + Migration.keyed("case_links", columns: "case_code TEXT NOT NULL", primaryKey: "case_code, package_key")
        ),
        Migration(
            version: 11,
            name: "no case-code indexes on flow instances and time limits",
            // No query looks either table up by case code (a case's instances are found through `case_links` and
            // `flow_steps`), and each index cost every opened instance and started limit a page write of its own:
            // case codes are spread over the whole index (ZJ-7.1.2.2 queries stay on `packages_by_case`).
            statements: ["DROP INDEX flow_instances_by_case", "DROP INDEX deadlines_by_case"]
        ),
        Migration(
            version: 12,
            name: "time-ordered keys for flow steps and time limits",
            // An instance is named by its opening package's id, which may be random, so the flow steps and time
            // limits of each new instance were filed at random places in `flow_steps_by_instance`,
            // `deadlines_by_instance` and the time limits' primary key. They now find their instance by its key, the
            // opening package's `PackageKey` (`instance_key`, kept in `flow_instances` too), and time limits are keyed
            // by their package's key like its other rows. The ids stay in every row.
            statements: [
                "ALTER TABLE flow_instances ADD COLUMN instance_key TEXT",
                "UPDATE flow_instances SET instance_key = \(Self.instanceKey(of: "flow_instances.instance_id"))",
                "ALTER TABLE flow_steps ADD COLUMN instance_key TEXT",
                "UPDATE flow_steps SET instance_key = \(Self.instanceKey(of: "flow_steps.instance_id"))",
                "DROP INDEX flow_steps_by_instance",
                "CREATE INDEX flow_steps_by_instance_key ON flow_steps (instance_key)",
                "ALTER TABLE deadlines ADD COLUMN instance_key TEXT",
                "UPDATE deadlines SET instance_key = \(Self.instanceKey(of: "deadlines.instance_id"))",
            ]
                + Migration.keyed(
                    "deadlines",
                    columns: """
                        seq INTEGER NOT NULL, instance_id TEXT NOT NULL, instance_key TEXT NOT NULL, case_code TEXT NOT NULL, \
                        flow TEXT NOT NULL, message_type TEXT NOT NULL, responsible_org TEXT NOT NULL, starts_on TEXT NOT NULL, \
                        due_on TEXT NOT NULL, due_at TEXT, moved_from TEXT, custody INTEGER NOT NULL, limit_value INTEGER NOT NULL, \
                        limit_unit TEXT NOT NULL, basis TEXT NOT NULL, met_by_types TEXT, optional INTEGER NOT NULL, state TEXT NOT NULL, \
                        met_by TEXT, met_at TEXT
                        """,
                    primaryKey: "package_key, seq",
                    indexes: [
                        "CREATE INDEX deadlines_open ON deadlines (state, due_on)",
                        "CREATE INDEX deadlines_by_responsible ON deadlines (responsible_org, state, due_on)",
                        "CREATE INDEX deadlines_by_instance_key ON deadlines (instance_key)",
                    ]
                )
        ),
        Migration(
            version: 13,
            name: "hub runs in the feed, and replays",
            statements: [
                // The run (a random id made at each start) that wrote each feed entry: a node tells a hub restored
                // from an older copy by it, and finds where its feed and the restored one part (issue 19).
                "ALTER TABLE feed ADD COLUMN boot TEXT",
                // Packages a node sent again because a restored hub no longer had them, with the time the hub first
                // received them (from its signed receipt): what the administrator is told was replayed.
                """
                CREATE TABLE replays (
                    package_id TEXT PRIMARY KEY, sender_org TEXT NOT NULL, receiver_org TEXT NOT NULL,
                    received_at TEXT NOT NULL, replayed_at TEXT NOT NULL
                )
                """,
            ]
        ),
        Migration(
            version: 14,
            name: "custody judged from the person, provisional limits, changes of a due date",
            statements: [
                // Why a limit is or is not counted as one of a person in custody (CPL 第105条第4款), judged from the
                // persons' custody at the hub (issue 20); the years its count needed and the calendar does not list
                // (a provisional last day); and the last change of its due date, with what changed it.
                "ALTER TABLE deadlines ADD COLUMN custody_reason TEXT",
                "ALTER TABLE deadlines ADD COLUMN custody_reason_en TEXT",
                "ALTER TABLE deadlines ADD COLUMN uncovered_years TEXT",
                "ALTER TABLE deadlines ADD COLUMN changed_from TEXT",
                "ALTER TABLE deadlines ADD COLUMN change_reason TEXT",
                "ALTER TABLE deadlines ADD COLUMN change_reason_en TEXT",
                "CREATE INDEX deadlines_provisional ON deadlines (uncovered_years) WHERE uncovered_years IS NOT NULL",
                // The suspects, defendants and offenders a package names: whose custody its limits depend on.
                """
                CREATE TABLE deadline_persons (
                    package_key TEXT NOT NULL, person_key TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (package_key, person_key)
                )
                """,
                "CREATE INDEX deadline_persons_by_person ON deadline_persons (person_key)",
                // Every change of a limit's due date after it started: the old and new day, why, and the package.
                """
                CREATE TABLE deadline_changes (
                    package_key TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, old_due_on TEXT NOT NULL,
                    new_due_on TEXT NOT NULL, reason TEXT NOT NULL, reason_en TEXT NOT NULL, by_package TEXT
                )
                """,
                "CREATE INDEX deadline_changes_by_limit ON deadline_changes (package_key, seq)",
                // Open limits started before this version: their persons (keyed as `CustodyRecord.personKey` keys
                // them), so that a change of custody judges them again, and a mark that their last day has not been
                // checked against the calendar's years ('?'), which the next recount replaces.
                """
                INSERT INTO deadline_persons (package_key, person_key, name)
                SELECT DISTINCT d.package_key,
                    COALESCE(NULLIF(UPPER(pp.id_card_number), ''), 'name:' || pp.name || '|' || COALESCE(pp.birth_date, '')), pp.name
                FROM deadlines d JOIN package_persons pp ON pp.package_key = d.package_key
                WHERE d.state = 'open' AND pp.role IN ('suspect', 'defendant', 'offender')
                ON CONFLICT DO NOTHING
                """,
                "UPDATE deadlines SET uncovered_years = '?' WHERE state = 'open' AND custody = 0 AND limit_unit IN ('days', 'months', 'workingDays')",
            ]
        ),
        Migration(
            version: 15,
            name: "investigation detention periods",
            statements: [
                // Each arrested person's latest investigation detention period (CPL 第156–160条, issue 20): a time
                // limit in `deadlines` (of the package that started it), found here by the person.
                """
                CREATE TABLE detention_periods (
                    person_key TEXT PRIMARY KEY, package_key TEXT NOT NULL, seq INTEGER NOT NULL, starts_on TEXT NOT NULL
                )
                """
            ]
        ),
        Migration(
            version: 16,
            name: "sender limits",
            statements: [
                // Whose limit a row is (issue 20): the receiver's (every row so far), or the sender's own, met by the
                // message named in `message_type` and found by the case, the sender and that message; an approved
                // extension is shown in `changed_from` and `change_reason`.
                "ALTER TABLE deadlines ADD COLUMN party TEXT NOT NULL DEFAULT 'receiver'",
                "CREATE INDEX deadlines_sender ON deadlines (case_code, responsible_org, message_type) WHERE party = 'sender'",
            ]
        ),
        Migration(
            version: 17,
            name: "extended receiver limits",
            statements: [
                // The last day an approved extension of a receiver limit gave it (issue 20; 刑事诉讼法第172条, 第208条,
                // 第243条): that day stands, so a later change of custody does not count the limit again from its
                // statutory length.
                "ALTER TABLE deadlines ADD COLUMN extended_to TEXT"
            ]
        ),
        Migration(
            version: 18,
            name: "links to peer hubs",
            statements: [
                // What this hub has read of each peer hub's link feed for it (issue 23), with the peer's run that wrote
                // the entry at the cursor (to tell a peer restored from an older copy, as nodes do), the peer's last signed tree
                // head that passed its checks, when the link last answered, and the evidence alarm a head that failed
                // them raised (a peer that rewrote or forked its log), which stays until an administrator clears it.
                """
                CREATE TABLE peer_links (
                    peer TEXT PRIMARY KEY, cursor INTEGER NOT NULL DEFAULT 0, boot TEXT, tree_head TEXT, answered_at TEXT, alarm TEXT,
                    alarm_at TEXT
                )
                """
            ]
        ),
        Migration(
            version: 19,
            name: "witnesses' countersignatures",
            statements: [
                // Each witness's countersignature of a signed tree head (issue 23, SZ-3), by the head's size: served with
                // the head to nodes and peer hubs that require witnesses.
                """
                CREATE TABLE tree_head_cosignatures (
                    tree_size INTEGER NOT NULL, witness TEXT NOT NULL, cosignature TEXT NOT NULL, PRIMARY KEY (tree_size, witness)
                )
                """
            ]
        ),
        Migration(
            version: 20,
            name: "pooled case search",
            statements: [
                // Pooled case search (issue 26, GS-5; `HubStore+Search`). Packages are found by their time-ordered key
                // from every index below, and by their agency's case number.
                "CREATE INDEX packages_by_key ON packages (package_key)",
                "CREATE INDEX packages_by_agency_case_number ON packages (agency_case_number)",
                // By name with the key: the distinct packages of a name are read from the index alone.
                "CREATE INDEX package_persons_by_name ON package_persons (name, package_key)",
                // Each person's charges, by name.
                """
                CREATE TABLE package_charges (
                    package_key TEXT NOT NULL, package_id TEXT NOT NULL, person_ref TEXT NOT NULL, name TEXT NOT NULL, law_article TEXT,
                    PRIMARY KEY (package_key, person_ref, name)
                )
                """,
                "CREATE INDEX package_charges_by_name ON package_charges (name, package_key)",
                // The packages accepted before this version, indexed from their stored bytes by the hub once it runs
                // (`HubStore.indexSearchBacklog`).
                "CREATE TABLE search_backlog (package_key TEXT PRIMARY KEY)",
                "INSERT INTO search_backlog (package_key) SELECT package_key FROM packages",
            ],
            // The words of each package (`CaseSearch.text`), in each database's own full-text index. Both index
            // trigrams, so Chinese needs no word segmentation, and both take three characters at least.
            dialectStatements: [
                .sqlite: ["CREATE VIRTUAL TABLE package_text USING fts5 (package_key UNINDEXED, body, tokenize = 'trigram')"],
                .postgres: [
                    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                    "CREATE TABLE package_text (package_key TEXT PRIMARY KEY, body TEXT NOT NULL)",
                    "CREATE INDEX package_text_trigrams ON package_text USING gin (body gin_trgm_ops)",
                ],
            ]
        ),
        Migration(
            version: 21,
            name: "case filing reports",
            statements: [
                // Case filing reports to the committee (issue 26, GUI-2; `HubStore+FilingReports`), one row each, by
                // the reporter's own id. `draft` is the report as filed (JSON), its fields for the lists beside it.
                """
                CREATE TABLE filing_reports (
                    report_id TEXT PRIMARY KEY, reporter TEXT NOT NULL, kind TEXT NOT NULL, case_code TEXT NOT NULL,
                    reported_at TEXT NOT NULL, due_on TEXT, late INTEGER NOT NULL, status TEXT NOT NULL, acknowledged_by TEXT,
                    acknowledged_at TEXT, note TEXT, draft TEXT NOT NULL
                )
                """,
                "CREATE INDEX filing_reports_by_status ON filing_reports (status, reported_at)",
                "CREATE INDEX filing_reports_by_reporter ON filing_reports (reporter, reported_at)",
            ]
        ),
        Migration(
            version: 22,
            name: "remote arraignment rooms",
            statements: [
                // Remote arraignment rooms and their bookings (issue 26, GUI-2; `HubStore+Arraignment`). A house's
                // rooms as it last published them (JSON). A booking as it stands (JSON, with its history), its slot
                // in China minutes beside it for the conflict and reminder reads.
                """
                CREATE TABLE arraignment_rooms (
                    house TEXT NOT NULL, room_id TEXT NOT NULL, room TEXT NOT NULL, published_at TEXT NOT NULL,
                    PRIMARY KEY (house, room_id)
                )
                """,
                """
                CREATE TABLE bookings (
                    booking_id TEXT PRIMARY KEY, booker TEXT NOT NULL, house TEXT NOT NULL, room_id TEXT NOT NULL,
                    status TEXT NOT NULL, start_minute INTEGER NOT NULL, end_minute INTEGER NOT NULL, booking TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX bookings_by_house ON bookings (house, start_minute)",
                "CREATE INDEX bookings_by_booker ON bookings (booker, start_minute)",
                "CREATE INDEX bookings_by_start ON bookings (start_minute)",
            ]
        ),
        Migration(
            version: 23,
            name: "precedents",
            statements: [
                // Judgments with sentences (standard 1.3) as precedents for similar cases (issue 26, SZ-6, GS-6;
                // `HubStore+Precedents`): the precedent as JSON (`SimilarCases.Precedent`), found by its package's
                // charges (`package_charges`). Packages before 1.3 carried no sentences, so none is read back.
                """
                CREATE TABLE precedents (
                    package_key TEXT PRIMARY KEY, case_code TEXT NOT NULL, decided_on TEXT NOT NULL, precedent TEXT NOT NULL
                )
                """,
                "CREATE INDEX precedents_by_case ON precedents (case_code)",
            ]
        ),
    ]

    /// The key of the instance opened by the package whose id is `instanceId` (SQL): its opening package's key, or
    /// that package's legacy key (hub migration 12).
    static func instanceKey(of instanceId: String) -> String {
        "COALESCE((SELECT package_key FROM packages WHERE package_id = \(instanceId)), \(PackageKey.legacy(sql: instanceId)))"
    }

    /// The key of the package whose id is `$1`, in SQL (`PackageKey`; hub migrations 9 and 10).
    static let packageKey = Self.packageKey(of: "$1")

    /// The key of the package whose id is `packageId` (SQL: a parameter or a column).
    static func packageKey(of packageId: String) -> String {
        "(SELECT package_key FROM packages WHERE package_id = \(packageId))"
    }
}
