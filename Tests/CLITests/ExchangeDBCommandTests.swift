import Foundation
import Testing
import XietongLocal
import XietongTesting

/// `xietong exchange-db` (issue 24) as an agency's DBA runs it: the DDL, creating the tables, checking them.
@Suite(.timeLimit(.minutes(2))) struct ExchangeDBCommandTests {
    @Test func theDDLIsPrintedAndTheTablesAreCreatedAndChecked() async throws {
        let ddl = try await CommandRunner.run(["exchange-db", "ddl"])
        #expect(ddl.status == 0)
        #expect(ddl.stdout == (try String(contentsOf: Repository.url("docs/exchange-db.sql"), encoding: .utf8)))

        let directory = try TemporaryDirectory()
        let url = "sqlite:" + directory.file("exchange.sqlite").path
        let created = try await CommandRunner.run(["exchange-db", "init", "--url", url])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("11 tables"))
        #expect(try await CommandRunner.run(["exchange-db", "check", "--url", url]).status == 0)

        // The same from the environment, as a service account would set it.
        #expect(try await CommandRunner.run(["exchange-db", "check"], environment: ["XIETONG_EXCHANGE_DB_URL": url]).status == 0)
    }

    @Test func aChangedTableOrABadURLIsReported() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("exchange.sqlite").path
        #expect(try await CommandRunner.run(["exchange-db", "init", "--url", "sqlite:" + path]).status == 0)
        let altered = try await CommandRunner.runTool(
            "/usr/bin/python3",
            ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('ALTER TABLE xt_inbound DROP COLUMN taken_at'); c.commit()", path]
        )
        #expect(altered.status == 0, "\(altered.stderr)")
        let checked = try await CommandRunner.run(["exchange-db", "check", "--url", "sqlite:" + path])
        #expect(checked.status == 1)
        #expect(checked.stdout.contains("表 xt_inbound 缺少列 taken_at / the column xt_inbound.taken_at was dropped or renamed"))

        let bad = try await CommandRunner.run(["exchange-db", "init", "--url", "oracle://x"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("config.invalid-value") && bad.stderr.contains("--url"))
        let missing = try await CommandRunner.run(["exchange-db", "init"])
        #expect(missing.status == 2 && missing.stderr.contains("XIETONG_EXCHANGE_DB_URL"))
        // An unreachable server: exit 1 with the reason, the password never printed.
        let unreachable = try await CommandRunner.run(["exchange-db", "check", "--url", "postgres://vendor:s3cret-pass@127.0.0.1:1/exchange"])
        #expect(unreachable.status == 1)
        #expect(!unreachable.stderr.contains("s3cret-pass") && !unreachable.stdout.contains("s3cret-pass"))
    }
}
