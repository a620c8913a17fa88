import Foundation
import NIOHTTP1

// Sealed documents through a node (issue 26, SZ-2): what a business system calls to have its custody certificates made
// and sealed, to read one, and to check a document's seals.
extension NodeAPIClient {
    /// `POST /api/v1/documents/custody-certificates`: one sealed certificate per detainee of the custody exchange `xml`.
    public func sealCustodyCertificates(_ xml: [UInt8]) async throws -> Reply {
        try await self.request(.POST, "/api/v1/documents/custody-certificates", body: xml, headers: [("Content-Type", "application/xml")])
    }

    /// `POST /api/v1/documents/arraignment-certificates`: the sealed arraignment certificate (提讯证) of a booking this
    /// organisation made and the detention house confirmed.
    public func issueArraignmentCertificate(bookingId: String) async throws -> Reply {
        try await self.request(
            .POST,
            "/api/v1/documents/arraignment-certificates",
            body: Array(#"{"bookingId": "\#(bookingId)"}"#.utf8),
            headers: [("Content-Type", "application/json")]
        )
    }

    /// `GET /api/v1/documents/{sha256}`: a sealed document, as PDF.
    public func document(_ sha256: String) async throws -> Reply {
        try await self.request(.GET, "/api/v1/documents/\(sha256)")
    }

    /// `GET /api/v1/documents/{sha256}/seals`: its seals, checked against the platform CA.
    public func documentSeals(_ sha256: String) async throws -> Reply {
        try await self.request(.GET, "/api/v1/documents/\(sha256)/seals")
    }
}
