import ArgumentParser
import Foundation
import Hummingbird
import Logging
import XietongCore
import XietongHTTP
import XietongLocal
import XietongWitness

/// `xietong witness`: a witness of a hub's evidence log (issue 23, SZ-3).
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a witness: mirror a hub's evidence log, check every signed head against the mirror, countersign the heads it checked.",
        discussion: """
            Run by a body other than the hub's (a procuratorate, a notary, the provincial committee). Its key is \
            witness-key.pem in its data directory; witness-key.pub is what nodes and peer hubs list in \
            witnesses.publicKeys. Prints 'listening on http://HOST:PORT' once ready; stops gracefully on SIGTERM.
            """
    )

    @Option(help: "The configuration file (xietong.witness/1).") var config: String

    func run() async throws {
        ParentWatch.start()
        let configuration: WitnessConfiguration
        do throws(ConfigurationError) {
            configuration = try WitnessConfiguration.load(file: self.config)
        } catch {
            exitForConfiguration(error)
        }
        let logger = makeLogger("xietong.witness")
        let host = configuration.listen.host
        let (app, _) = try await WitnessApplication.build(configuration: configuration, logger: logger) { port in
            announce("xietong witness listening on http://\(host):\(port)")
        }
        logger.info(
            "xietong witness starting",
            metadata: [
                "version": .string(XietongVersion.version), "name": .string(configuration.name), "hub": .string(configuration.hub.url),
                "data_directory": .string(configuration.dataDirectory),
            ]
        )
        try await GracefulShutdown.run(app, logger: logger)
        logger.info("xietong witness stopped")
    }
}
