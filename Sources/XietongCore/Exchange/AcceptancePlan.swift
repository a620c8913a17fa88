public import Foundation

/// What the hub writes when it accepts a package (issue 21, item 1), decided from the package and the moment alone,
/// so that the store only writes it: the hops it records (received with the content's hash for the evidence log,
/// coded, forwarded), the sender's receipt carrying them, the delivery queued for the receiver, and the case codes it
/// is found by. A refusal found later (the flow, a batch) is answered by `refusal(_:)`, at the same moment and code.
public struct AcceptancePlan: Sendable, Hashable {
    public var hops: [PackageEvent]
    public var receipt: Receipt
    public var delivery: Delivery
    /// The package's unified code and its related codes: a case is found by any of its agencies' codes.
    public var caseCodes: Set<String>

    /// The plan for `package`, received by `hub` at `instant`, coded `unifiedCaseCode` (assigned by the hub when
    /// `codeAssigned`), whose bytes hash to `contentSHA256`.
    public init(
        package: CasePackage,
        unifiedCaseCode: String,
        codeAssigned: Bool,
        contentSHA256: String,
        contentSize: Int,
        warnings: [Finding],
        signature: PackageSignature?,
        statusURL: String,
        hub: String,
        at instant: Date,
        traceparent: String? = nil
    ) {
        let envelope = package.envelope
        let now = Timestamp.string(instant)
        self.hops = [
            // The package's hash is in the evidence log with its receipt, so an audit can tell its stored bytes from
            // others put in their place (issue 19).
            PackageEvent(
                packageId: envelope.packageId,
                hop: .receivedByHub,
                at: now,
                organisation: hub,
                detail: Evidence.contentDetail(sha256: contentSHA256)
            ),
            PackageEvent(
                packageId: envelope.packageId,
                hop: .coded,
                at: now,
                organisation: hub,
                detail: unifiedCaseCode + (codeAssigned ? " (assigned)" : "")
            ),
            PackageEvent(packageId: envelope.packageId, hop: .forwarded, at: now, organisation: hub, detail: envelope.receiver.organisationCode),
        ]
        self.receipt = Receipt(
            packageId: envelope.packageId,
            status: .accepted,
            unifiedCaseCode: unifiedCaseCode,
            codeAssigned: codeAssigned,
            receivedAt: now,
            findings: warnings,
            statusURL: statusURL
        )
        self.receipt.hops = self.hops
        self.delivery = Delivery(
            packageId: envelope.packageId,
            sender: envelope.sender.organisationCode,
            receiver: envelope.receiver.organisationCode,
            flow: envelope.flow,
            messageType: envelope.messageType,
            unifiedCaseCode: unifiedCaseCode,
            agencyCaseNumber: envelope.agencyCaseNumber,
            contentSHA256: contentSHA256,
            contentSize: contentSize,
            attachments: package.attachments.map {
                Delivery.File(sha256: $0.sha256.lowercased(), size: $0.size, name: $0.name, mediaType: $0.mediaType)
            },
            acceptedAt: now,
            // Not kept twice: the feed attaches a small package's bytes from `package_contents` when it is read.
            content: nil,
            signature: signature,
            traceparent: traceparent,
            createdAt: envelope.createdInstant.map(Timestamp.string)
        )
        self.caseCodes = Set([unifiedCaseCode] + package.body.caseInfo.relatedCaseCodes)
    }

    /// The receipt refusing the package for `finding`, found while accepting it: the same moment and code, no hops.
    public func refusal(_ finding: Finding) -> Receipt {
        Receipt(
            packageId: self.receipt.packageId,
            status: .refused,
            unifiedCaseCode: self.receipt.unifiedCaseCode,
            codeAssigned: self.receipt.codeAssigned,
            receivedAt: self.receipt.receivedAt,
            findings: [finding],
            statusURL: self.receipt.statusURL
        )
    }
}
