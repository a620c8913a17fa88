import Foundation
import Hummingbird
import XietongCore
import XietongDocuments
import XietongHTTP
import XietongStore
import XietongTrust

// Sealed documents (issue 26, SZ-2): the custody certificates (换押证) of a custody exchange, one per detainee, made
// as PDF from the package the business system sends and signed with this organisation's seal key, in one call; kept
// as attachments of the node, so that the next package can carry them; their seals checked against the platform CA.
extension NodeController {
    func addDocumentRoutes(to api: RouterGroup<PeerRequestContext>) {
        api.post("/documents/custody-certificates") { request, context in
            try self.engine.reserve.check()
            return try await self.sealCustodyCertificates(request, context)
        }
        // The arraignment certificate (提讯证) of a confirmed booking, issued and sealed by the booker.
        api.post("/documents/arraignment-certificates") { request, context in
            try self.engine.reserve.check()
            return try await self.issueArraignmentCertificate(request, context)
        }
        // Standard documents from templates (issue 26, SZ-6): the list, and one made from a package.
        api.get("/documents/templates") { _, _ in
            HTTPJSON.response(try self.engine.configuration.templates().templates)
        }
        api.post("/documents/templates/:id") { request, context in
            try self.engine.reserve.check()
            return try await self.generate(request, template: context.parameters.get("id") ?? "", context)
        }
        api.get("/documents/:sha256") { _, context in
            let sha256 = context.parameters.get("sha256") ?? ""
            try await self.logRead(context, "document.read", sha256)
            return try self.document(sha256)
        }
        api.get("/documents/:sha256/seals") { _, context in
            let sha256 = context.parameters.get("sha256") ?? ""
            try await self.logRead(context, "document.seals", sha256)
            return HTTPJSON.response(try await self.seals(of: sha256))
        }
    }

    /// A sealed document as the node keeps it.
    struct SealedDocument: Codable {
        var name: String
        var person: String
        var personKey: String
        var sha256: String
        var size: Int
        var signer: String
    }

    static func documentError(_ error: DocumentError) -> APIError {
        switch error.code {
        case .noSealKey: APIError(.documentNoSealKey, zh: error.message.zh, en: error.message.en)
        case .toolMissing: APIError(.documentToolMissing, zh: error.message.zh, en: error.message.en)
        case .unencodable: APIError(.documentInvalid, zh: error.message.zh, en: error.message.en)
        case .write, .sign, .verify: APIError(.documentFailed, zh: error.message.zh, en: error.message.en)
        }
    }

    /// The signer of this organisation: its key and seal certificate from the platform PKI.
    func documentSigner() throws -> DocumentSigner {
        guard let tls = self.engine.configuration.tls else {
            throw APIError(
                .documentNoSealKey,
                zh: "本节点未配置平台证书（tls），没有签章密钥",
                en: "this node has no platform certificate (tls), so no seal key"
            )
        }
        do {
            return try DocumentSigner(
                key: URL(fileURLWithPath: tls.key),
                certificate: DocumentSigner.sealCertificate(besides: URL(fileURLWithPath: tls.certificate))
            )
        } catch {
            throw Self.documentError(error)
        }
    }

    func sealCustodyCertificates(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let package = try await self.ownPackage(request)
        let certificates = CustodyCertificate.certificates(of: package, registry: self.engine.checker.registry, issuedOn: self.engine.clock.today)
        guard !certificates.isEmpty else {
            throw APIError(
                .documentInvalid,
                zh: "换押证由换押类数据包（\(CustodyCertificate.messageTypes.sorted().joined(separator: "、"))）及其被羁押人生成",
                en:
                    "custody certificates are made from a custody exchange (\(CustodyCertificate.messageTypes.sorted().joined(separator: ", "))) naming its detainees"
            )
        }
        try await self.logRead(context, "document.seal", package.envelope.packageId)
        let signer = try self.documentSigner()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-seal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var documents: [SealedDocument] = []
        do {
            try DocumentFolder.make(folder)
            // Every certificate made and sealed first: a failure stores none of them.
            let sealedFiles = try await DocumentWork.run { [certificates] in
                var files: [URL] = []
                for (index, certificate) in certificates.enumerated() {
                    let plain = folder.appendingPathComponent("\(index).pdf")
                    let sealed = folder.appendingPathComponent("\(index)-sealed.pdf")
                    try CustodyCertificatePDF.write(certificate, to: plain)
                    try signer.sign(plain, into: sealed, reason: "换押证 custody certificate \(certificate.personName)")
                    files.append(sealed)
                }
                return files
            }
            for (certificate, sealed) in zip(certificates, sealedFiles) {
                let bytes = Array(try Data(contentsOf: sealed))
                let sha256 = try await self.engine.blobs.write(bytes)
                documents.append(
                    SealedDocument(
                        name: certificate.fileName,
                        person: certificate.personName,
                        personKey: certificate.personKey,
                        sha256: sha256,
                        size: bytes.count,
                        signer: certificate.issuer
                    )
                )
            }
        } catch let error as DocumentError {
            throw Self.documentError(error)
        }
        return HTTPJSON.response(["documents": documents], status: .created)
    }

