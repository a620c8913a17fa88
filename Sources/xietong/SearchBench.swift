import ArgumentParser
import Foundation
import XietongDemo
import XietongLocal
import XietongStore

struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Fill a hub store to N packages and time pooled case search (issue 26, GS-5: under 200 ms on 10⁶).",
        discussion: """
            --database sqlite (the default) fills a SQLite file in a temporary folder; --database postgres starts a \
            throw-away PostgreSQL server (Debian: postgresql); a postgres://… URL names an empty database of yours, \
            created with LC_CTYPE C.UTF-8 or zh_CN.UTF-8 so that pg_trgm indexes Chinese.
            """
    )

    @Option(help: "sqlite, postgres, or an empty database's postgres://… URL.") var database = "sqlite"
    @Option(help: "Packages to store.") var packages = 1_000_000
    @Option(help: "Queries to time of each kind.") var queries = 300
    @Option(help: "Working directory for SQLite (default: a temporary one, removed afterwards).") var dataDir: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard self.packages >= 4 else { throw ValidationError("--packages must be at least 4 (a case's four packages)") }
        guard self.queries >= 1 else { throw ValidationError("--queries must be at least 1") }
    }

    func run() async throws {
        let location: DatabaseURL
        var temporary: URL?
        switch self.database {
        case "sqlite":
            let folder =
                self.dataDir.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("xietong-search-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if self.dataDir == nil { temporary = folder }
            location = .sqlite(path: folder.appendingPathComponent("hub.sqlite").path)
        case "postgres":
            location = try await ThrowawayPostgres(durable: true).newDatabase(prefix: "search")
        default:
            do {
                location = try DatabaseURL.parse(self.database, path: "--database")
            } catch {
                exitForConfiguration(error)
            }
        }
        defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
        let result = try await SearchBenchmark(location: location, target: self.packages, queries: self.queries).run { printError($0) }
        if self.json {
            printJSON(result)
            return
        }
        print(
            String(
                format: "%@: %d packages of %d persons (%.0f MB), filled in %.0f s; %d queries of each kind, goal p99 < %.0f ms",
                result.database,
                result.storedPackages,
                result.persons,
                result.databaseMegabytes,
                result.fillSeconds,
                result.queriesPerKind,
                SearchBenchmark.goalMilliseconds
            )
        )
        for kind in result.kinds {
            print(
                String(
                    format: "%@: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %.1f cases found; p99/goal %.2f (e.g. %@)",
                    kind.name,
                    kind.milliseconds.p50,
                    kind.milliseconds.p99,
                    kind.milliseconds.max,
                    kind.casesFound,
                    kind.goalRatio,
                    kind.example
                )
            )
        }
    }
}
