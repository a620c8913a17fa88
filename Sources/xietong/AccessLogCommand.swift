import ArgumentParser
import Foundation
import Logging
import XietongCore
import XietongStore

/// `xietong access-log hub|node`: who read which case data, and when (issue 6), from a hub's or a node's database —
/// for the IT centre and for an agency's own administrators (the hub also serves its log at `/v1/admin/access-log`).
struct AccessLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-log",
        abstract: "List the reads of case data recorded by a hub or a node, newest first.",
        discussion: "Exits 0 with the list (possibly empty), 2 when the database cannot be read."
    )

    @OptionGroup var target: ComponentDatabaseOptions
    @Option(help: "Only the reads of this package id, case code or page.") var subject: String?
    @Option(help: "How many entries at most.") var limit = 200
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let location = self.target.location()
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            printError("xietong: no database at \(path)")
            throw ExitCode(2)
        }
        let records: [AccessRecord]
        do {
            let database = try await location.open(
                migrations: self.target.migrations,
                logger: makeLogger("xietong.access-log", default: .warning)
            )
            records = try await AccessLog(database: database).records(subject: self.subject, limit: max(1, self.limit))
            await database.close()
        } catch {
            printError("xietong: cannot read the access log: \(error)")
            throw ExitCode(2)
        }
        if self.json {
            printJSON(records)
            return
        }
        print("时间 at | 读取者 who | 角色 role | 操作 action | 对象 subject | 结果 allowed")
        for record in records {
            print(
                "\(record.at) | \(record.who) | \(record.role) | \(record.action) | \(record.subject) | \(record.allowed ? "允许 allowed" : "拒绝 refused")"
            )
        }
    }
}
