import Testing

@testable import XietongStore

/// How PostgreSQL's held writes are grouped (issue 25): a statement joins only when it mentions no table a held
/// write changes, and each part keeps its own parameters.
@Suite struct PostgresWriteGroupTests {
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
        #expect(PostgresWriteGroup.target(of: "  INSERT INTO feed (a) VALUES ($1)") == "feed")
        #expect(PostgresWriteGroup.target(of: "UPDATE Deadlines SET state = 'met'") == "deadlines")
        #expect(PostgresWriteGroup.target(of: "DELETE FROM feed WHERE seq < $1") == "feed")
        #expect(PostgresWriteGroup.target(of: "SELECT * FROM feed") == nil)
        #expect(PostgresWriteGroup.target(of: "WITH x AS (SELECT 1) INSERT INTO feed SELECT * FROM x") == nil)
    }

    /// Only inserts of new rows wait: an update, a delete or an upsert takes row locks, which must be taken in the
    /// order the code states.
    @Test func onlyInsertsOfNewRowsAreHeld() {
        #expect(PostgresWriteGroup.holdable("INSERT INTO feed (a) VALUES ($1)"))
        #expect(PostgresWriteGroup.holdable("INSERT INTO case_links (a) VALUES ($1) ON CONFLICT (a) DO NOTHING"))
        #expect(!PostgresWriteGroup.holdable("INSERT INTO feed_heads (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = 1"))
        #expect(!PostgresWriteGroup.holdable("UPDATE deadlines SET state = 'met' WHERE package_key = $1"))
        #expect(!PostgresWriteGroup.holdable("DELETE FROM feed WHERE seq < $1"))
        #expect(!PostgresWriteGroup.holdable("SELECT pg_notify($1, $2)"))
    }

    @Test func aStatementMentioningAChangedTableDoesNotJoin() {
        var group = PostgresWriteGroup()
        group.add("INSERT INTO flow_steps (package_key) VALUES ($1)", [.text("k")])
        #expect(group.admits(write: "INSERT INTO package_contents (package_key) VALUES ($1)", bindCount: 1))
        // The same table again, or a read of it, waits for the group to go out.
        #expect(!group.admits(write: "INSERT INTO flow_steps (package_key) VALUES ($1)", bindCount: 1))
        #expect(!group.admits(statement: "SELECT s.* FROM packages p JOIN flow_steps s ON s.package_key = p.package_key", bindCount: 0))
        #expect(!group.admits(write: "UPDATE deadlines SET x = 1 WHERE k IN (SELECT package_key FROM flow_steps)", bindCount: 0))
        // A table only named in a string literal is no mention.
        #expect(group.admits(statement: "SELECT receipt FROM packages WHERE note <> 'flow_steps'", bindCount: 0))
        // What is not one INSERT, UPDATE, DELETE or SELECT never leads a group.
        #expect(!group.admits(statement: "WITH x AS (SELECT 1) SELECT * FROM x", bindCount: 0))
        #expect(!group.admits(statement: "LOCK TABLE packages", bindCount: 0))
        // Nor does a statement that locks rows others queue for: the held writes go out before it takes them.
        #expect(!group.admits(statement: "UPDATE evidence_size SET size = size + $1 WHERE id = 1 RETURNING size", bindCount: 1))
        #expect(!group.admits(statement: "INSERT INTO feed_heads (o) VALUES ($1) ON CONFLICT (o) DO UPDATE SET n = 1 RETURNING n", bindCount: 1))
        #expect(!group.admits(statement: "SELECT size FROM evidence_size WHERE id = 1 FOR UPDATE", bindCount: 0))
        #expect(group.admits(statement: "INSERT INTO packages (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id", bindCount: 1))
        #expect(!group.admits(write: "SELECT pg_notify($1, $2)", bindCount: 2))
        // Nor does a group grow past the parameters a statement takes.
        #expect(!group.admits(write: "INSERT INTO feed (a) VALUES ($1)", bindCount: PostgresWriteGroup.bindLimit))
    }

    @Test func aGroupGoesOutAsOneStatementLedByTheNext() {
        var group = PostgresWriteGroup()
        group.add("INSERT INTO a (x, y) VALUES ($1, $2)", [.integer(1), .integer(2)])
        group.add("UPDATE b SET z = $1 WHERE id = $2", [.integer(3), .text("b")])
        let statement = group.statement(leading: ("SELECT * FROM c WHERE id = $1 OR id = $1", [.text("c")]))
        #expect(
            statement.sql
                == "WITH w1 AS (INSERT INTO a (x, y) VALUES ($1, $2)), w2 AS (UPDATE b SET z = $3 WHERE id = $4) SELECT * FROM c WHERE id = $5 OR id = $5"
        )
        #expect(statement.binds == [.integer(1), .integer(2), .integer(3), .text("b"), .text("c")])
        #expect(group.statement(leading: nil).sql.hasSuffix("SELECT 1 AS held"))
        var single = PostgresWriteGroup()
        single.add("INSERT INTO a (x) VALUES ($1)", [.integer(1)])
        #expect(single.statement(leading: nil).sql == "INSERT INTO a (x) VALUES ($1)")
    }
}
