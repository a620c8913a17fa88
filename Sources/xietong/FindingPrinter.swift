import Foundation
import XietongCore

/// Prints findings for people (Chinese first, then English) or as JSON for machines.
enum FindingPrinter {
    static func printHuman(_ results: [FileResult], verbose: Bool) {
        for result in results {
            let report = result.report
            let shown = report.findings.filter { verbose || $0.severity != .info }
            let errors = report.errors.count
            if report.isAccepted {
                var what = ""
                if let package = report.package {
                    what = " (standard \(package.standardVersion), \(package.envelope.flow)/\(package.envelope.messageType))"
                }
                print("✓ \(result.file)  合格 valid\(what)")
            } else {
                print("✗ \(result.file)  不合格 refused: \(errors) error\(errors == 1 ? "" : "s")")
            }
            for finding in shown {
                let line = finding.line.map { " (line \($0))" } ?? ""
                print("    \(finding.severity.rawValue) \(finding.code.rawValue) at \(finding.location)\(line)")
                print("        \(finding.message.zh)")
                print("        \(finding.message.en)")
            }
        }
        let refused = results.filter { !$0.report.isAccepted }.count
        print("\(results.count) file\(results.count == 1 ? "" : "s"): \(results.count - refused) valid, \(refused) refused.")
    }

    struct JSONFinding: Encodable {
        let code: String
        let severity: String
        let location: String
        let line: Int?
        let message: LocalizedText
    }

    struct JSONFile: Encodable {
        let file: String
        let valid: Bool
        let standardVersion: String?
        let packageId: String?
        let flow: String?
        let messageType: String?
        let findings: [JSONFinding]
    }

    struct JSONOutput: Encodable {
        let valid: Bool
        let files: [JSONFile]
    }

    static func printJSON(_ results: [FileResult]) {
        let files = results.map { result in
            JSONFile(
                file: result.file,
                valid: result.report.isAccepted,
                standardVersion: result.report.package?.standardVersion,
                packageId: result.report.package?.envelope.packageId,
                flow: result.report.package?.envelope.flow,
                messageType: result.report.package?.envelope.messageType,
                findings: result.report.findings.map {
                    JSONFinding(code: $0.code.rawValue, severity: $0.severity.rawValue, location: $0.location, line: $0.line, message: $0.message)
                }
            )
        }
        xietong.printJSON(JSONOutput(valid: files.allSatisfy(\.valid), files: files))
    }
}
