public import Foundation
public import XietongCore

/// The node's check before a package leaves the agency (GZ-4: find missing fields and documents at the sender,
/// not days later). It runs the full quality checks with the node's own attachment resolver and remembers what
/// it has sent, so repeated clicks (GZ-7) are flagged.
public struct OutboundCheck: Sendable {
    public let checker: QualityChecker
    private var sent = DuplicateIndex()

    public init(checker: QualityChecker) {
        self.checker = checker
    }

    /// Checks a package this node's organisation wants to send. A package whose sender is another organisation
    /// is refused: a node only sends for its own agency.
    public mutating func check(
        _ bytes: [UInt8],
        from organisationCode: String,
        attachments: (any AttachmentResolver)?,
        now: Date = Date()
    ) -> QualityReport {
        var index: DuplicateIndex? = self.sent
        var report = self.checker.check(XMLBytes(bytes), attachments: attachments, duplicates: &index, now: now)
        if let package = report.package, package.envelope.sender.organisationCode != organisationCode {
            report.findings.append(
                Finding(
                    .codesetOrganisation,
                    at: "/CasePackage/Envelope/Sender/OrganisationCode",
                    zh: "本节点只能代表机构 \(organisationCode) 发送数据包",
                    en: "this node can only send packages for the organisation \(organisationCode)"
                )
            )
        }
        if report.isAccepted, let index { self.sent = index }
        return report
    }
}
