import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import XietongCore
import XietongHTTP
import XietongHub
import XietongLocal
import XietongNode
import XietongStore

/// Loads the registry and catalog a service is configured with.
func loadReferenceData(registry: String?, catalogOverride: String?) throws(ConfigurationError) -> (OrganisationRegistry, FlowCatalog) {
    var options = DataOptions()
    options.registry = registry
    options.catalogOverride = catalogOverride
    return (try options.loadRegistry().0, try options.loadCatalog())
}

/// A logger writing to standard error at `XIETONG_LOG_LEVEL` (default `level`), as plain lines or, with
/// `XIETONG_LOG_FORMAT=json`, one JSON object per line (issue 22). A bad level or format stops the command with exit
/// code 2, naming the values it takes.
func makeLogger(_ label: String, default level: Logger.Level = .info) -> Logger {
    do throws(ConfigurationError) {
        let chosen = try LogFormat.chosen()
        return chosen.format.logger(label, level: chosen.level ?? level)
    } catch {
        exitForConfiguration(error)
    }
}

/// The start line of a service's log: its version and what it was configured with, never a secret (issue 22).
func startLine(
    _ settings: some ServiceSettings,
    role: String,
    database: DatabaseURL?,
    tls: Bool,
    extra: Logger.Metadata = [:]
) -> Logger.Metadata {
    var metadata: Logger.Metadata = [
        "version": .string(XietongVersion.version),
        "build": .string(XietongVersion.build),
        "role": .string(role),
        "listen": .string("\(settings.listen.host):\(settings.listen.port)"),
        "data_directory": .string(settings.dataDirectory),
        // The database's address without its password (DatabaseURL's description is redacted).
        "database": .string(database?.description ?? "?"),
        "blob_directory": .string(settings.blobLocation.path),
        "tls": .string(tls ? "on" : "off"),
        "free_space_reserve_mb": .stringConvertible(settings.freeSpaceReserveMB),
        "metrics": .string(settings.metricsToken == nil ? "monitor users only" : "token set"),
    ]
    metadata.merge(extra) { $1 }
    return metadata
}

/// The options both services take, and loading their configuration with them applied.
struct ServiceOptions: ParsableArguments {
    @Option(help: "The configuration file (xietong.hub/1 or xietong.node/1).") var config: String?
    @Option(help: "Listen on this port (0 picks a free one).") var port: Int?
    @Option(help: "The data directory.") var dataDir: String?

    /// Loads a configuration with `load`, applies the command-line options, and loads its registry and catalog;
    /// a bad value stops the command with exit code 2.
    func load<Configuration: ServiceSettings>(
        _ load: (String?) throws(ConfigurationError) -> Configuration,
        port portPath: WritableKeyPath<Configuration, Int>,
        dataDirectory dataDirectoryPath: WritableKeyPath<Configuration, String>,
        reference: (Configuration) -> (registry: String?, catalogOverride: String?)
    ) -> (Configuration, OrganisationRegistry, FlowCatalog) {
        do throws(ConfigurationError) {
            var configuration = try load(self.config)
            if let port = self.port {
                configuration[keyPath: portPath] = try ConfigurationError.port("--port", port)
            }
            if let dataDir = self.dataDir { configuration[keyPath: dataDirectoryPath] = dataDir }
            // A busy port is named now, with exit code 2, before anything starts (issue 19).
            let portVariable = "XIETONG_\(Configuration.environmentRole)_PORT"
            let origin =
                self.port != nil ? "--port" : ProcessInfo.processInfo.environment[portVariable] != nil ? portVariable : "listen.port"
            try configuration.checkListenAddress(origin: origin)
            let paths = reference(configuration)
            let (registry, catalog) = try loadReferenceData(registry: paths.registry, catalogOverride: paths.catalogOverride)
            return (configuration, registry, catalog)
        } catch {
            exitForConfiguration(error)
        }
    }
}

