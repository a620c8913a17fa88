import ArgumentParser
import Foundation
import XietongCore
import XietongHub
import XietongStore

/// `xietong code …`: assign and check unified case codes (ZJ-7.1.1) and dossier codes.
struct CodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Assign and check unified case codes (统一赋码) and dossier codes.",
        subcommands: [New.self, Check.self, Dossier.self]
    )

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign new unified case codes for an organisation, from the sequence store in the data directory."
        )

        @OptionGroup var data: DataOptions

        @Option(name: .long, help: "The 12-digit organisation code the case belongs to.")
        var org: String

        @Option(name: .long, help: "How many codes to assign.")
        var count = 1

        @Option(name: .long, help: "The data directory (default: $XIETONG_DATA_DIR, else ./xietong-data).")
        var dataDir: String?

        func validate() throws {
            guard (1...10_000).contains(self.count) else { throw ValidationError("--count must be between 1 and 10000") }
        }

        func run() async throws {
            let registry: OrganisationRegistry
            do {
                registry = try self.data.loadRegistry().0
            } catch {
                exitForConfiguration(error)
            }
            guard registry[self.org] != nil else {
                printError("xietong: the organisation \(self.org) is not in the registry / 机构 \(self.org) 未注册")
                throw ExitCode(2)
            }
            let directory = self.dataDir ?? ProcessInfo.processInfo.environment["XIETONG_DATA_DIR"] ?? "xietong-data"
            let database: SQLiteDatabase
            do {
                database = try await SQLiteDatabase.open(
                    path: URL(fileURLWithPath: directory).appendingPathComponent("hub.sqlite").path,
                    migrations: Migrations.hub
                )
            } catch {
                printError("xietong: \(error)")
                throw ExitCode(2)
            }
            defer { Task { await database.close() } }
            let assigner = CaseCodeAssigner(registry: registry, sequences: SQLCodeSequenceStore(database: database))
            for _ in 0..<self.count {
                do {
                    print(try await assigner.assign(organisationCode: self.org).rawValue)
                } catch {
                    printError("xietong: cannot assign a code: \(error)")
                    throw ExitCode(1)
                }
            }
            await database.close()
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check unified case codes or dossier codes and explain their parts.")

        @Argument(help: "Codes to check.")
        var codes: [String]

        func run() throws {
            var failed = false
            for text in self.codes {
                do {
                    if text.contains("-") {
                        let code = try DossierCode(text)
                        print(
                            "✓ \(text)  卷宗编码 dossier code: case \(code.caseCode), volume \(code.volume)"
                                + (code.file.map { ", file \($0)" } ?? "") + (code.page.map { ", page \($0)" } ?? "")
                        )
                    } else {
                        let code = try UnifiedCaseCode(text)
                        print(
                            "✓ \(text)  统一赋码 unified code: date \(code.date), agency \(code.agencyCode), organisation \(code.organisationCode), sequence \(code.sequence)"
                        )
                    }
                } catch {
                    failed = true
                    print("✗ \(text)  \(error.code.rawValue): \(error.message.zh) / \(error.message.en)")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Dossier: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build the code of a dossier volume, file or page of a case.")

        @Argument(help: "The 32-digit unified case code.")
        var caseCode: String

        @Option(help: "Volume (1–999).") var volume: Int
        @Option(help: "File within the volume (1–999).") var file: Int?
        @Option(help: "Page within the file (1–9999).") var page: Int?

        func run() throws {
            do {
                print(try DossierCode(caseCode: UnifiedCaseCode(self.caseCode), volume: self.volume, file: self.file, page: self.page))
            } catch {
                printError("xietong: \(error.code.rawValue): \(error.message.zh) / \(error.message.en)")
                throw ExitCode(2)
            }
        }
    }
}
