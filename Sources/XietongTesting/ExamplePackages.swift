import Crypto
import Foundation
public import XietongCore
import XietongLocal

/// The example packages shipped in `examples/packages/`: one realistic package for every message type of the
/// catalog, each with a PDF attachment, plus a batch custody exchange in standard version 1.1 and a package
/// encoded in GB18030. They are generated here and checked in; a test holds the files to this generator.
public enum ExamplePackages {
    public struct File: Sendable {
        /// Relative to `examples/packages/`.
        public let path: String
        public let bytes: [UInt8]
    }

    static let day = "2026-11-20"

    public static func generate(catalog: FlowCatalog, registry: OrganisationRegistry) -> [File] {
        var files: [File] = []
        var packageIds: [String: String] = [:]
        var parties: [String: (sender: Organisation, receiver: Organisation)] = [:]
        var sequences: [String: Int] = [:]
        var index = 0
        for flow in catalog.flows {
            // Each flow's examples are one case: every agency gives it one unified code (ZJ-7.1.1) and names the
            // others' as related codes; a reply goes between the parties of the message it answers.
            var caseCodes: [String: Int] = [:]
            for message in flow.messages {
                index += 1
                let name = "\(flow.id).\(message.id)"
                let answeredName = message.answers.first.map { "\(flow.id).\($0)" }
                let (sender, receiver) = self.parties(message, answering: answeredName.flatMap { parties[$0] }, registry: registry)
                if caseCodes[sender.code] == nil {
                    sequences[sender.code, default: 0] += 1
                    caseCodes[sender.code] = sequences[sender.code]!
                }
                let related = caseCodes.filter { $0.key != sender.code }.compactMap { code, sequence in
                    registry[code].flatMap { try? Self.code(of: $0, sequence: sequence) }
                }.sorted()
                let built = self.package(
                    name: name,
                    flow: flow,
                    message: message,
                    sender: sender,
                    receiver: receiver,
                    sequence: caseCodes[sender.code]!,
                    minute: index,
                    inReplyTo: answeredName.flatMap { packageIds[$0] },
                    related: related
                )
                packageIds[name] = built.package.envelope.packageId
                parties[name] = (sender, receiver)
                files.append(File(path: "\(name).xml", bytes: CasePackageWriter.bytes(built.package)))
                files.append(File(path: built.attachmentPath, bytes: built.attachment))
            }
        }
        // A business system that still emits GB18030 (ZJ-7.1.2.1 encoding conversion).
        if let flow = catalog.flow("legalAid"), let message = flow.message("legalAidNotice") {
            let (sender, receiver) = self.parties(message, registry: registry)
            sequences[sender.code, default: 0] += 1
            let built = self.package(
                name: "legalAid.legalAidNotice.gb18030",
                flow: flow,
                message: message,
                sender: sender,
                receiver: receiver,
                sequence: sequences[sender.code]!,
                minute: index + 1,
                inReplyTo: nil,
                related: []
            )
            let xml = CasePackageWriter.xml(built.package).replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"GB18030\"")
            files.append(File(path: "legalAid.legalAidNotice.gb18030.xml", bytes: GB18030.encode(xml)))
            files.append(File(path: built.attachmentPath, bytes: built.attachment))
        }
        return files
    }

    /// Sender and receiver for a message: the first registered organisation of a suitable kind; a court-to-court
    /// message goes from the district court to the intermediate court.
    /// A reply's parties: the answered message's receiver sends it back to its sender, where their kinds allow.
    static func parties(
        _ message: MessageType,
        answering: (sender: Organisation, receiver: Organisation)?,
        registry: OrganisationRegistry
    ) -> (Organisation, Organisation) {
        var (sender, receiver) = self.parties(message, registry: registry)
        if let answering {
            if !answering.receiver.kinds.isDisjoint(with: message.from) {
                sender = answering.receiver
            } else if !answering.sender.kinds.isDisjoint(with: message.from) {
                sender = answering.sender
            }
            if answering.sender.code != sender.code, !answering.sender.kinds.isDisjoint(with: message.to) {
                receiver = answering.sender
            } else if receiver.code == sender.code {
                receiver = self.parties(message, registry: registry).1
            }
        }
        return (sender, receiver)
    }

    static func code(of organisation: Organisation, sequence: Int) throws -> String {
        try UnifiedCaseCode(
            date: CalendarDate(iso: day)!,
            agencyCode: organisation.agencyCode,
            organisationCode: organisation.code,
            sequence: sequence
        )
        .rawValue
    }

    static func parties(_ message: MessageType, registry: OrganisationRegistry) -> (Organisation, Organisation) {
        func pick(_ kinds: [AgencyKind], excluding: String? = nil) -> Organisation {
            for kind in kinds {
                if let primary = registry.organisations.first(where: { $0.kind == kind && $0.code != excluding }) { return primary }
                if let any = registry.organisations(ofKind: kind).first(where: { $0.code != excluding }) { return any }
            }
            preconditionFailure("the registry has no organisation for \(kinds)")
        }
        let sender = pick(message.from)
        let receiver = pick(message.to, excluding: sender.code)
        return (sender, receiver)
    }

    public static func uuid(_ seed: String) -> String {
        var bytes = Array(SHA256.hash(data: Array("xietong-example:\(seed)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    static func caseNumber(_ organisation: Organisation, sequence: Int) -> String {
        switch organisation.kind {
        case .police: "杭西公（刑）字〔2026〕\(1000 + sequence)号"
        case .detentionHouse: "杭西看〔2026〕\(200 + sequence)号"
        case .procuratorate: "杭西检刑诉〔2026〕\(100 + sequence)号"
        case .court: "（2026）浙01\(organisation.code.hasPrefix("330106") ? "06" : "")刑初\(300 + sequence)号"
        case .justiceBureau, .legalAid, .communityCorrection: "杭西司〔2026〕\(50 + sequence)号"
        case .prison, .prisonAdministration: "浙狱一〔2026〕\(700 + sequence)号"
        case .adminEnforcement: "杭西市监〔2026〕\(80 + sequence)号"
        case .supervisoryCommission: "杭西监〔2026〕\(30 + sequence)号"
        case .politicalLegalCommittee: "杭政法〔2026〕\(sequence)号"
        }
    }

    struct Built {
        let package: CasePackage
        let attachmentPath: String
        let attachment: [UInt8]
    }

    static func package(
        name: String,
        flow: Flow,
        message: MessageType,
        sender: Organisation,
        receiver: Organisation,
        sequence: Int,
        minute: Int,
        inReplyTo: String?,
        related: [String]
    ) -> Built {
        let hour = 8 + minute / 60
        let time = "\(day)T\(hour < 10 ? "0" : "")\(hour):\(minute % 60 < 10 ? "0" : "")\(minute % 60):00+08:00"
        let code = try! UnifiedCaseCode(
            date: CalendarDate(iso: day)!,
            agencyCode: sender.agencyCode,
            organisationCode: sender.code,
            sequence: sequence
        )
        let attachmentPath = "attachments/\(name).pdf"
        let pdf = MinimalPDF.make(lines: [
            "Xietong example document", "\(message.en)", "Flow: \(flow.en) (\(flow.clause))", "Case code: \(code.rawValue)", "Package: \(name)",
        ])
        let digest = SHA256.hash(data: pdf).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        // The custody exchange is a batch of three detainees (SZ-2), in standard version 1.1 (ethnicity).
        let batch = flow.id == "custodyTransfer"
        let body = self.body(flow: flow, message: message, batch: batch)
        let document = CasePackage.Document(
            id: "d1",
            title: message.zh,
            documentNumber: self.caseNumber(sender, sequence: sequence + 40),
            issuedOn: day,
            attachmentRefs: ["a1"]
        )
        var fullBody = body
        fullBody.documents = [document]
        fullBody.caseInfo.relatedCaseCodes = related
        // The day the message's sender limit counts from (standard 1.2, issue 20): the event the day before, the
        // hearing five days ahead; a detention the 拘留 measure states. A message's sender limits are alternatives (an
        // appeal's transfer or a protest's): the example states the first.
        let today = CalendarDate(iso: day)!
        for limit in message.senderLimits.prefix(1) where SenderLimit.startDate(of: limit, in: fullBody) == nil {
            let event = SenderLimit.event(of: limit)
            fullBody.caseInfo.keyDates.append(
                CasePackage.KeyDate(event: event, date: (event == "hearing" ? today.adding(days: 5) : today.adding(days: -1)).iso)
            )
        }
        let package = CasePackage(
            standardVersion: !fullBody.caseInfo.keyDates.isEmpty ? "1.2" : batch ? "1.1" : "1.0",
            envelope: CasePackage.Envelope(
                packageId: self.uuid(name),
                idempotencyKey: "\(sender.agencyCode)-\(name)-1",
                flow: flow.id,
                messageType: message.id,
                inReplyTo: inReplyTo,
                sender: CasePackage.Party(sender),
                receiver: CasePackage.Party(receiver),
                unifiedCaseCode: code.rawValue,
                agencyCaseNumber: self.caseNumber(sender, sequence: sequence),
                createdAt: time
            ),
            body: fullBody,
            attachments: [
                CasePackage.Attachment(
                    id: "a1",
                    name: "\(message.zh.replacingOccurrences(of: "/", with: "、")).pdf",
                    mediaType: "application/pdf",
                    size: pdf.count,
                    sha256: digest,
                    volume: 1,
                    fileNumber: 1,
                    firstPage: 1,
                    pageCount: 1,
                    location: attachmentPath
                )
            ]
        )
        return Built(package: package, attachmentPath: attachmentPath, attachment: pdf)
    }

    static func body(flow: Flow, message: MessageType, batch: Bool) -> CasePackage.Body {
        switch flow.category {
        case .civil:
            return CasePackage.Body(
                caseInfo: CasePackage.CaseInfo(
                    name: "王某与某银行股份有限公司杭州分行金融借款合同纠纷案",
                    category: "civil",
                    division: "330106",
                    filedOn: "2026-03-02",
                    summary: "当事人不服生效判决，申请检察监督。"
                ),
                persons: [
                    CasePackage.Person(
                        id: "p1",
                        role: "party",
                        name: "王某",
                        idCardNumber: IdentityNumbers.make(birth: "19850611", order: 42, male: false),
                        gender: "2",
                        birthDate: "1985-06-11",
                        residence: "330106"
                    )
                ]
            )
        case .adminCriminalLinkage:
            return CasePackage.Body(
                caseInfo: CasePackage.CaseInfo(
                    name: "杭州某商贸有限公司销售假冒注册商标的商品案",
                    category: "adminCriminalLinkage",
                    division: "330106",
                    filedOn: "2026-10-28",
                    summary: "执法检查中查获假冒注册商标的商品，货值金额较大，涉嫌犯罪。"
                ),
                persons: [
                    CasePackage.Person(
                        id: "p1",
                        role: "suspect",
                        name: "李某",
                        idCardNumber: IdentityNumbers.make(division: "330102", birth: "19780902", order: 15, male: true),
                        gender: "1",
                        birthDate: "1978-09-02",
                        residence: "330102"
                    )
                ],
                charges: [CasePackage.Charge(personRef: "p1", name: "销售假冒注册商标的商品罪", lawArticle: "刑法第214条")]
            )
        case .criminal:
            let executionStage = ["sentenceExecution", "temporaryOutOfPrisonExecution", "communityCorrection", "commutationParole"].contains(flow.id)
            let role = flow.id == "legalAid" ? "aidedPerson" : executionStage ? "offender" : "suspect"
            var persons = [
                CasePackage.Person(
                    id: "p1",
                    role: role,
                    name: "张某某",
                    idCardNumber: IdentityNumbers.make(birth: "19900315", order: 123, male: true),
                    gender: "1",
                    birthDate: "1990-03-15",
                    ethnicity: batch ? "01" : nil,
                    residence: "330106"
                )
            ]
            var measures: [CasePackage.CoerciveMeasure] = []
            if batch {
                persons.append(
                    CasePackage.Person(
                        id: "p2",
                        role: "suspect",
                        name: "赵某",
                        idCardNumber: IdentityNumbers.make(division: "330108", birth: "19950708", order: 33, male: true),
                        gender: "1",
                        birthDate: "1995-07-08",
                        ethnicity: "01",
                        residence: "330108"
                    )
                )
                persons.append(
                    CasePackage.Person(
                        id: "p3",
                        role: "suspect",
                        name: "蓝某某",
                        idCardNumber: IdentityNumbers.make(division: "331127", birth: "19921121", order: 58, male: false),
                        gender: "2",
                        birthDate: "1992-11-21",
                        ethnicity: "22",
                        residence: "331127"
                    )
                )
                // Out: arrested on the 10th; in: the next organ takes them over on the 20th for its stage's period
                // (审查起诉, one month); a change notice extends it by half a month (CPL 第172条).
                let (start, end): (String, String?) =
                    switch message.id {
                    case "custodyTransferInNotice": ("2026-11-20", "2026-12-19")
                    case "custodyPeriodChangeNotice": ("2026-11-20", "2027-01-03")
                    default: ("2026-11-10", nil)
                    }
                measures =
                    message.id == "custodyTransferReceipt"
                    ? []
                    : persons.map {
                        CasePackage.CoerciveMeasure(
                            personRef: $0.id,
                            kind: "arrest",
                            startDate: start,
                            endDate: end,
                            custodyOrganisation: "330106000102"
                        )
                    }
            } else if flow.id == "arrestApproval" || flow.id == "prosecutionTransfer" {
                measures = [
                    CasePackage.CoerciveMeasure(
                        personRef: "p1",
                        kind: "criminalDetention",
                        startDate: "2026-11-17",
                        custodyOrganisation: "330106000102"
                    )
                ]
            } else if flow.id == "detentionPeriodExtension" {
                // Arrested on 20 September: 2 months end on 20 November (刑事诉讼法第156条); for a recount, the day
                // another important crime was found (第160条).
                let start = message.detention == .recount ? "2026-11-15" : "2026-09-20"
                measures = [CasePackage.CoerciveMeasure(personRef: "p1", kind: "arrest", startDate: start, custodyOrganisation: "330106000102")]
            } else if flow.id == "coerciveMeasureChange" {
                measures = [CasePackage.CoerciveMeasure(personRef: "p1", kind: "bail", startDate: "2026-11-19", endDate: "2027-11-18")]
            }
            return CasePackage.Body(
                caseInfo: CasePackage.CaseInfo(
                    name: batch ? "张某某等人盗窃案" : "张某某盗窃案",
                    category: "criminal",
                    division: "330106",
                    filedOn: "2026-11-02",
                    summary: "犯罪嫌疑人多次在西湖区商场盗窃他人财物，价值共计人民币三万余元。"
                ),
                persons: persons,
                charges: persons.filter { $0.role != "aidedPerson" }.map { CasePackage.Charge(personRef: $0.id, name: "盗窃罪", lawArticle: "刑法第264条") },
                coerciveMeasures: measures
            )
        }
    }
}
