import ArgumentParser
import Foundation
import Logging
import XietongCore
import XietongStore

/// `xietong exchange-db`: the exchange database (中间库) a business system shares with its node (issue 24;
/// ZJ-7.1.3.1 b): print its DDL, create its tables, or check them against the layout.
struct ExchangeDBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange-db",
        abstract: "Create or check the tables of an exchange database (中间库) for a node.",
        subcommands: [DDL.self, Init.self, Check.self]
    )

    struct DDL: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the exchange database's DDL (PostgreSQL and SQLite run the same), with each column explained."
        )

        func run() {
            print(ExchangeDatabase.script, terminator: "")
        }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the exchange database's tables that do not exist yet.",
            discussion: "Exits 0 when the tables match the layout, 1 when the database cannot be reached or written, 2 on a bad URL."
        )

        @OptionGroup var database: ExchangeDBURL

        func run() async throws {
            let location = try self.database.location()
            let changes = try await ExchangeDBCommand.with(location) { exchange in
                try await exchange.create()
                return try await exchange.schemaChanges()
            }
            guard changes.isEmpty else {
                for change in changes { printError("xietong: \(change.text.zh) / \(change.text.en)") }
                throw ExitCode(1)
            }
            print("exchange database ready at \(location.redacted): \(ExchangeDatabaseLayout.tables.count) tables")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare an exchange database's tables with the layout (ZJ-7.1.2.3 e).",
            discussion: "Exits 0 when they match, 1 when they differ or the database cannot be read, 2 on a bad URL."
        )

        @OptionGroup var database: ExchangeDBURL

        func run() async throws {
            let location = try self.database.location()
            let changes = try await ExchangeDBCommand.with(location) { try await $0.schemaChanges() }
            guard changes.isEmpty else {
                for change in changes { print("\(change.text.zh) / \(change.text.en)") }
                throw ExitCode(1)
            }
            print("the tables at \(location.redacted) match the layout")
        }
    }

    /// Runs `body` on the exchange database at `location`, closed after it; a failure is printed (without the
    /// password) and exits 1.
    static func with<T: Sendable>(_ location: DatabaseURL, _ body: (ExchangeDatabase) async throws -> T) async throws -> T {
        do {
            let database = try await location.open(migrations: [], logger: makeLogger("xietong.exchange-db", default: .warning))
            do {
                let result = try await body(ExchangeDatabase(database: database))
                await database.close()
                return result
            } catch {
                await database.close()
                throw error
            }
        } catch {
            printError("xietong: \(error)")
            throw ExitCode(1)
        }
    }
}

/// The exchange database's URL, as `init` and `check` take it: `--url`, else `XIETONG_EXCHANGE_DB_URL`.
struct ExchangeDBURL: ParsableArguments {
    @Option(help: "postgres://user:password@host:port/database or sqlite:PATH (or XIETONG_EXCHANGE_DB_URL).")
    var url: String?

    /// The URL, read; a missing or bad one is printed and exits 2.
    func location() throws -> DatabaseURL {
        guard let text = self.url ?? ProcessInfo.processInfo.environment["XIETONG_EXCHANGE_DB_URL"] else {
            printError("xietong: [config.missing-field] --url: 需要中间库地址 / the exchange database's URL is required (--url or XIETONG_EXCHANGE_DB_URL)")
            throw ExitCode(2)
        }
        do {
            return try DatabaseURL.parse(text, path: "--url")
        } catch {
            printError("xietong: \(error)")
            throw ExitCode(2)
        }
    }
}
