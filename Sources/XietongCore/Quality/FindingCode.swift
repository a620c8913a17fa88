/// A stable, machine-readable finding code. Vendors match on these; they never change meaning.
///
/// The codes are grouped by the stage that reports them: `xml.*` (parsing, hardening), `schema.*` (structure,
/// against the XSD), `codeset.*` (code sets), `consistency.*`, `attachment.*`, `duplicate.*`, `normalise.*`.
/// `docs/protocol.md` lists every code.
public struct FindingCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { self.rawValue }
}

extension FindingCode {
    // Reading and parsing, hardening.
    public static let fileUnreadable = FindingCode(rawValue: "file.unreadable")
    public static let xmlMalformed = FindingCode(rawValue: "xml.malformed")
    public static let xmlTruncated = FindingCode(rawValue: "xml.truncated")
    public static let xmlDoctype = FindingCode(rawValue: "xml.doctype-forbidden")
    public static let xmlEntity = FindingCode(rawValue: "xml.entity-forbidden")
    public static let xmlXInclude = FindingCode(rawValue: "xml.xinclude-forbidden")
    public static let xmlProcessingInstruction = FindingCode(rawValue: "xml.processing-instruction-forbidden")
    public static let xmlLimit = FindingCode(rawValue: "xml.limit-exceeded")
    public static let xmlEncodingUnsupported = FindingCode(rawValue: "xml.encoding-unsupported")
    public static let xmlEncodingMismatch = FindingCode(rawValue: "xml.encoding-mismatch")
    public static let xmlNamespace = FindingCode(rawValue: "xml.namespace")

    // Structure.
    public static let schemaRoot = FindingCode(rawValue: "schema.root")
    public static let schemaVersion = FindingCode(rawValue: "schema.version-unsupported")
    public static let schemaMissingElement = FindingCode(rawValue: "schema.missing-element")
    public static let schemaUnexpectedElement = FindingCode(rawValue: "schema.unexpected-element")
    public static let schemaTooMany = FindingCode(rawValue: "schema.too-many")
    public static let schemaMissingAttribute = FindingCode(rawValue: "schema.missing-attribute")
    public static let schemaUnexpectedAttribute = FindingCode(rawValue: "schema.unexpected-attribute")
    public static let schemaUnexpectedText = FindingCode(rawValue: "schema.unexpected-text")
    public static let schemaEmptyValue = FindingCode(rawValue: "schema.empty-value")
    public static let schemaInvalidValue = FindingCode(rawValue: "schema.invalid-value")

    // Code sets.
    public static let codesetFlow = FindingCode(rawValue: "codeset.flow")
    public static let codesetMessageType = FindingCode(rawValue: "codeset.message-type")
    public static let codesetOrganisation = FindingCode(rawValue: "codeset.organisation")
    public static let codesetAgencyCode = FindingCode(rawValue: "codeset.agency-code")
    public static let codesetGender = FindingCode(rawValue: "codeset.gender")
    public static let codesetDivision = FindingCode(rawValue: "codeset.division")
    public static let codesetEthnicity = FindingCode(rawValue: "codeset.ethnicity")
    public static let idCardChecksum = FindingCode(rawValue: "codeset.id-card-checksum")
    public static let idCardFormat = FindingCode(rawValue: "codeset.id-card-format")
    public static let unifiedCode = FindingCode(rawValue: "codeset.unified-case-code")

    // Consistency.
    public static let senderKind = FindingCode(rawValue: "consistency.sender-kind")
    public static let receiverKind = FindingCode(rawValue: "consistency.receiver-kind")
    public static let sameOrganisation = FindingCode(rawValue: "consistency.same-organisation")
    public static let caseCodeSender = FindingCode(rawValue: "consistency.case-code-sender")
    public static let dateOrder = FindingCode(rawValue: "consistency.date-order")
    public static let idCardMismatch = FindingCode(rawValue: "consistency.id-card-mismatch")
    public static let dangling = FindingCode(rawValue: "consistency.dangling-reference")
    public static let duplicateId = FindingCode(rawValue: "consistency.duplicate-id")
    public static let categoryMismatch = FindingCode(rawValue: "consistency.case-category")
    public static let startsFlow = FindingCode(rawValue: "consistency.reply-without-request")
    public static let limitStartMissing = FindingCode(rawValue: "consistency.limit-start-missing")

