import Foundation
public import XietongCore
public import XietongStore

/// Judged cases for the similar-cases tests (issue 26, SZ-6, GS-6): a case is the procuratorate's indictment and the
/// court's judgment answering it (standard 1.3), from the shipped examples, with the charges, the amount, the
/// defendants, the coercive measures and the sentences a test asks for.
public enum Precedents {
    /// What a generated case is.
    public struct Case: Sendable {
        public var number: Int
        public var charges: [String]
        public var amountYuan: String?
        public var defendants: Int
        public var measures: [String]
        /// Each defendant's sentence: the penalty, the term and the probation in months.
        public var penalty: String
        public var termMonths: Int?
        public var probationMonths: Int?
        public var decidedOn: String

        public init(
            number: Int,
            charges: [String],
            amountYuan: String? = nil,
            defendants: Int = 1,
            measures: [String] = [],
            penalty: String = "fixedTermImprisonment",
            termMonths: Int? = 12,
            probationMonths: Int? = nil,
            decidedOn: String = "2026-11-19"
        ) {
            self.number = number
            self.charges = charges
            self.amountYuan = amountYuan
            self.defendants = defendants
            self.measures = measures
            self.penalty = penalty
            self.termMonths = termMonths
            self.probationMonths = probationMonths
            self.decidedOn = decidedOn
        }

        /// The procuratorate's code of the case, and the court's.
        public var procuratorateCode: String { "2026112012013301060002010" + String(format: "%07d", 1000 + self.number) }
        public var courtCode: String { "2026112013013301060003010" + String(format: "%07d", 1000 + self.number) }
    }

    /// The case's indictment (unjudged: the subject of a similar-cases request) or, with `judged`, its judgment.
    public static func package(_ made: Case, judged: Bool) -> CasePackage {
        let name = judged ? "firstInstancePublicProsecution.judgmentPronouncement" : "firstInstancePublicProsecution.indictment"
        var package = Fixtures.package(name)!
        let tag = "precedent-\(made.number)-\(judged ? "judgment" : "indictment")"
        package.standardVersion = "1.3"
        package.envelope.packageId = ExamplePackages.uuid(tag)
        package.envelope.idempotencyKey = tag
        package.envelope.unifiedCaseCode = judged ? made.courtCode : made.procuratorateCode
        package.envelope.agencyCaseNumber = judged ? "（2026）浙0106刑初\(1000 + made.number)号" : "杭西检刑诉〔2026〕\(1000 + made.number)号"
        if judged { package.envelope.inReplyTo = ExamplePackages.uuid("precedent-\(made.number)-indictment") }
        var body = package.body
        body.caseInfo.name = "第\(made.number)号案"
        body.caseInfo.relatedCaseCodes = judged ? [made.procuratorateCode] : []
        body.caseInfo.involvedAmount = made.amountYuan
        body.caseInfo.keyDates = body.caseInfo.keyDates.map { CasePackage.KeyDate(event: $0.event, date: made.decidedOn) }
        let template = body.persons[0]
        body.persons = (1...made.defendants).map { index in
            CasePackage.Person(id: "p\(index)", role: "defendant", name: "被告人\(made.number)-\(index)", gender: template.gender)
        }
        body.charges = body.persons.flatMap { person in made.charges.map { CasePackage.Charge(personRef: person.id, name: $0) } }
        body.coerciveMeasures = body.persons.flatMap { person in
            made.measures.map { CasePackage.CoerciveMeasure(personRef: person.id, kind: $0, startDate: "2026-10-01") }
        }
        body.sentences =
            judged
            ? body.persons.map {
                CasePackage.Sentence(personRef: $0.id, penalty: made.penalty, termMonths: made.termMonths, probationMonths: made.probationMonths)
            } : []
        body.documents = body.documents.map {
            CasePackage.Document(
                id: $0.id,
                title: $0.title,
                documentNumber: $0.documentNumber,
                issuedOn: made.decidedOn,
                attachmentRefs: $0.attachmentRefs
            )
        }
        package.body = body
        return package
    }

    /// The package as the hub's intake hands it to the store.
    public static func accepted(_ made: Case, judged: Bool) throws -> HubStore.Accepted {
        let bytes = CasePackageWriter.bytes(self.package(made, judged: judged))
        guard let accepted = HubStore.Accepted.checked(bytes) else {
            let findings = Fixtures.check(bytes: bytes, attachments: false).findings.map(\.code.rawValue)
            throw Refused(findings: findings)
        }
        return accepted
    }

    public struct Refused: Error, CustomStringConvertible {
        public let findings: [String]
        public var description: String { "the generated package is refused: \(self.findings)" }
    }
}