    /// The arraignment certificate (提讯证) of the booking `{"bookingId": …}`: the booking read from the hub (which
    /// answers for its sides only), checked by Core (`Booking.certificate`: this organisation booked it, the house
    /// confirmed it), laid out, sealed with this organisation's key and kept as an attachment, as custody certificates
    /// are.
    func issueArraignmentCertificate(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        struct Asked: Decodable { var bookingId: String }
        let body = try await request.body.collect(upTo: 4096)
        guard let asked = try? JSONDecoder().decode(Asked.self, from: Data(body.readableBytesView)), UUID(uuidString: asked.bookingId) != nil else {
            throw APIError(
                .bookingInvalid,
                zh: "请求正文应为 {\"bookingId\": 预约编号（UUID）}",
                en: "the body must be {\"bookingId\": the booking's id (a UUID)}"
            )
        }
        let hub = self.engine.hub
        let reply: (status: Int, body: [UInt8])
        do {
            reply = try await hub.arraignment("bookings/\(asked.bookingId)", body: nil)
        } catch {
            throw APIError(.hubUnreachable, zh: "无法连接平台中心", en: "the hub cannot be reached: \(error.message)")
        }
        guard reply.status == 200, let booking = try? JSONDecoder().decode(Booking.self, from: Data(reply.body)) else {
            // The hub's own refusal (no such booking, not a side of it), as it came.
            return Response(
                status: .init(code: reply.status == 200 ? 502 : reply.status),
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: reply.body))
            )
        }
        struct Rooms: Decodable {
            struct House: Decodable { var rooms: [ArraignmentRoom] }
            var houses: [House]
        }
        let rooms = try? await hub.arraignment("rooms?house=\(booking.request.house)", body: nil)
        let roomName = rooms.flatMap { try? JSONDecoder().decode(Rooms.self, from: Data($0.body)) }?
            .houses.flatMap(\.rooms).first { $0.roomId == booking.request.roomId }?.name
        let document: FilledDocument
        do throws(Arraignment.Problem) {
            document = try booking.certificate(
                by: self.engine.configuration.organisation,
                registry: self.engine.checker.registry,
                roomName: roomName,
                today: CalendarDate(chinaDayOf: self.engine.clock.now())
            )
        } catch {
            throw APIError(error.code == .state ? .bookingState : .bookingNotAllowed, error)
        }
        try await self.logRead(context, "document.arraignment-certificate", asked.bookingId)
        let (sha256, size) = try await self.keep(
            document,
            sealedBy: try self.documentSigner(),
            reason: "提讯证 arraignment certificate \(booking.request.detainee.name)"
        )
        struct Issued: Encodable {
            var name: String
            var bookingId: String
            var sha256: String
            var size: Int
            var signer: String
        }
        return HTTPJSON.response(
            Issued(name: "提讯证-\(booking.request.detainee.name).pdf", bookingId: asked.bookingId, sha256: sha256, size: size, signer: document.issuer),
            status: .created
        )
    }

    /// Lays `document` out as PDF, seals it with `signer` where there is one, and keeps it as an attachment of the
    /// node: its SHA-256 and size. Nothing is kept when a step fails.
    func keep(_ document: FilledDocument, sealedBy signer: DocumentSigner?, reason: String) async throws -> (sha256: String, size: Int) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-document-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try DocumentFolder.make(folder)
            let plain = folder.appendingPathComponent("plain.pdf")
            let file = signer == nil ? plain : folder.appendingPathComponent("sealed.pdf")
            try await DocumentWork.run {
                try FilledDocumentPDF.write(document, to: plain)
                try signer?.sign(plain, into: file, reason: reason)
            }
            let bytes = Array(try Data(contentsOf: file))
            return (try await self.engine.blobs.write(bytes), bytes.count)
        } catch let error as DocumentError {
            throw Self.documentError(error)
        }
    }

    /// The package of the request: one this organisation sends (its seal, its documents).
    func ownPackage(_ request: Request) async throws -> CasePackage {
        let body = try await request.body.collect(upTo: Self.maxPackageBytes)
        let report = OutboundCheck(checker: self.engine.checker, organisation: self.engine.configuration.organisation)
            .check(Array(body.readableBytesView), attachments: nil, now: self.engine.clock.now())
        guard let package = report.package else {
            throw APIError(
                .documentInvalid,
                zh: "请求正文应为本机关发出的案件数据包：\(report.findings.prefix(3).map(\.message.zh).joined(separator: "；"))",
                en:
                    "the body must be a case data package this organisation sends: \(report.findings.prefix(3).map(\.message.en).joined(separator: "; "))"
            )
        }
        guard package.envelope.sender.organisationCode == self.engine.configuration.organisation else {
            throw APIError(
                .documentInvalid,
                zh: "本节点只能为机构 \(self.engine.configuration.organisation) 出具文书",
                en: "this node issues documents for the organisation \(self.engine.configuration.organisation) only"
            )
        }
        return package
    }

    /// A standard document made from the package with the template `id`, sealed where the node has a seal key.
    func generate(_ request: Request, template id: String, _ context: PeerRequestContext) async throws -> Response {
        let templates = try self.engine.configuration.templates()
        guard let template = templates[id] else {
            throw APIError(
                .documentNotFound,
                zh: "没有文书模板“\(id)”，可用：\(templates.templates.map(\.id).joined(separator: "、"))",
                en: "no document template '\(id)'; the templates are \(templates.templates.map(\.id).joined(separator: ", "))"
            )
        }
        let package = try await self.ownPackage(request)
        guard let filled = FilledDocument.fill(template, from: package, registry: self.engine.checker.registry, today: self.engine.clock.today) else {
            throw APIError(
                .documentInvalid,
                zh:
                    "模板“\(template.title)”由 \(template.flow)/\(template.messageType) 数据包生成，而请求为 \(package.envelope.flow)/\(package.envelope.messageType)",
                en:
                    "template '\(template.id)' is made from a \(template.flow)/\(template.messageType) package, not \(package.envelope.flow)/\(package.envelope.messageType)"
            )
        }
        try await self.logRead(context, "document.generate", "\(template.id) \(package.envelope.packageId)")
        // Sealed with the organisation's key where the node has one; otherwise the document is made unsealed.
        let signer = self.engine.configuration.tls == nil ? nil : try self.documentSigner()
        let (sha256, size) = try await self.keep(filled, sealedBy: signer, reason: filled.title)
        struct Generated: Encodable {
            var name: String
            var template: String
            var sha256: String
            var size: Int
            var sealed: Bool
            var signer: String?
        }
        return HTTPJSON.response(
            Generated(
                name: filled.fileName,
                template: template.id,
                sha256: sha256,
                size: size,
                sealed: signer != nil,
                signer: signer == nil ? nil : filled.issuer
            ),
            status: .created
        )
    }

    func document(_ sha256: String) throws -> Response {
        guard BlobStore.isSHA256(sha256), let size = self.engine.blobs.size(sha256), size > 0,
            let data = FileManager.default.contents(atPath: self.engine.blobs.url(sha256).path), data.starts(with: Array("%PDF".utf8))
        else {
            throw APIError(.documentNotFound, zh: "没有该文书", en: "no such document")
        }
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/pdf"
        return response
    }

    /// The seals of a kept document, checked by pdfsig against the platform CA (and any linked platform's).
    func seals(of sha256: String) async throws -> [SealCheck] {
        _ = try self.document(sha256)
        do {
            guard let checks = try await self.engine.seals.check(self.engine.blobs.url(sha256), engine: self.engine) else {
                throw APIError(.documentNoSealKey, zh: "本节点未配置平台证书（tls），无法验章", en: "this node has no platform CA (tls) to check seals against")
            }
            return checks
        } catch let error as DocumentError {
            throw Self.documentError(error)
        }
    }
}
