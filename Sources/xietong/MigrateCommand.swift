import ArgumentParser
import Foundation
import Logging
import XietongCore
import XietongHub
import XietongNode
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

    enum Component: String, ExpressibleByArgument, CaseIterable {
        case hub, node
    }

    @Argument(help: "Whose schema: hub or node.") var component: Component
    @Option(help: "The configuration file (xietong.hub/1 or xietong.node/1).") var config: String?
    @Option(help: "The database (postgres://… or sqlite:PATH), instead of the configuration's.") var database: String?

    func run() async throws {
        let location: DatabaseURL
        do {
            if let database {
                location = try DatabaseURL.parse(database, path: "--database")
            } else {
                location = try self.configured()
            }
        } catch {
            exitForConfiguration(error)
        }
        let migrations = self.component == .hub ? Migrations.hub : Migrations.node
        do {
            let database = try await location.open(migrations: migrations, logger: makeLogger("xietong.migrate", default: .warning))
            let applied = try await database.appliedMigrations()
            await database.close()
            print("\(self.component.rawValue) schema at \(location.redacted): versions \(applied.map(String.init).joined(separator: ", ")) applied")
        } catch {
            printError("xietong: \(error.debugDescription)")
            throw ExitCode(1)
        }
    }

    /// The database of the configured hub or node.
    func configured() throws(ConfigurationError) -> DatabaseURL {
        switch self.component {
        case .hub: try HubConfiguration.load(file: self.config).databaseLocation(file: self.config)
        case .node: try NodeConfiguration.load(file: self.config).databaseLocation(file: self.config)
        }
    }
}
