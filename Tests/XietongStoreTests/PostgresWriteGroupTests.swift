import Testing

@testable import XietongStore

/// How PostgreSQL's held writes are grouped (issue 25): a statement joins only when it mentions no table a held
/// write changes, and each part keeps its own parameters.
@Suite struct PostgresWriteGroupTests {
    typealias Reading = PostgresWriteGroup.Reading

    @Test func parametersAreRenumberedOutsideLiteralsOnly() {
        let sql = "INSERT INTO t (a, b, \"c$1\") VALUES ($1, $2, '$1 costs $2') ON CONFLICT DO NOTHING"
        #expect(
            PostgresWriteGroup.renumber(sql, by: 7)
                == "INSERT INTO t (a, b, \"c$1\") VALUES ($8, $9, '$1 costs $2') ON CONFLICT DO NOTHING"
        )
        #expect(PostgresWriteGroup.renumber("SELECT $1, $12, $1", by: 0) == "SELECT $1, $12, $1")
        #expect(PostgresWriteGroup.renumber("SELECT a$1 FROM t WHERE x = $1", by: 2) == "SELECT a$1 FROM t WHERE x = $3")
    }

    @Test func theTableAWriteChangesIsRead() {
        #expect(Reading("  INSERT INTO feed (a) VALUES ($1)").target == "feed")
        #expect(Reading("UPDATE Deadlines SET state = 'met'").target == "deadlines")
        #expect(Reading("DELETE FROM feed WHERE seq < $1").target == "feed")
        #expect(Reading("SELECT * FROM feed").target == nil)
        #expect(Reading("WITH x AS (SELECT 1) INSERT INTO feed SELECT * FROM x").target == nil)
    }

    /// Only inserts of new rows wait: an update, a delete or an upsert takes row locks, which must be taken in the
    /// order the code states.
    @Test func onlyInsertsOfNewRowsAreHeld() {
        #expect(Reading("INSERT INTO feed (a) VALUES ($1)").holdable)
        #expect(Reading("INSERT INTO case_links (a) VALUES ($1) ON CONFLICT (a) DO NOTHING").holdable)
        #expect(!Reading("INSERT INTO feed_heads (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = 1").holdable)
        #expect(!Reading("UPDATE deadlines SET state = 'met' WHERE package_key = $1").holdable)
        #expect(!Reading("DELETE FROM feed WHERE seq < $1").holdable)
        #expect(!Reading("SELECT pg_notify($1, $2)").holdable)
    }

    @Test func aStatementMentioningAChangedTableDoesNotJoin() {
        var group = PostgresWriteGroup()
        #expect(group.hold("INSERT INTO flow_steps (package_key) VALUES ($1)", [.text("k")]).isEmpty)
        #expect(group.admits(write: Reading("INSERT INTO package_contents (package_key) VALUES ($1)"), bindCount: 1))
        // The same table again, or a read of it, waits for the group to go out.
        #expect(!group.admits(write: Reading("INSERT INTO flow_steps (package_key) VALUES ($1)"), bindCount: 1))
        #expect(!group.admits(statement: Reading("SELECT s.* FROM packages p JOIN flow_steps s ON s.package_key = p.package_key"), bindCount: 0))
        #expect(!group.admits(write: Reading("UPDATE deadlines SET x = 1 WHERE k IN (SELECT package_key FROM flow_steps)"), bindCount: 0))
        // A table only named in a string literal is no mention.
        #expect(group.admits(statement: Reading("SELECT receipt FROM packages WHERE note <> 'flow_steps'"), bindCount: 0))
        // What is not one INSERT, UPDATE, DELETE or SELECT never leads a group.
        #expect(!group.admits(statement: Reading("WITH x AS (SELECT 1) SELECT * FROM x"), bindCount: 0))
        #expect(!group.admits(statement: Reading("LOCK TABLE packages"), bindCount: 0))
        // Nor does a statement that locks rows others queue for: the held writes go out before it takes them.
        #expect(!group.admits(statement: Reading("UPDATE evidence_size SET size = size + $1 WHERE id = 1 RETURNING size"), bindCount: 1))
        #expect(
            !group.admits(statement: Reading("INSERT INTO feed_heads (o) VALUES ($1) ON CONFLICT (o) DO UPDATE SET n = 1 RETURNING n"), bindCount: 1)
        )
        #expect(!group.admits(statement: Reading("SELECT size FROM evidence_size WHERE id = 1 FOR UPDATE"), bindCount: 0))
        #expect(group.admits(statement: Reading("INSERT INTO packages (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"), bindCount: 1))
        #expect(!Reading("SELECT pg_notify($1, $2)").holdable)
        // Nor does a group grow past the parameters a statement takes.
        #expect(!group.admits(write: Reading("INSERT INTO feed (a) VALUES ($1)"), bindCount: PostgresWriteGroup.bindLimit))
    }

    @Test func aGroupGoesOutAsOneStatementLedByTheNext() {
        var group = PostgresWriteGroup()
        #expect(group.hold("INSERT INTO a (x, y) VALUES ($1, $2)", [.integer(1), .integer(2)]).isEmpty)
        #expect(group.hold("INSERT INTO b (z, id) VALUES ($1, $2)", [.integer(3), .text("b")]).isEmpty)
        let sent = group.send("SELECT * FROM c WHERE id = $1 OR id = $1", [.text("c")])
        #expect(sent.count == 1)
        #expect(
            sent.first?.sql
                == "WITH w1 AS (INSERT INTO a (x, y) VALUES ($1, $2)), w2 AS (INSERT INTO b (z, id) VALUES ($3, $4)) SELECT * FROM c WHERE id = $5 OR id = $5"
        )
        #expect(sent.first?.binds == [.integer(1), .integer(2), .integer(3), .text("b"), .text("c")])
        #expect(group.isEmpty)
        _ = group.hold("INSERT INTO a (x) VALUES ($1)", [.integer(1)])
        _ = group.hold("INSERT INTO b (x) VALUES ($1)", [.integer(2)])
        #expect(group.drain().first?.sql.hasSuffix("SELECT 1 AS held") == true)
        var single = PostgresWriteGroup()
        _ = single.hold("INSERT INTO a (x) VALUES ($1)", [.integer(1)])
        #expect(single.drain().first?.sql == "INSERT INTO a (x) VALUES ($1)")
    }

    /// What cannot go with the group goes after it; a write too large for any group goes alone, after the group.
    @Test func whatCannotJoinGoesOutAfterTheGroup() {
        var group = PostgresWriteGroup()
        _ = group.hold("INSERT INTO a (x) VALUES ($1)", [.integer(1)])
        let locking = group.send("UPDATE evidence_size SET size = size + $1 WHERE id = 1 RETURNING size", [.integer(1)])
        #expect(locking.map(\.sql) == ["INSERT INTO a (x) VALUES ($1)", "UPDATE evidence_size SET size = size + $1 WHERE id = 1 RETURNING size"])
        _ = group.hold("INSERT INTO a (x) VALUES ($1)", [.integer(1)])
        let large = Array(repeating: SQLValue.integer(0), count: PostgresWriteGroup.bindLimit + 1)
        #expect(group.hold("INSERT INTO b (x) VALUES ($1)", large).map(\.binds.count) == [1, large.count])
        #expect(group.isEmpty)
    }
}
