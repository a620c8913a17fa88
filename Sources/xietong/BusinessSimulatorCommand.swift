import ArgumentParser
import Foundation
import Hummingbird
import XietongDemo
import XietongHTTP
import XietongLocal

/// `xietong business-sim`: a simulated business system that receives pushed packages, for the demo, tests and
/// vendors trying the interface.
struct BusinessSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "business-sim",
        abstract: "Run a simulated business system that receives packages pushed by a node (POST /receive).",
        discussion: "It downloads each package's attachments from the node, stores it durably, and lists what it has at GET /received."
    )

    @Option(help: "The organisation it belongs to.") var org: String
    @Option(help: "Listen on this port (0 picks a free one).") var port = 0
    @Option(help: "The data directory.") var dataDir: String
    @Option(help: "The node's base URL, to fetch attachments.") var node: String
    @Option(help: "The node's API key.") var apiKey = ""
    @Option(help: "Answer the first N pushes with 503.") var failFirst = 0

    func run() async throws {
        ParentWatch.start()
        var configuration = BusinessSystemSimulator.Configuration(
            organisation: self.org,
            dataDirectory: self.dataDir,
            nodeURL: self.node,
            apiKey: self.apiKey
        )
        configuration.port = self.port
        configuration.failFirst = self.failFirst
        let organisation = self.org
        let logger = makeLogger("xietong.business")
        let (app, _) = try await BusinessSystemSimulator.build(configuration, logger: logger) { port in
            announce("xietong business-sim \(organisation) listening on http://127.0.0.1:\(port)")
        }
        try await GracefulShutdown.run(app, logger: logger)
    }
}
