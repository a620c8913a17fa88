public import Foundation
import Testing
public import XietongCore
import XietongStore

/// Shared fixtures: the shipped checker with the demo registry, and example packages as text to corrupt.
public enum Fixtures {
    public static let registry: OrganisationRegistry = try! OrganisationRegistry.demo()
    public static let checker: QualityChecker = try! QualityChecker.bundled(registry: Self.registry)

    /// The day the stores' tests reason about (China time): every store and service a test builds reads this day
    /// from its clock, never the machine's, so that a test that passes today passes next year.
    public static let testDay = CalendarDate(iso: "2026-11-20")!

    /// A clock that starts on `testDay` at 09:00 China time and runs at the machine's pace.
    public static func clock() -> WallClock { .starting(chinaDay: Self.testDay) }

    /// The text of a shipped example, for example `arrestApproval.arrestRequest`.
    public static func example(_ name: String) -> String {
        let url = Repository.examples.appendingPathComponent("\(name).xml")
        return String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    }

    /// A shipped example, parsed.
    public static func package(_ name: String) -> CasePackage? {
        guard let root = try? XMLDocumentParser.parse(Array(self.example(name).utf8)) else { return nil }
        return CasePackage(validated: root)
    }

    /// Checks package text, resolving attachments against the shipped examples' folder.
    public static func check(_ xml: String, attachments: Bool = true, now: Date = Date()) -> QualityReport {
        self.check(bytes: Array(xml.utf8), attachments: attachments, now: now)
    }

    public static func check(bytes: [UInt8], attachments: Bool = true, now: Date = Date()) -> QualityReport {
        let resolver = attachments ? FileAttachmentResolver(base: Repository.examples) : nil
        return self.checker.check(XMLBytes(bytes), attachments: resolver, now: now)
    }
}

extension QualityReport {
    /// The codes of the error findings.
    public var errorCodes: [String] { self.errors.map(\.code.rawValue) }

    /// The first finding with `code`.
    public func finding(_ code: FindingCode) -> Finding? { self.findings.first { $0.code == code } }
}

extension String {
    /// Replaces exactly one occurrence, failing loudly when the fixture text has changed.
    public func replacingOnce(_ target: String, with replacement: String) -> String {
        guard let range = self.range(of: target) else {
            Issue.record("fixture text not found: \(target)")
            return self
        }
        return self.replacingCharacters(in: range, with: replacement)
    }
}
