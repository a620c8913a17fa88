public import Foundation
public import XietongCore
import XietongLocal

/// The criminal case the demo plays: 张某某盗窃案, from the police's request for arrest approval to the prison's intake,
/// through the procuratorate, the court and legal aid (ZJ-6.1.2, 6.1.6, 6.1.7, 6.1.1, 6.1.9).
public enum DemoCase {
    public static let police = "330106000101"
    public static let procuratorate = "330106000201"
    public static let court = "330106000301"
    public static let justiceBureau = "330106000401"
    public static let prison = "330000000501"
    /// The detention house holding the suspect: it publishes remote arraignment rooms, which the procuratorate books
    /// (issue 26, GUI-2).
    public static let detentionHouse = "330106000102"
    /// The city's agencies, whose nodes connect to the city's hub.
    public static let cityOrganisations = [police, procuratorate, court, justiceBureau, detentionHouse]
    /// The province's, whose nodes connect to the provincial hub (issue 23): the prison.
    public static let provinceOrganisations = [prison]
    public static let organisations = cityOrganisations + provinceOrganisations

    /// One message of the case.
    public struct Step: Sendable {
        public let flow: String
        public let messageType: String
        public let sender: String
        public let receiver: String
        /// The index of the step this one answers.
        public let answers: Int?
        /// Documents: title, and the size of a dossier to attach (0 for a short document).
        public let documents: [(title: String, dossierMegabytes: Int)]
    }

    public static func steps(dossierMegabytes: Int) -> [Step] {
        [
            Step(
                flow: "arrestApproval",
                messageType: "arrestRequest",
                sender: police,
                receiver: procuratorate,
                answers: nil,
                documents: [("提请批准逮捕书", 0), ("侦查卷宗（第1卷）", dossierMegabytes)]
            ),
            Step(
                flow: "arrestApproval",
                messageType: "arrestApprovalDecision",
                sender: procuratorate,
                receiver: police,
                answers: 0,
                documents: [("批准逮捕决定书", 0)]
            ),
            Step(
                flow: "arrestApproval",
                messageType: "arrestExecutionReceipt",
                sender: police,
                receiver: procuratorate,
                answers: 1,
                documents: [("逮捕证执行回执", 0)]
            ),
            Step(
                flow: "prosecutionTransfer",
                messageType: "prosecutionTransfer",
                sender: police,
                receiver: procuratorate,
                answers: nil,
                documents: [("起诉意见书", 0), ("侦查卷宗（第2卷）", dossierMegabytes)]
            ),
            Step(
                flow: "prosecutionTransfer",
                messageType: "prosecutionDecisionNotice",
                sender: procuratorate,
                receiver: police,
                answers: 3,
                documents: [("起诉书（告知）", 0)]
            ),
            Step(
                flow: "firstInstancePublicProsecution",
                messageType: "indictment",
                sender: procuratorate,
                receiver: court,
                answers: nil,
                documents: [("起诉书", 0), ("审查起诉卷宗", dossierMegabytes)]
            ),
            Step(flow: "legalAid", messageType: "legalAidNotice", sender: court, receiver: justiceBureau, answers: nil, documents: [("通知辩护公函", 0)]),
            Step(
                flow: "legalAid",
                messageType: "legalAidReplyLetter",
                sender: justiceBureau,
                receiver: court,
                answers: 6,
                documents: [("指派律师复函", 0)]
            ),
            Step(
                flow: "firstInstancePublicProsecution",
                messageType: "hearingNotice",
                sender: court,
                receiver: procuratorate,
                answers: 5,
                documents: [("出庭通知书", 0)]
            ),
            Step(
                flow: "firstInstancePublicProsecution",
                messageType: "judgmentPronouncement",
                sender: court,
                receiver: procuratorate,
                answers: 5,
                documents: [("刑事判决书", 0)]
            ),
            Step(
                flow: "sentenceExecution",
                messageType: "imprisonmentHandover",
                sender: court,
                receiver: prison,
                answers: nil,
                documents: [("执行通知书", 0), ("刑事判决书", 0)]
            ),
            Step(
                flow: "sentenceExecution",
                messageType: "imprisonmentIntakeReceipt",
                sender: prison,
                receiver: court,
                answers: 10,
                documents: [("收监回执", 0)]
            ),
        ]
    }

    public struct Built: Sendable {
        public let package: CasePackage
        public let xml: [UInt8]
        public let files: [[UInt8]]
        public var sha256: String { ContentHash.sha256(self.xml) }
        public var bytes: Int { self.xml.count + self.files.map(\.count).reduce(0, +) }
    }

