import Foundation
import XietongCore

// The package's structured data in relational tables (ZJ-7.1.2.2): the case codes it is found by, its persons, its
// documents and its attachments' dossier positions, written with the package in the acceptance's transaction.
extension HubStore {
    static func insertStructuredData(
        of package: CasePackage,
        key: String,
        caseCodes: Set<String>,
        in transaction: any SQLTransaction
    ) async throws {
        let envelope = package.envelope
        for code in caseCodes.sorted() {
            try await transaction.write(
                "INSERT INTO case_links (case_code, package_key, package_id) VALUES ($1, $2, $3) ON CONFLICT (case_code, package_key) DO NOTHING",
                [.text(code), .text(key), .text(envelope.packageId)]
            )
        }
        for person in package.body.persons {
            try await transaction.write(
                """
                INSERT INTO package_persons (package_id, person_id, role, name, id_card_number, gender, birth_date, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [
                    .text(envelope.packageId), .text(person.id), .text(person.role), .text(person.name), .optional(person.idCardNumber),
                    .text(person.gender), .optional(person.birthDate), .text(key),
                ]
            )
        }
        for document in package.body.documents {
            try await transaction.write(
                """
                INSERT INTO package_documents (package_key, package_id, document_id, title, document_number, issued_on)
                VALUES ($1, $2, $3, $4, $5, $6)
                """,
                [
                    .text(key), .text(envelope.packageId), .text(document.id), .text(document.title),
                    .optional(document.documentNumber), .text(document.issuedOn),
                ]
            )
        }
        for attachment in package.attachments {
            try await transaction.write(
                """
                INSERT INTO package_attachments (package_id, attachment_id, name, media_type, size, sha256, volume, file_number,
                    first_page, page_count, package_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """,
                [
                    .text(envelope.packageId), .text(attachment.id), .text(attachment.name), .text(attachment.mediaType),
                    .integer(attachment.size), .text(attachment.sha256.lowercased()), .optional(attachment.volume),
                    .optional(attachment.fileNumber), .optional(attachment.firstPage), .optional(attachment.pageCount), .text(key),
                ]
            )
        }
    }
}
