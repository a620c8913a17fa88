import ArgumentParser
import Foundation
import Logging
import XietongCore
import XietongStore

/// `xietong migrate`: applies the schema migrations of a hub's or a node's database without starting the service.
/// Services also migrate when they start; both are safe while other instances start or run (issue 4).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database schema migrations of a hub or a node.",
        discussion: """
            Migrations are versioned and forward-only. Several instances may migrate at once: on PostgreSQL an advisory \
            lock makes them take turns, and each version is applied once. Exits 0 when the schema is current, 1 when the \
            database cannot be opened or migrated, 2 on a configuration error.
            """
    )

    @OptionGroup var target: ComponentDatabaseOptions

    func run() async throws {
        let location = self.target.location()
        do {
            let database = try await location.open(migrations: self.target.migrations, logger: makeLogger("xietong.migrate", default: .warning))
            let applied = try await database.appliedMigrations()
            await database.close()
            print(
                "\(self.target.component.rawValue) schema at \(location.redacted): versions \(applied.map(String.init).joined(separator: ", ")) applied"
            )
        } catch {
            printError("xietong: \(error.debugDescription)")
            throw ExitCode(1)
        }
    }
}
