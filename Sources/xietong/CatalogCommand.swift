import ArgumentParser
import Foundation
import XietongCore

/// `xietong catalog`: list the flows, messages and time limits in force, or check an override file.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "List the flow catalog in force (shipped catalog plus any override), or check an override file.",
        subcommands: [List.self, Check.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List flows, message types and time limits.")

        @OptionGroup var data: DataOptions

        @Flag(help: "Print the merged catalog as JSON.")
        var json = false

        @Flag(help: "Print the merged catalog as Markdown tables (as in docs/flows.md).")
        var markdown = false

        func run() throws {
            let catalog: FlowCatalog
            do {
                catalog = try self.data.loadCatalog()
            } catch {
                exitForConfiguration(error)
            }
            if self.markdown {
                print(catalog.markdown, terminator: "")
                return
            }
            if self.json {
                printJSON(catalog)
                return
            }
            print(
                "\(catalog.standard) catalog \(catalog.catalogVersion): \(catalog.flows.count) flows, \(catalog.flows.map(\.messages.count).reduce(0, +)) message types"
            )
            for flow in catalog.flows {
                print("\n\(flow.clause) \(flow.zh) \(flow.en) [\(flow.id)]")
                for message in flow.messages {
                    let from = message.from.map(\.rawValue).joined(separator: "/")
                    let to = message.to.map(\.rawValue).joined(separator: "/")
                    let limits = message.limits.map { "\($0.party.rawValue) \($0.text.en)" }.joined(separator: "; ")
                    let closes = message.closes == .flow ? " closes" : ""
                    print("  \(message.id): \(message.zh)  \(from) → \(to)\(closes)\(limits.isEmpty ? "" : "  [\(limits)]")")
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a catalog override file against the shipped catalog.")

        @Argument(help: "The override file.")
        var file: String

        func run() throws {
            do {
                let override = try DataFileDecoder.decode(FlowCatalog.self, contentsOf: URL(fileURLWithPath: self.file))
                let merged = try FlowCatalog.bundled().merging(override).catalogVersion
                print("✓ \(self.file): valid; the merged catalog is version \(merged)")
            } catch {
                print("✗ \(error.inFile(self.file).description)")
                throw ExitCode(1)
            }
        }
    }
}

/// `xietong registry check FILE`: check an organisation registry file.
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Check an organisation registry file.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check an organisation registry file and list its organisations.")

        @Argument(help: "The registry file.")
        var file: String

        func run() throws {
            do {
                let registry = try OrganisationRegistry(contentsOf: URL(fileURLWithPath: self.file), divisions: CodeSets.bundled().division)
                print("✓ \(self.file): \(registry.organisations.count) organisations")
                for organisation in registry.organisations {
                    print("  \(organisation.code) \(organisation.agencyCode) \(organisation.kind.rawValue)  \(organisation.name.zh)")
                }
            } catch {
                print("✗ \(error.description)")
                throw ExitCode(1)
            }
        }
    }
}

/// `xietong calendar check FILE`: check a holiday calendar (`xietong.holidays/1`) before the hub's `calendar` setting
/// names it (issue 20): each year's holidays and working weekends, and the statutory fixed-date holidays.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Check a holiday calendar file (a year's State Council notice) before the hub loads it.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a holiday calendar file.")

        @Argument(help: "The calendar file (format xietong.holidays/1).")
        var file: String

        func run() throws {
            let calendar: LegalCalendar
            do {
                calendar = try LegalCalendar.load(URL(fileURLWithPath: self.file))
            } catch {
                print("✗ \(error.description)")
                throw ExitCode(1)
            }
            let problems = calendar.problems(file: self.file)
            for problem in problems { print("✗ \(problem.description)") }
            guard problems.isEmpty else { throw ExitCode(1) }
            print("✓ \(self.file): valid; \(calendar.verified ? "checked against the notices 已核对" : "NOT marked verified 未标记为已核对")")
            for year in calendar.years.sorted(by: { $0.year < $1.year }) {
                print("  \(year.year): \(year.holidays.count) 节假日 holidays, \(year.workingWeekends.count) 调休上班日 working weekends")
            }
            print("  source: \(calendar.source)")
        }
    }
}
