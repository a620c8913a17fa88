public import Foundation
public import XietongCore

/// The node's check before a package leaves the agency (GZ-4: find missing fields and documents at the sender, not
/// days later): the full quality checks with the node's attachment store, and the rule that a node sends only for
/// its own organisation. Repeated clicks (GZ-7) are answered from the node's store by idempotency key, and the hub
/// flags similar duplicates.
public struct OutboundCheck: Sendable {
    public let checker: QualityChecker
    public let organisation: String

    public init(checker: QualityChecker, organisation: String) {
        self.checker = checker
        self.organisation = organisation
    }

    public func check(_ bytes: [UInt8], attachments: (any AttachmentResolver)?, now: Date = Date()) -> QualityReport {
        var report = self.checker.check(XMLBytes(bytes), attachments: attachments, now: now)
        if let package = report.package, package.envelope.sender.organisationCode != self.organisation {
            report.findings.append(
                Finding(
                    .codesetOrganisation,
                    at: "/CasePackage/Envelope/Sender/OrganisationCode",
                    zh: "本节点只能代表机构 \(self.organisation) 发送数据包",
                    en: "this node can only send packages for the organisation \(self.organisation)"
                )
            )
        }
        return report
    }
}