/// `xietong hub`: the committee's hub (ZJ-5.2.1).
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Run the hub: receives packages from nodes, checks, codes, stores and forwards them.",
        discussion: "Stops gracefully on SIGTERM or SIGINT. Prints 'listening on http(s)://HOST:PORT' once ready."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        ParentWatch.start()
        let (configuration, registry, catalog) = self.options.load(
            { file throws(ConfigurationError) in try HubConfiguration.load(file: file) },
            port: \.listen.port,
            dataDirectory: \.dataDirectory,
            reference: { ($0.registry, $0.catalogOverride) }
        )
        let reference = (registry, catalog)
        let host = configuration.listen.host
        let scheme = configuration.tls == nil ? "http" : "https"
        let logger = makeLogger("xietong.hub")
        let traces = Self.traces(serviceName: "xietong-hub", logger: logger)
        let (app, _) = try await HubApplication.build(
            configuration: configuration,
            registry: reference.0,
            catalog: reference.1,
            logger: logger,
            traces: traces
        ) { port in
            announce("xietong hub listening on \(scheme)://\(host):\(port)")
        }
        logger.info(
            "xietong hub starting",
            metadata: startLine(
                configuration,
                role: "hub",
                database: try? configuration.databaseLocation(),
                tls: configuration.tls != nil,
                extra: [
                    "organisation": .string(configuration.organisation), "nodes": .stringConvertible(configuration.nodes.count),
                    "traces": .string(traces == nil ? "off" : "OTLP"),
                ]
            )
        )
        do {
            try await GracefulShutdown.run(app, logger: logger)
        } catch {
            throw startFailure(error, settings: configuration)
        }
        logger.info("xietong hub stopped", metadata: ["version": .string(XietongVersion.version)])
    }
}

extension HubCommand {
    /// The trace export the environment asks for (issue 22), or nil; a bad value stops the command with exit code 2.
    static func traces(serviceName: String, logger: Logger) -> TraceExport? {
        do throws(ConfigurationError) {
            return try TraceExport.configured(serviceName: serviceName, logger: logger)
        } catch {
            exitForConfiguration(error)
        }
    }
}

/// `xietong node`: an agency's exchange node.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run an agency node: the business systems' door to the exchange.",
        discussion: "Stops gracefully on SIGTERM or SIGINT. Prints 'listening on http(s)://HOST:PORT' once ready."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        ParentWatch.start()
        let (configuration, registry, catalog) = self.options.load(
            { file throws(ConfigurationError) in try NodeConfiguration.load(file: file) },
            port: \.listen.port,
            dataDirectory: \.dataDirectory,
            reference: { ($0.registry, $0.catalogOverride) }
        )
        let reference = (registry, catalog)
        guard reference.0[configuration.organisation] != nil else {
            printError("xietong: the organisation \(configuration.organisation) is not in the registry / 机构 \(configuration.organisation) 未注册")
            throw ExitCode(2)
        }
        let host = configuration.listen.host
        let organisation = configuration.organisation
        let logger = makeLogger("xietong.node.\(organisation)")
        // Before the client: a bad tracing setting stops the command with exit code 2 while nothing needs a shutdown.
        let traces = HubCommand.traces(serviceName: "xietong-node-\(organisation)", logger: logger)
        // Enough connections for every lane to the hub with the long-poll and reports, and for every delivery lane
        // to the business system, at once (the pool is per host).
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .xietong(connectionsPerHost: max(configuration.lanes + 8, configuration.deliveryLanes))
        )
        let scheme = configuration.serveTLS && configuration.tls != nil ? "https" : "http"
        let app: any ApplicationProtocol
        do {
            app = try await NodeApplication.build(
                configuration: configuration,
                registry: reference.0,
                catalog: reference.1,
                httpClient: client,
                logger: logger,
                traces: traces
            ) { port in
                announce("xietong node \(organisation) listening on \(scheme)://\(host):\(port)")
            }.0
        } catch {
            // A certificate that does not load, a database that cannot be opened: the client is shut down first.
            try? await client.shutdown()
            throw error
        }
        logger.info(
            "xietong node starting",
            metadata: startLine(
                configuration,
                role: "node",
                database: try? configuration.databaseLocation(),
                tls: configuration.tls != nil,
                extra: [
                    "organisation": .string(organisation), "hub": .string(configuration.hub.url),
                    "delivery": .string(configuration.delivery.mode.rawValue), "lanes": .stringConvertible(configuration.lanes),
                    "traces": .string(traces == nil ? "off" : "OTLP"),
                ]
            )
        )
        do {
            try await GracefulShutdown.run(app, logger: logger)
        } catch {
            // The client is shut down on every way out: dropped without it, AsyncHTTPClient traps (exit 132).
            try? await client.shutdown()
            throw startFailure(error, settings: configuration)
        }
        try? await client.shutdown()
        logger.info("xietong node stopped", metadata: ["version": .string(XietongVersion.version)])
    }
}

/// What a service that could not run says: when its address is now taken (by another process between the check at
/// start and the bind), the same error as that check, with exit code 2; anything else is rethrown.
func startFailure(_ error: any Error, settings: some ServiceSettings) -> any Error {
    do throws(ConfigurationError) {
        try settings.checkListenAddress()
    } catch {
        exitForConfiguration(error)
    }
    return error
}
