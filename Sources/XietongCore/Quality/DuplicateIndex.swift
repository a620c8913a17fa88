/// Finds similar duplicate records (相似重复记录, ZJ-7.1.2.1 a): a package id seen before with other content, or
/// the same message about the same case from the same sender to the same receiver sent again under a new id
/// (the repeated clicks of GZ-7).
///
/// This is the in-memory index `validate` uses across the files it is given; the hub keeps the same keys in its
/// store.
public struct DuplicateIndex: Sendable {
    private var byPackageId: [String: String] = [:]
    private var bySimilarity: [String: String] = [:]

    public init() {}

    /// The similarity key: sender, receiver, flow, message type, and the case (unified code or agency case number).
    public static func similarityKey(_ package: CasePackage) -> String {
        let envelope = package.envelope
        let caseKey = envelope.unifiedCaseCode ?? "number:\(envelope.agencyCaseNumber)"
        return [envelope.sender.organisationCode, envelope.receiver.organisationCode, envelope.flow, envelope.messageType, caseKey]
            .joined(separator: "|")
    }

    /// Records a package, returning findings when it repeats one already seen. `contentDigest` tells a resend of
    /// the same bytes (not a finding) from a different package under a reused id (an error).
    public mutating func register(_ package: CasePackage, contentDigest: String) -> [Finding] {
        var findings: [Finding] = []
        let packageId = package.envelope.packageId.lowercased()
        if let previous = self.byPackageId[packageId] {
            if previous != contentDigest {
                findings.append(
                    Finding(
                        .duplicatePackage,
                        at: "/CasePackage/Envelope/PackageId",
                        zh: "数据包编号 \(packageId) 已被另一内容不同的数据包使用",
                        en: "the package id \(packageId) was already used by a package with different content"
                    )
                )
            }
            return findings
        }
        self.byPackageId[packageId] = contentDigest
        let key = Self.similarityKey(package)
        if let earlier = self.bySimilarity[key] {
            findings.append(
                Finding(
                    .duplicateSimilar,
                    .warning,
                    at: "/CasePackage/Envelope",
                    zh: "疑似重复：同一案件的同一消息已由数据包 \(earlier) 发送给同一接收方",
                    en: "similar duplicate: the same message about the same case was already sent to the same receiver as package \(earlier)"
                )
            )
        } else {
            self.bySimilarity[key] = packageId
        }
        return findings
    }
}