    /// The package of a step. `caseCode` is the sender's unified code when the hub has assigned one already;
    /// `related` are the other agencies' codes of the same case; `files`, the documents' bytes where they are given
    /// (a sealed certificate), else made.
    public static func build(
        _ step: Step,
        index: Int,
        run: String,
        registry: OrganisationRegistry,
        catalog: FlowCatalog,
        inReplyTo: String?,
        caseCode: String?,
        related: [String],
        files given: [[UInt8]]? = nil,
        now: Date = Date()
    ) -> Built {
        let sender = registry[step.sender]!
        let receiver = registry[step.receiver]!
        let message = catalog.message(flow: step.flow, type: step.messageType)!
        let day = CalendarDate(chinaDayOf: now).iso
        let created = ISO8601DateFormatter().string(from: now)
        var files: [[UInt8]] = []
        var attachments: [CasePackage.Attachment] = []
        var documents: [CasePackage.Document] = []
        for (number, document) in step.documents.enumerated() {
            let bytes =
                given.flatMap { number < $0.count ? $0[number] : nil }
                ?? (document.dossierMegabytes > 0
                    ? DemoDocuments.dossier(title: document.title, megabytes: document.dossierMegabytes, seed: "\(run)-\(index)")
                    : MinimalPDF.make(lines: ["Xietong demo", message.en, "Document \(number + 1) of step \(index + 1)", run]))
            let id = "a\(number + 1)"
            files.append(bytes)
            attachments.append(
                CasePackage.Attachment(
                    id: id,
                    name: "\(document.title).pdf",
                    mediaType: "application/pdf",
                    size: bytes.count,
                    sha256: ContentHash.sha256(bytes),
                    volume: 1,
                    fileNumber: number + 1,
                    firstPage: 1,
                    pageCount: document.dossierMegabytes > 0 ? max(1, document.dossierMegabytes * 12) : 1,
                    location: "attachments/\(id).pdf"
                )
            )
            documents.append(
                CasePackage.Document(id: "d\(number + 1)", title: document.title, documentNumber: nil, issuedOn: day, attachmentRefs: [id])
            )
        }
        let person = CasePackage.Person(
            id: "p1",
            role: ["sentenceExecution", "legalAid"].contains(step.flow) ? (step.flow == "legalAid" ? "aidedPerson" : "offender") : "suspect",
            name: "张某某",
            idCardNumber: ResidentIDNumber.build(division: "330106", birth: "19900315", order: 123, male: true)?.rawValue,
            gender: "1",
            birthDate: "1990-03-15",
            residence: "330106"
        )
        let charged = step.flow != "legalAid"
        let package = CasePackage(
            standardVersion: "1.3",
            envelope: CasePackage.Envelope(
                packageId: UUID().uuidString.lowercased(),
                idempotencyKey: "\(run)-\(index)",
                flow: step.flow,
                messageType: step.messageType,
                inReplyTo: inReplyTo,
                sender: CasePackage.Party(sender),
                receiver: CasePackage.Party(receiver),
                unifiedCaseCode: caseCode,
                agencyCaseNumber: "\(sender.name.zh.prefix(6))〔\(day.prefix(4))〕\(100 + index)号",
                createdAt: created
            ),
            body: CasePackage.Body(
                caseInfo: CasePackage.CaseInfo(
                    name: "张某某盗窃案",
                    category: "criminal",
                    division: "330106",
                    filedOn: day,
                    involvedAmount: charged ? "32000" : nil,
                    summary: "犯罪嫌疑人张某某多次在西湖区商场盗窃他人财物，价值共计人民币三万余元。",
                    relatedCaseCodes: related
                ),
                persons: [person],
                charges: charged ? [CasePackage.Charge(personRef: "p1", name: "盗窃罪", lawArticle: "刑法第264条")] : [],
                coerciveMeasures: Self.custody(step.flow, since: day),
                // The judgment states its sentence (standard 1.3), so the case is a precedent for later ones (issue 26).
                sentences: step.messageType == "judgmentPronouncement"
                    ? [CasePackage.Sentence(personRef: "p1", penalty: "fixedTermImprisonment", termMonths: 20, fine: "6000")] : [],
                documents: documents
            ),
            attachments: attachments
        )
        return Built(package: package, xml: CasePackageWriter.bytes(package), files: files)
    }

    /// The suspect is detained from the first day, then arrested, and in custody until the prison takes him over:
    /// the time limits of those stages are custody periods, not extended for holidays (CPL 第105条).
    static func custody(_ flow: String, since day: String) -> [CasePackage.CoerciveMeasure] {
        switch flow {
        case "arrestApproval":
            [CasePackage.CoerciveMeasure(personRef: "p1", kind: "criminalDetention", startDate: day, custodyOrganisation: "330106000102")]
        case "prosecutionTransfer", "firstInstancePublicProsecution", "custodyTransfer":
            [CasePackage.CoerciveMeasure(personRef: "p1", kind: "arrest", startDate: day, custodyOrganisation: "330106000102")]
        default: []
        }
    }
}

/// Documents for the demo: real PDFs, with a dossier of several megabytes.
public enum DemoDocuments {
    /// A PDF of about `megabytes` MB: page after page of a scanned-record stand-in.
    public static func dossier(title: String, megabytes: Int, seed: String) -> [UInt8] {
        var lines: [String] = ["Xietong demo dossier", seed]
        var size = 0
        var page = 0
        while size < megabytes << 20 {
            page += 1
            let line = "Page \(page): record of interview, evidence list and seizure inventory, certified copy \(seed) \(page * 7919 % 10007)"
            size += line.utf8.count + 8
            lines.append(line)
        }
        return MinimalPDF.make(lines: lines)
    }
}
