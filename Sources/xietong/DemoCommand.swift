import ArgumentParser
import Foundation
import Logging
import XietongCore
import XietongDemo

/// `xietong demo`: the whole exchange on one machine with no set-up (the README's first command).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start two linked hubs, a city's and its province's, and six agency nodes with simulated business systems; play a criminal case.",
        discussion: """
            Needs no set-up: everything runs on loopback with the embedded store in a fresh data directory. \
            Without --once it keeps running for you to explore (Ctrl-C stops it). With --once it exits when the case is \
            done: 0 only if every package arrived intact.
            """
    )

    @Flag(help: "Exit when the case is done (exit code 0 only if every package arrived intact).") var once = false
    @Option(help: "The data directory (default: a new folder under the system's temporary directory).") var dataDir: String?
    @Option(help: "Size of each dossier volume in MB.") var dossierMb = 6

    func validate() throws {
        guard (1...512).contains(self.dossierMb) else { throw ValidationError("--dossier-mb must be between 1 and 512") }
    }

    func run() async throws {
        let directory =
            self.dataDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("xietong-demo-\(Int(Date().timeIntervalSince1970))")
        var options = DemoRunner.Options(dataDirectory: directory)
        options.once = self.once
        options.dossierMegabytes = self.dossierMb
        options.output = { announce($0) }
        let registry: OrganisationRegistry
        let catalog: FlowCatalog
        do {
            registry = try OrganisationRegistry.demo()
            catalog = try FlowCatalog.bundled()
        } catch {
            exitForConfiguration(error)
        }
        let intact = try await DemoRunner(options: options, registry: registry, catalog: catalog, logger: makeLogger("xietong.demo", default: .error))
            .run()
        if !intact { throw ExitCode(1) }
    }
}
