/// A case data package (案件数据包): envelope, structured case data, and the manifest of its attachments
/// (ZJ-7.1.2.2). The XML form is defined by `docs/schema/case-package-X.Y.xsd` and described in `docs/protocol.md`.
public struct CasePackage: Sendable, Hashable {
    public static let namespace = "urn:xietong:case-package:1"

    public var standardVersion: String
    public var envelope: Envelope
    public var body: Body
    public var attachments: [Attachment]

    public init(standardVersion: String = "1.0", envelope: Envelope, body: Body, attachments: [Attachment] = []) {
        self.standardVersion = standardVersion
        self.envelope = envelope
        self.body = body
        self.attachments = attachments
    }

    /// Who sends or receives: an organisation and its collaborating-agency code.
    public struct Party: Sendable, Hashable {
        public var organisationCode: String
        public var agencyCode: String

        public init(organisationCode: String, agencyCode: String) {
            self.organisationCode = organisationCode
            self.agencyCode = agencyCode
        }

        public init(_ organisation: Organisation) {
            self.init(organisationCode: organisation.code, agencyCode: organisation.agencyCode)
        }
    }

    public struct Envelope: Sendable, Hashable {
        /// A UUID chosen by the sender; the platform's identity for the package.
        public var packageId: String
        /// The sender's key for "this send": the same key sent again is answered with the original receipt (GZ-7).
        public var idempotencyKey: String
        public var flow: String
        public var messageType: String
        /// The package id of the message this one answers.
        public var inReplyTo: String?
        public var sender: Party
        public var receiver: Party
        /// The sender's unified case code (ZJ-7.1.1); assigned by the hub when absent.
        public var unifiedCaseCode: String?
        /// The sending agency's own case number (案号).
        public var agencyCaseNumber: String
        /// ISO 8601 date-time with zone.
        public var createdAt: String

        public init(
            packageId: String,
            idempotencyKey: String,
            flow: String,
            messageType: String,
            inReplyTo: String? = nil,
            sender: Party,
            receiver: Party,
            unifiedCaseCode: String? = nil,
            agencyCaseNumber: String,
            createdAt: String
        ) {
            self.packageId = packageId
            self.idempotencyKey = idempotencyKey
            self.flow = flow
            self.messageType = messageType
            self.inReplyTo = inReplyTo
            self.sender = sender
            self.receiver = receiver
            self.unifiedCaseCode = unifiedCaseCode
            self.agencyCaseNumber = agencyCaseNumber
            self.createdAt = createdAt
        }
    }

    public struct Body: Sendable, Hashable {
        public var caseInfo: CaseInfo
        public var persons: [Person]
        public var charges: [Charge]
        public var coerciveMeasures: [CoerciveMeasure]
        /// The penalties a judgment decides (standard 1.3; issue 26).
        public var sentences: [Sentence]
        public var documents: [Document]
        public var remarks: String?

        public init(
            caseInfo: CaseInfo,
            persons: [Person] = [],
            charges: [Charge] = [],
            coerciveMeasures: [CoerciveMeasure] = [],
            sentences: [Sentence] = [],
            documents: [Document] = [],
            remarks: String? = nil
        ) {
            self.caseInfo = caseInfo
            self.persons = persons
            self.charges = charges
            self.coerciveMeasures = coerciveMeasures
            self.sentences = sentences
            self.documents = documents
            self.remarks = remarks
        }
    }

    public struct CaseInfo: Sendable, Hashable {
        public var name: String
        public var category: String
        /// GB/T 2260 division where the case is handled.
        public var division: String
        public var filedOn: String?
        /// `ordinary`, `summary` or `fastTrack` (standard 1.2); nil for the ordinary procedure.
        public var procedure: String?
        /// The days the sender's own time limits count from (standard 1.2; issue 20).
        public var keyDates: [KeyDate]
        /// The amount the case involves (涉案金额), in yuan with at most two decimals (standard 1.3; issue 26).
        public var involvedAmount: String?
        public var summary: String?
        /// Unified codes of the same case at other agencies.
        public var relatedCaseCodes: [String]

        public init(
            name: String,
            category: String,
            division: String,
            filedOn: String? = nil,
            procedure: String? = nil,
            keyDates: [KeyDate] = [],
            involvedAmount: String? = nil,
            summary: String? = nil,
            relatedCaseCodes: [String] = []
        ) {
            self.name = name
            self.category = category
            self.division = division
            self.filedOn = filedOn
            self.procedure = procedure
            self.keyDates = keyDates
            self.involvedAmount = involvedAmount
            self.summary = summary
            self.relatedCaseCodes = relatedCaseCodes
        }

        /// The day of `event` the package states, if any.
        public func keyDate(_ event: String) -> String? {
            self.keyDates.first { $0.event == event }?.date
        }
    }

