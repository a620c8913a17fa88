import ArgumentParser
import Foundation
import XietongCore
import XietongHub
import XietongNode
import XietongStore

/// Where the registry and the catalog override come from, shared by the commands that check packages.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The organisation registry file (default: $XIETONG_REGISTRY, else the built-in demo registry).")
    var registry: String?

    @Option(name: .long, help: "A province's catalog override file, merged over the shipped catalog (default: $XIETONG_CATALOG_OVERRIDE).")
    var catalogOverride: String?

    /// The registry to use, and whether it is the demo one.
    func loadRegistry() throws(ConfigurationError) -> (OrganisationRegistry, isDemo: Bool) {
        let path = self.registry ?? ProcessInfo.processInfo.environment["XIETONG_REGISTRY"]
        guard let path, !path.isEmpty else { return (try OrganisationRegistry.demo(), true) }
        return (try OrganisationRegistry(contentsOf: URL(fileURLWithPath: path), divisions: CodeSets.bundled().division), false)
    }

    func loadCatalog() throws(ConfigurationError) -> FlowCatalog {
        let base = try FlowCatalog.bundled()
        let path = self.catalogOverride ?? ProcessInfo.processInfo.environment["XIETONG_CATALOG_OVERRIDE"]
        guard let path, !path.isEmpty else { return base }
        let url = URL(fileURLWithPath: path)
        let override = try DataFileDecoder.decode(FlowCatalog.self, contentsOf: url)
        do {
            return try base.merging(override)
        } catch {
            throw error.inFile(path)
        }
    }
}

/// Which database a maintenance command opens: a hub's or a node's, from its configuration or given directly.
struct ComponentDatabaseOptions: ParsableArguments {
    enum Component: String, ExpressibleByArgument, CaseIterable {
        case hub, node
    }

    @Argument(help: "Whose database: hub or node.") var component: Component
    @Option(help: "The configuration file (xietong.hub/1 or xietong.node/1).") var config: String?
    @Option(help: "The database (postgres://… or sqlite:PATH), instead of the configuration's.") var database: String?

    /// `--database`, else the configured hub's or node's database; exits with 2 on a configuration error.
    func location() -> DatabaseURL {
        do {
            if let database { return try DatabaseURL.parse(database, path: "--database") }
            switch self.component {
            case .hub: return try HubConfiguration.load(file: self.config).databaseLocation(file: self.config)
            case .node: return try NodeConfiguration.load(file: self.config).databaseLocation(file: self.config)
            }
        } catch {
            exitForConfiguration(error)
        }
    }

    var migrations: [Migration] { self.component == .hub ? Migrations.hub : Migrations.node }
}

/// Reports a configuration error and exits with 2.
func exitForConfiguration(_ error: ConfigurationError) -> Never {
    printError("xietong: \(error.description)")
    exit(2)
}
