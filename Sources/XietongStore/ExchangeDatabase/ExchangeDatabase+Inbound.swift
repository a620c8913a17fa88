public import XietongCore

// Inbound: packages delivered to the agency, as the XML, their files, and their structured data unpacked into rows
// (ZJ-7.1.2.2.1), so that the receiving system reads rows, not XML.
extension ExchangeDatabase {
    /// A file of a delivered package: its bytes when within the inline limit, else only where to fetch it.
    public struct InboundFile: Sendable {
        public var attachmentId: String
        public var name: String
        public var mediaType: String
        public var size: Int
        public var sha256: String
        public var content: [UInt8]?
        public var nodePath: String

        public init(attachmentId: String, name: String, mediaType: String, size: Int, sha256: String, content: [UInt8]?, nodePath: String) {
            self.attachmentId = attachmentId
            self.name = name
            self.mediaType = mediaType
            self.size = size
            self.sha256 = sha256
            self.content = content
            self.nodePath = nodePath
        }
    }

    /// Writes a delivered package, its files and its structured data in one transaction. Exactly once: a package
    /// written before (the node was stopped before it recorded the delivery) is left as it is, and answered false.
    public func deliver(
        _ delivery: Delivery,
        seq: Int,
        receivedAt: String,
        xml: [UInt8],
        package: CasePackage?,
        files: [InboundFile]
    ) async throws -> Bool {
        try await self.database.transaction { transaction in
            let inserted = try await transaction.execute(
                """
                INSERT INTO \(ExchangeDatabaseLayout.inbound) (package_id, seq, unified_case_code, sender, flow, message_type, received_at,
                    package_xml)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (package_id) DO NOTHING RETURNING package_id
                """,
                [
                    .text(delivery.packageId), .integer(seq), .text(delivery.unifiedCaseCode), .text(delivery.sender), .text(delivery.flow),
                    .text(delivery.messageType), .text(receivedAt), .text(String(decoding: xml, as: UTF8.self)),
                ]
            )
            guard !inserted.isEmpty else { return false }
            for file in files {
                try await transaction.execute(
                    """
                    INSERT INTO \(ExchangeDatabaseLayout.inboundAttachments) (package_id, attachment_id, name, media_type, size, sha256,
                        content, node_path)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
                    """,
                    [
                        .text(delivery.packageId), .text(file.attachmentId), .text(file.name), .text(file.mediaType), .integer(file.size),
                        .text(file.sha256.lowercased()), file.content.map { .blob($0) } ?? .null,
                        .text(file.nodePath),
                    ]
                )
            }
            if let package { try await Self.unpack(package, unifiedCaseCode: delivery.unifiedCaseCode, in: transaction) }
            return true
        }
    }

    static func unpack(_ package: CasePackage, unifiedCaseCode: String, in transaction: any SQLTransaction) async throws {
        let id = SQLValue.text(package.envelope.packageId)
        let info = package.body.caseInfo
        try await transaction.execute(
            """
            INSERT INTO \(ExchangeDatabaseLayout.inboundCases) (package_id, unified_case_code, agency_case_number, case_name, category,
                division, filed_on, procedure, summary, remarks)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING
            """,
            [
                id, .text(unifiedCaseCode), .text(package.envelope.agencyCaseNumber), .text(info.name), .text(info.category),
                .text(info.division), .optional(info.filedOn), .optional(info.procedure), .optional(info.summary),
                .optional(package.body.remarks),
            ]
        )
        for person in package.body.persons {
            try await transaction.execute(
                """
                INSERT INTO \(ExchangeDatabaseLayout.inboundPersons) (package_id, person_id, role, name, id_card_number, gender, birth_date,
                    ethnicity, residence)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING
                """,
                [
                    id, .text(person.id), .text(person.role), .text(person.name), .optional(person.idCardNumber), .text(person.gender),
                    .optional(person.birthDate), .optional(person.ethnicity), .optional(person.residence),
                ]
            )
        }
        for (index, charge) in package.body.charges.enumerated() {
            try await transaction.execute(
                "INSERT INTO \(ExchangeDatabaseLayout.inboundCharges) (package_id, ordinal, person_id, name, law_article) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                [id, .integer(index + 1), .text(charge.personRef), .text(charge.name), .optional(charge.lawArticle)]
            )
        }
        for (index, measure) in package.body.coerciveMeasures.enumerated() {
            try await transaction.execute(
                """
                INSERT INTO \(ExchangeDatabaseLayout.inboundMeasures) (package_id, ordinal, person_id, kind, start_date, end_date,
                    custody_organisation)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
                """,
                [
                    id, .integer(index + 1), .text(measure.personRef), .text(measure.kind), .text(measure.startDate), .optional(measure.endDate),
                    .optional(measure.custodyOrganisation),
                ]
            )
        }
        for document in package.body.documents {
            try await transaction.execute(
                """
                INSERT INTO \(ExchangeDatabaseLayout.inboundDocuments) (package_id, document_id, title, document_number, issued_on, attachment_ids)
                VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
                """,
                [
                    id, .text(document.id), .text(document.title), .optional(document.documentNumber), .text(document.issuedOn),
                    .text(document.attachmentRefs.joined(separator: ",")),
                ]
            )
        }
    }

    /// Which of these packages `xt_inbound` holds.
    public func heldInbound(_ packageIds: [String]) async throws(StoreError) -> Set<String> {
        guard !packageIds.isEmpty else { return [] }
        let placeholders = packageIds.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        return Set(
            try await self.database.execute(
                "SELECT package_id FROM \(ExchangeDatabaseLayout.inbound) WHERE package_id IN (\(placeholders))",
                packageIds.map { .text($0) }
            ).compactMap { $0.string("package_id") }
        )
    }

    /// Delivered packages the business system marked taken whose sign-for the node has not reported yet.
    public func taken(limit: Int = 100) async throws(StoreError) -> [String] {
        try await self.database.execute(
            """
            SELECT package_id FROM \(ExchangeDatabaseLayout.inbound) WHERE taken_at IS NOT NULL AND signed_reported_at IS NULL
            ORDER BY seq LIMIT $1
            """,
            [.integer(limit)]
        ).compactMap { $0.string("package_id") }
    }

    public func markSignedReported(_ packageId: String, at now: String) async throws(StoreError) {
        try await self.database.execute(
            "UPDATE \(ExchangeDatabaseLayout.inbound) SET signed_reported_at = $1 WHERE package_id = $2 AND signed_reported_at IS NULL",
            [.text(now), .text(packageId)]
        )
    }
}
