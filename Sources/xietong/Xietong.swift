import ArgumentParser
import Foundation
import XietongCore

/// The one command-line front door: validate packages, work with codes and the catalog (and, as the exchange
/// lands, run the hub, the nodes and the demo).
@main
struct Xietong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xietong",
        abstract: "Xietong (协同): the cross-departmental case-handling exchange for political-legal agencies.",
        discussion: """
            Exit codes: 0 success, 1 the input was checked and refused (for example an invalid package), \
            2 a usage or configuration error.
            """,
        version: "\(XietongVersion.version) (\(XietongVersion.build))",
        subcommands: [
            DemoCommand.self, HubCommand.self, NodeCommand.self, ValidateCommand.self, TrackCommand.self, CaseCommand.self, CodeCommand.self,
            CatalogCommand.self, CalendarCommand.self,
            RegistryCommand.self, MigrateCommand.self, TokenCommand.self, PKICommand.self, AuditCommand.self, AccessLogCommand.self,
            BusinessSimulatorCommand.self, BenchCommand.self, WitnessCommand.self, ExchangeDBCommand.self,
        ]
    )

    /// Runs the command, mapping argument errors to exit code 2 (ArgumentParser's default is 64).
    static func main() async {
        do {
            var command = try Self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Self.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            Self.exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes a line to standard output at once (scripts and tests wait for the "listening on" line).
func announce(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
