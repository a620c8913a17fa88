import ArgumentParser
import Foundation
import XietongCore
import XietongStore

/// `xietong validate FILE…`: the quality checks of ZJ-7.1.2.1 on package files, with each package's attachments
/// resolved relative to its file.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check case data packages: structure, code sets, consistency, attachments, duplicates.",
        discussion: "Exits 0 when every file is valid, 1 when any is refused, 2 on a usage or configuration error."
    )

    @OptionGroup var data: DataOptions

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Flag(name: [.short, .long], help: "Also list informational findings (normalisations).")
    var verbose = false

    @Flag(name: .long, help: "Do not compare the attachments manifest with the files.")
    var noAttachments = false

    @Argument(help: "Package files (.xml).")
    var files: [String]

    func validate() throws {
        if self.files.isEmpty { throw ValidationError("name at least one package file") }
    }

    func run() async throws {
        let checker: QualityChecker
        let isDemo: Bool
        do {
            let (registry, demo) = try self.data.loadRegistry()
            isDemo = demo
            checker = try QualityChecker.bundled(registry: registry, catalog: self.data.loadCatalog())
        } catch {
            exitForConfiguration(error)
        }
        if isDemo && !self.json {
            printError("note: using the built-in demo organisation registry; pass --registry FILE for your own")
        }
        var duplicates: DuplicateIndex? = DuplicateIndex()
        var results: [FileResult] = []
        for file in self.files {
            let url = URL(fileURLWithPath: file)
            let resolver = self.noAttachments ? nil : FileAttachmentResolver(base: url.deletingLastPathComponent())
            let report: QualityReport
            do {
                report = checker.check(try XMLFile(url: url), attachments: resolver, duplicates: &duplicates, now: Date())
            } catch {
                report = QualityReport(findings: [error.finding])
            }
            results.append(FileResult(file: file, report: report))
        }
        if self.json {
            FindingPrinter.printJSON(results)
        } else {
            FindingPrinter.printHuman(results, verbose: self.verbose)
        }
        if results.contains(where: { !$0.report.isAccepted }) {
            throw ExitCode(1)
        }
    }
}

struct FileResult {
    let file: String
    let report: QualityReport
}
