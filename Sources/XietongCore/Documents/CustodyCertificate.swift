/// A custody certificate (换押证, issue 26, SZ-2; ZJ-6.1.4): what one detainee's certificate says when a custody
/// exchange hands the person from one organ to the next, generated from the exchange's package, one per person, to be
/// sealed by the issuing organ. The layout is the document writer's; which fields a certificate carries is decided here.
public struct CustodyCertificate: Sendable, Hashable, Codable {
    /// The certificate's labelled lines, in order: the label and the value, in Chinese (the document is an official one).
    public struct Line: Sendable, Hashable, Codable {
        public var label: String
        public var value: String
    }

    public var title: String
    /// The person, as the hub keeps them across agencies (`CustodyRecord.personKey`).
    public var personKey: String
    public var personName: String
    /// The organ issuing (and sealing) it: the package's sender.
    public var issuer: String
    public var issuerName: String
    /// The China day of issue.
    public var issuedOn: String
    public var lines: [Line]
    /// The file name the sealed PDF is stored and attached under.
    public var fileName: String { "换押证-\(self.personName).pdf" }

    /// The custody-exchange messages a certificate is generated from.
    public static let messageTypes: Set<String> = ["custodyTransferOut", "custodyTransferInNotice", "custodyPeriodChangeNotice"]

    /// One certificate per detainee of `package` (a custody-exchange message), in the order of its measures. Names of
    /// organisations from `registry` (their codes where it does not know them). Empty when the package is not a custody
    /// exchange or names no detainee.
    public static func certificates(of package: CasePackage, registry: OrganisationRegistry, issuedOn: CalendarDate) -> [CustodyCertificate] {
        let envelope = package.envelope
        guard Self.messageTypes.contains(envelope.messageType) else { return [] }
        func name(_ code: String?) -> String {
            guard let code, !code.isEmpty else { return "" }
            return registry[code]?.name.zh ?? code
        }
        let kinds = ["criminalDetention": "刑事拘留", "arrest": "逮捕", "custodialSentence": "羁押（服刑）"]
        let persons = Dictionary(package.body.persons.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let records = CustodyRecord.records(of: package)
        var seen = Set<String>()
        return records.compactMap { record in
            guard seen.insert(record.personKey).inserted else { return nil }
            let person = persons.values.first { CustodyRecord.personKey($0) == record.personKey }
            let stage =
                switch envelope.messageType {
                case "custodyTransferOut": "换出（移送下一诉讼阶段）"
                case "custodyTransferInNotice": "换入（本阶段羁押）"
                default: "变更羁押期限"
                }
            var lines = [
                Line(label: "统一案件编号", value: envelope.unifiedCaseCode ?? ""),
                Line(label: "机关案号", value: envelope.agencyCaseNumber),
                Line(label: "案件名称", value: package.body.caseInfo.name),
                Line(label: "被羁押人", value: record.name),
                Line(label: "公民身份号码", value: person?.idCardNumber ?? ""),
                Line(label: "强制措施", value: record.kind.map { kinds[$0] ?? $0 } ?? ""),
                Line(label: "羁押场所", value: name(record.custodyOrganisation ?? envelope.receiver.organisationCode)),
                Line(label: "换押事项", value: stage),
                Line(label: "移交机关", value: name(envelope.sender.organisationCode)),
                Line(label: "接收机关", value: name(envelope.receiver.organisationCode)),
            ]
            if let start = record.startsOn { lines.append(Line(label: "羁押起始日期", value: start)) }
            if let end = record.endsOn { lines.append(Line(label: "羁押期限届满日期", value: end)) }
            lines.append(Line(label: "出具日期", value: issuedOn.iso))
            return CustodyCertificate(
                title: "换押证",
                personKey: record.personKey,
                personName: record.name,
                issuer: envelope.sender.organisationCode,
                issuerName: name(envelope.sender.organisationCode),
                issuedOn: issuedOn.iso,
                lines: lines.filter { !$0.value.isEmpty }
            )
        }
    }
}