    // Attachments (the manifest against the files).
    public static let attachmentMissing = FindingCode(rawValue: "attachment.missing")
    public static let attachmentSize = FindingCode(rawValue: "attachment.size-mismatch")
    public static let attachmentHash = FindingCode(rawValue: "attachment.hash-mismatch")
    public static let attachmentName = FindingCode(rawValue: "attachment.unsafe-name")
    public static let attachmentUnreadable = FindingCode(rawValue: "attachment.unreadable")
    public static let attachmentUnverified = FindingCode(rawValue: "attachment.not-verified")

    // Duplicates.
    public static let duplicatePackage = FindingCode(rawValue: "duplicate.package-id")
    public static let duplicateSimilar = FindingCode(rawValue: "duplicate.similar")

    // The exchange (ZJ-7.2.6 abnormal data).
    public static let expired = FindingCode(rawValue: "exchange.expired")
    public static let contentMismatch = FindingCode(rawValue: "exchange.content-mismatch")
    public static let attachmentUnavailable = FindingCode(rawValue: "exchange.attachment-unavailable")
    /// A package that came over a link to a peer hub (issue 23) from a hub that does not serve its sender, or for a
    /// receiver that hub serves itself.
    public static let wrongLink = FindingCode(rawValue: "exchange.wrong-link")

    // Flows: the package is not a valid next step of its flow instance (GS-2, issue 5).
    public static let flowUnknownReference = FindingCode(rawValue: "flow.unknown-reference")
    public static let flowOtherCase = FindingCode(rawValue: "flow.other-case")
    public static let flowOutOfOrder = FindingCode(rawValue: "flow.out-of-order")
    public static let flowNotAParty = FindingCode(rawValue: "flow.not-a-party")
    public static let flowClosed = FindingCode(rawValue: "flow.closed")
    /// The message may occur only so many times in a flow instance (CPL 第175条第3款: 补充侦查以二次为限).
    public static let flowLimitReached = FindingCode(rawValue: "flow.limit-reached")

    // Trust (issue 6): the sending node's signature over the package and its attachments' hashes.
    public static let signatureMissing = FindingCode(rawValue: "signature.missing")
    public static let signatureInvalid = FindingCode(rawValue: "signature.invalid")

    // Custody exchange in batches (6.1.4, SZ-2): a receipt per person.
    public static let custodyNoPerson = FindingCode(rawValue: "custody.no-person")
    public static let custodyNotInBatch = FindingCode(rawValue: "custody.not-in-batch")
    public static let custodyAlreadyReceipted = FindingCode(rawValue: "custody.already-receipted")

    // Normalisation.
    public static let normaliseWidth = FindingCode(rawValue: "normalise.full-width")
    public static let normaliseWhitespace = FindingCode(rawValue: "normalise.whitespace")
    public static let normaliseDate = FindingCode(rawValue: "normalise.date")

    /// Every code, in the order of `docs/protocol.md`.
    public static let all: [FindingCode] = [
        .fileUnreadable,
        .xmlMalformed,
        .xmlTruncated,
        .xmlDoctype,
        .xmlEntity,
        .xmlXInclude,
        .xmlProcessingInstruction,
        .xmlLimit,
        .xmlEncodingUnsupported,
        .xmlEncodingMismatch,
        .xmlNamespace,
        .schemaRoot,
        .schemaVersion,
        .schemaMissingElement,
        .schemaUnexpectedElement,
        .schemaTooMany,
        .schemaMissingAttribute,
        .schemaUnexpectedAttribute,
        .schemaUnexpectedText,
        .schemaEmptyValue,
        .schemaInvalidValue,
        .codesetFlow,
        .codesetMessageType,
        .codesetOrganisation,
        .codesetAgencyCode,
        .codesetGender,
        .codesetDivision,
        .codesetEthnicity,
        .idCardChecksum,
        .idCardFormat,
        .unifiedCode,
        .senderKind,
        .receiverKind,
        .sameOrganisation,
        .caseCodeSender,
        .dateOrder,
        .idCardMismatch,
        .dangling,
        .duplicateId,
        .categoryMismatch,
        .startsFlow,
        .attachmentMissing,
        .attachmentSize,
        .attachmentHash,
        .attachmentName,
        .attachmentUnreadable,
        .attachmentUnverified,
        .duplicatePackage,
        .duplicateSimilar,
        .expired,
        .contentMismatch,
        .attachmentUnavailable,
        .wrongLink,
        .flowUnknownReference,
        .flowOtherCase,
        .flowOutOfOrder,
        .flowNotAParty,
        .flowClosed,
        .flowLimitReached,
        .signatureMissing,
        .signatureInvalid,
        .custodyNoPerson,
        .custodyNotInBatch,
        .custodyAlreadyReceipted,
        .normaliseWidth,
        .normaliseWhitespace,
        .normaliseDate,
    ]
}