    /// A day a sender limit counts from: `detention` (the day of 拘留), `hearing`, `pronouncement`, `effective` (the
    /// day a judgment took effect) …, and `limitExtendedTo`, the last day an approved extension gave the sender
    /// (刑事诉讼法第91条第1-2款). The events are those of the catalog's sender limits (`TimeLimit.start`).
    public struct KeyDate: Sendable, Hashable {
        public var event: String
        public var date: String

        /// The events that lie ahead of the package: the hearing it gives notice of, the last day of an extension.
        public static let ahead: Set<String> = ["hearing", "limitExtendedTo"]

        public init(event: String, date: String) {
            self.event = event
            self.date = date
        }
    }

    public struct Person: Sendable, Hashable {
        public var id: String
        public var role: String
        public var name: String
        public var idCardNumber: String?
        /// GB/T 2261.1.
        public var gender: String
        public var birthDate: String?
        /// GB/T 3304; standard version 1.1 and later.
        public var ethnicity: String?
        public var residence: String?

        public init(
            id: String,
            role: String,
            name: String,
            idCardNumber: String? = nil,
            gender: String,
            birthDate: String? = nil,
            ethnicity: String? = nil,
            residence: String? = nil
        ) {
            self.id = id
            self.role = role
            self.name = name
            self.idCardNumber = idCardNumber
            self.gender = gender
            self.birthDate = birthDate
            self.ethnicity = ethnicity
            self.residence = residence
        }
    }

    public struct Charge: Sendable, Hashable {
        public var personRef: String
        public var name: String
        public var lawArticle: String?

        public init(personRef: String, name: String, lawArticle: String? = nil) {
            self.personRef = personRef
            self.name = name
            self.lawArticle = lawArticle
        }
    }

    public struct CoerciveMeasure: Sendable, Hashable {
        public var personRef: String
        public var kind: String
        public var startDate: String
        public var endDate: String?
        /// The detention house holding the person.
        public var custodyOrganisation: String?

        public init(personRef: String, kind: String, startDate: String, endDate: String? = nil, custodyOrganisation: String? = nil) {
            self.personRef = personRef
            self.kind = kind
            self.startDate = startDate
            self.endDate = endDate
            self.custodyOrganisation = custodyOrganisation
        }
    }

    /// The penalty a judgment decides for one person (决定执行的刑罚; standard 1.3, issue 26): the principal penalty
    /// (`publicSurveillance` 管制, `criminalDetention` 拘役, `fixedTermImprisonment` 有期徒刑, `lifeImprisonment`,
    /// `deathWithReprieve`, `death`; 刑法第33条), or a fine alone (`fineOnly`, 第34条), or none (`exemption`, 第37条),
    /// with the term in months, the probation (缓刑考验期) in months and the fine in yuan.
    public struct Sentence: Sendable, Hashable {
        public var personRef: String
        public var penalty: String
        public var termMonths: Int?
        public var probationMonths: Int?
        public var fine: String?

        public init(personRef: String, penalty: String, termMonths: Int? = nil, probationMonths: Int? = nil, fine: String? = nil) {
            self.personRef = personRef
            self.penalty = penalty
            self.termMonths = termMonths
            self.probationMonths = probationMonths
            self.fine = fine
        }
    }

    public struct Document: Sendable, Hashable {
        public var id: String
        public var title: String
        public var documentNumber: String?
        public var issuedOn: String
        public var attachmentRefs: [String]

        public init(id: String, title: String, documentNumber: String? = nil, issuedOn: String, attachmentRefs: [String] = []) {
            self.id = id
            self.title = title
            self.documentNumber = documentNumber
            self.issuedOn = issuedOn
            self.attachmentRefs = attachmentRefs
        }
    }

    /// An entry of the attachments manifest (ZJ-7.1.2.2).
    public struct Attachment: Sendable, Hashable {
        public var id: String
        public var name: String
        public var mediaType: String
        public var size: Int
        /// Lower-case hex SHA-256 of the file's bytes.
        public var sha256: String
        /// Dossier position: volume, file within the volume, first page and page count (ZJ-7.1.1).
        public var volume: Int?
        public var fileNumber: Int?
        public var firstPage: Int?
        public var pageCount: Int?
        /// A URL, or a reference relative to the package (`attachments/…`).
        public var location: String

        public init(
            id: String,
            name: String,
            mediaType: String,
            size: Int,
            sha256: String,
            volume: Int? = nil,
            fileNumber: Int? = nil,
            firstPage: Int? = nil,
            pageCount: Int? = nil,
            location: String
        ) {
            self.id = id
            self.name = name
            self.mediaType = mediaType
            self.size = size
            self.sha256 = sha256
            self.volume = volume
            self.fileNumber = fileNumber
            self.firstPage = firstPage
            self.pageCount = pageCount
            self.location = location
        }
    }
}
