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

extension Delivery {
    /// A delivery of `package` as a hub would queue it, for tests that need one without a hub: its files as the
    /// manifest lists them.
    public static func of(_ package: CasePackage, content: [UInt8] = []) -> Delivery {
        Delivery(
            packageId: package.envelope.packageId,
            sender: package.envelope.sender.organisationCode,
            receiver: package.envelope.receiver.organisationCode,
            flow: package.envelope.flow,
            messageType: package.envelope.messageType,
            unifiedCaseCode: package.envelope.unifiedCaseCode ?? "",
            agencyCaseNumber: package.envelope.agencyCaseNumber,
            contentSHA256: ContentHash.sha256(content),
            contentSize: content.count,
            attachments: package.attachments.map { File(sha256: $0.sha256, size: $0.size, name: $0.name, mediaType: $0.mediaType) },
            acceptedAt: "2026-11-20T02:00:00.000000Z"
        )
    }
}
