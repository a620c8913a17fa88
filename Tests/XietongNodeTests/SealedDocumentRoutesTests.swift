import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XietongCore
import XietongHTTP
import XietongNode
import XietongProcess
import XietongStore
import XietongTesting
import XietongTrust

@testable import XietongDocuments

/// E-sealed custody certificates at a node (issue 26, SZ-2): the police's business system sends its custody exchange
/// of three suspects; the node makes each one's 换押证 as PDF and seals it with the police's key from the platform PKI,
/// in one call. Debian's pdfsig, run here on its own against the platform CA, accepts all three; a copy changed after
/// signing fails; the node's own check says the same.
@Suite(.serialized) struct SealedDocumentRoutesTests {
    static let police = "330106000101"
    static let apiKey = "police-business-key-documents"
    static let house = "330106000102"

    static func post(_ uri: String, _ body: [UInt8], with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(
            uri: uri,
            method: .post,
            headers: [.authorization: BearerToken.header(Self.apiKey), .contentType: "application/xml"],
            body: ByteBuffer(bytes: body)
        )
    }

    /// pdfsig's report on `pdf`, trusting the CA at `ca` (an NSS database of the test's own, made with certutil).
    static func pdfsig(_ pdf: URL, trusting ca: URL, in directory: TemporaryDirectory) async throws -> String {
        let database = directory.url.appendingPathComponent("nss-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: database, withIntermediateDirectories: true)
        _ = try await Self.run("/usr/bin/certutil", ["-N", "-d", "sql:" + database.path, "--empty-password"])
        _ = try await Self.run("/usr/bin/certutil", ["-A", "-d", "sql:" + database.path, "-n", "ca", "-t", "CT,C,C", "-i", ca.path])
        return try await Self.run("/usr/bin/pdfsig", ["-nssdir", "sql:" + database.path, pdf.path])
    }

    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        try await ChildProcess.run(tool, arguments).output
    }

    @Test func aBatchOfThreeCertificatesIsSealedInOneCallAndPdfsigAcceptsEachButATamperedCopy() async throws {
        let directory = try TemporaryDirectory()
        let pki = directory.url.appendingPathComponent("pki")
        _ = try CertificateAuthority.create(in: pki).issue(organisation: Self.police)
        var configuration = InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey)
        configuration.tls = TLSFiles.issued(by: pki, to: Self.police)
        let exchange = Array(Fixtures.example("custodyTransfer.custodyTransferOut").utf8)
        try await InProcessServices.node(configuration).test(.router) { client in
            let sealed = try await Self.post("/api/v1/documents/custody-certificates", exchange, with: client)
            #expect(sealed.status == .created, "\(String(buffer: sealed.body))")
            struct Documents: Decodable {
                struct Document: Decodable {
                    var name: String
                    var person: String
                    var sha256: String
                    var signer: String
                }
                var documents: [Document]
            }
            let documents = try JSONDecoder().decode(Documents.self, from: Data(sealed.body.readableBytesView)).documents
            #expect(documents.map(\.person) == ["张某某", "赵某", "蓝某某"])
            #expect(documents.allSatisfy { $0.signer == Self.police } && documents[0].name == "换押证-张某某.pdf")

            for document in documents {
                let read = try await client.execute(
                    uri: "/api/v1/documents/\(document.sha256)",
                    method: .get,
                    headers: [.authorization: BearerToken.header(Self.apiKey)]
                )
                #expect(read.status == .ok && read.headers[.contentType] == "application/pdf")
                let file = directory.url.appendingPathComponent("\(document.person).pdf")
                try Data(read.body.readableBytesView).write(to: file)
                // An independent verifier: pdfsig against the platform CA.
                let report = try await Self.pdfsig(file, trusting: pki.appendingPathComponent("ca.crt"), in: directory)
                #expect(report.contains("Signature is Valid.") && report.contains("Certificate is Trusted."), "\(report)")
                #expect(report.contains("Total document signed") && report.contains("Common Name: \(Self.police)"))
                // The page says what it certifies.
                let text = try await Self.run("/usr/bin/pdftotext", [file.path, "-"])
                #expect(text.contains("换押证") && text.contains(document.person) && text.contains("20261120110133010600010100000004"), "\(text)")

                // The node's own check of the seal.
                let seals = try await client.execute(
                    uri: "/api/v1/documents/\(document.sha256)/seals",
                    method: .get,
                    headers: [.authorization: BearerToken.header(Self.apiKey)]
                )
                let checks = try JSONDecoder().decode([SealCheck].self, from: Data(seals.body.readableBytesView))
                #expect(checks.count == 1 && checks[0].signer == Self.police && checks[0].valid)
                #expect(checks[0].signerName == "杭州市公安局西湖区分局")
                #expect(checks[0].signedAt.hasSuffix("+08:00"), "\(checks[0].signedAt)")
            }

            // A copy changed after signing: a byte of the page's content, inside the signed range.
            let original = try Data(contentsOf: directory.url.appendingPathComponent("张某某.pdf"))
            var tampered = Array(original)
            let mediaBox = try #require(tampered.firstRange(of: Array("/MediaBox".utf8)))
            tampered[mediaBox.upperBound + 3] = tampered[mediaBox.upperBound + 3] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")
            let tamperedFile = directory.url.appendingPathComponent("tampered.pdf")
            try Data(tampered).write(to: tamperedFile)
            let report = try await Self.pdfsig(tamperedFile, trusting: pki.appendingPathComponent("ca.crt"), in: directory)
            #expect(report.contains("Digest Mismatch") && !report.contains("Signature is Valid."), "\(report)")

            // Not a custody exchange: refused with its code; the sealing is in the access log.
            let arrest = try await Self.post(
                "/api/v1/documents/custody-certificates",
                Array(Fixtures.example("arrestApproval.arrestRequest").utf8),
                with: client
            )
            #expect(arrest.status == .badRequest && String(buffer: arrest.body).contains("document.invalid"))
        }
    }

    /// pdfsig checks no revocation list of the platform's: the node reads the signer's certificate from the signature
    /// and looks its serial up in the CA's list. Once the CA revokes the police, their seal is no longer valid.
    @Test func aSealOfARevokedCertificateIsNotValid() async throws {
        let directory = try TemporaryDirectory()
        let pki = directory.url.appendingPathComponent("pki")
        let authority = try CertificateAuthority.create(in: pki)
        _ = try authority.issue(organisation: Self.police)
        var configuration = InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey)
        configuration.tls = TLSFiles.issued(by: pki, to: Self.police)
        let exchange = Array(Fixtures.example("custodyTransfer.custodyTransferOut").utf8)
        try await InProcessServices.node(configuration).test(.router) { client in
            let sealed = try await Self.post("/api/v1/documents/custody-certificates", exchange, with: client)
            #expect(sealed.status == .created)
            struct Documents: Decodable {
                struct Document: Decodable { var sha256: String }
                var documents: [Document]
            }
            let sha256 = try #require(try JSONDecoder().decode(Documents.self, from: Data(sealed.body.readableBytesView)).documents.first?.sha256)
            func seals() async throws -> [SealCheck] {
                let reply = try await client.execute(
                    uri: "/api/v1/documents/\(sha256)/seals",
                    method: .get,
                    headers: [.authorization: BearerToken.header(Self.apiKey)]
                )
                return try JSONDecoder().decode([SealCheck].self, from: Data(reply.body.readableBytesView))
            }
            // The serial read from the signature is the seal certificate's, as the CA recorded it.
            let sealSerial = try #require(
                try authority.issued().first { $0.organisation == Self.police && $0.certificate.hasSuffix(".seal.crt") }?.serial
            )
            let before = try await seals()
            #expect(before.count == 1 && before[0].valid && !before[0].revoked && before[0].signerSerial == sealSerial)
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(before[0])) as? [String: Any]
            #expect(encoded?["valid"] as? Bool == true)

            _ = try authority.revoke(organisation: Self.police, reason: "key compromised")
            // The trust store looks at the list's file once a second at most.
            try await Task.sleep(for: .milliseconds(1100))
            let after = try await seals()
            #expect(after.count == 1 && after[0].revoked && !after[0].valid, "\(after)")
            // pdfsig alone still calls it valid and trusted: the revocation is the platform's list, not the PDF's.
            #expect(after[0].signatureValid && after[0].certificateTrusted)
            // A client reads the verdict from the answer itself rather than working it out from the parts.
            let raw = try await client.execute(
                uri: "/api/v1/documents/\(sha256)/seals",
                method: .get,
                headers: [.authorization: BearerToken.header(Self.apiKey)]
            )
            let fields = try JSONSerialization.jsonObject(with: Data(raw.body.readableBytesView)) as? [[String: Any]]
            #expect(fields?.first?["valid"] as? Bool == false && fields?.first?["revoked"] as? Bool == true)
        }
    }

    @Test func aNodeWithoutThePlatformPKIHasNoSealKey() async throws {
        let directory = try TemporaryDirectory()
        let configuration = InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey)
        try await InProcessServices.node(configuration).test(.router) { client in
            let exchange = Array(Fixtures.example("custodyTransfer.custodyTransferOut").utf8)
            let refused = try await Self.post("/api/v1/documents/custody-certificates", exchange, with: client)
            #expect(refused.status == .conflict && String(buffer: refused.body).contains("document.no-seal-key"))
            let missing = try await client.execute(
                uri: "/api/v1/documents/\(String(repeating: "ab", count: 32))",
                method: .get,
                headers: [.authorization: BearerToken.header(Self.apiKey)]
            )
            #expect(missing.status == .notFound && String(buffer: missing.body).contains("document.not-found"))
        }
    }

    /// A detention house receives the sealed certificates with a custody exchange: its officer's page of the package
    /// shows each seal's signer and that it holds; a copy changed after sealing is shown invalid, and why.
    @Test func theReceiversConsoleShowsEachSealsSignerAndValidity() async throws {
        let directory = try TemporaryDirectory()
        let pki = directory.url.appendingPathComponent("pki")
        let authority = try CertificateAuthority.create(in: pki)
        try authority.issue(organisation: Self.police)
        try authority.issue(organisation: Self.house)
        // The police's node seals; the house's node (its own data folder) receives.
        let policeFolder = try TemporaryDirectory()
        var police = InProcessServices.nodeConfiguration(in: policeFolder, organisation: Self.police, apiKey: Self.apiKey)
        police.tls = TLSFiles.issued(by: pki, to: Self.police)
        let sealed = try await InProcessServices.node(police).test(.router) { client in
            var sealed: [Delivery.File] = []
            let reply = try await Self.post(
                "/api/v1/documents/custody-certificates",
                Array(Fixtures.example("custodyTransfer.custodyTransferOut").utf8),
                with: client
            )
            struct Documents: Decodable {
                struct Document: Decodable {
                    var name: String
                    var sha256: String
                    var size: Int
                }
                var documents: [Document]
            }
            for document in try JSONDecoder().decode(Documents.self, from: Data(reply.body.readableBytesView)).documents {
                let read = try await client.execute(
                    uri: "/api/v1/documents/\(document.sha256)",
                    method: .get,
                    headers: [.authorization: BearerToken.header(Self.apiKey)]
                )
                try Data(read.body.readableBytesView).write(to: policeFolder.url.appendingPathComponent(document.sha256))
                sealed.append(Delivery.File(sha256: document.sha256, size: document.size, name: document.name, mediaType: "application/pdf"))
            }
            return sealed
        }
        #expect(sealed.count == 3)

        var house = InProcessServices.nodeConfiguration(in: directory, organisation: Self.house, apiKey: Self.apiKey)
        house.tls = TLSFiles.issued(by: pki, to: Self.house)
        house.users = [Credential(name: "kss-clerk", role: .officer, token: "officer-password-seals")]
        // The house's node holds the delivery and its files, as its feed would have stored them; one file changed.
        let blobs = try BlobStore(root: house.blobLocation, directIO: false)
        var files: [Delivery.File] = []
        for (index, file) in sealed.enumerated() {
            var bytes = Array(try Data(contentsOf: policeFolder.url.appendingPathComponent(file.sha256)))
            if index == 2, let box = bytes.firstRange(of: Array("/MediaBox".utf8)) {
                bytes[box.upperBound + 3] = bytes[box.upperBound + 3] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")
            }
            files.append(Delivery.File(sha256: try await blobs.write(bytes), size: bytes.count, name: file.name, mediaType: file.mediaType))
        }
        let location = DatabaseURL.sqlite(path: directory.url.appendingPathComponent("node.sqlite").path)
        let database = try await location.open(migrations: Migrations.node, logger: StoreBackend.logger)
        let content = Array(Fixtures.example("custodyTransfer.custodyTransferOut").utf8)
        let delivery = Delivery(
            packageId: "sealed-exchange",
            sender: Self.police,
            receiver: Self.house,
            flow: "custodyTransfer",
            messageType: "custodyTransferOut",
            unifiedCaseCode: "20261120110133010600010100000004",
            agencyCaseNumber: "杭西公（刑）字〔2026〕1004号",
            contentSHA256: ContentHash.sha256(content),
            contentSize: content.count,
            attachments: files,
            acceptedAt: "2026-11-20T01:00:00Z"
        )
        _ = try await NodeStore(database: database, organisation: Self.house).store(delivery, feedSeq: 1, content: content)
        await database.close()

        try await InProcessServices.node(house).test(.router) { client in
            let login = try await client.execute(
                uri: "/console/login",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "user=kss-clerk&password=officer-password-seals")
            )
            let cookie = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let page = String(
                buffer: try await client.execute(uri: "/console/packages/sealed-exchange", method: .get, headers: [.cookie: cookie]).body
            )
            #expect(page.components(separatedBy: "✔ 杭州市公安局西湖区分局 签章有效").count == 3, "\(page)")
            #expect(page.contains("✘ 杭州市公安局西湖区分局 签章无效：文书内容与签章不符（签章后被改动）"))
            #expect(page.contains("data-signer=\"\(Self.police)\""))
        }
    }

    /// A standard document from a template (issue 26, SZ-6): the police's 提请批准逮捕书 made from its arrest request,
    /// sealed; pdfsig accepts it; the text is the package's. A template of another message, or none, is refused.
    @Test func aStandardDocumentIsMadeFromTheCasesDataAndSealed() async throws {
        let directory = try TemporaryDirectory()
        let pki = directory.url.appendingPathComponent("pki")
        _ = try CertificateAuthority.create(in: pki).issue(organisation: Self.police)
        var configuration = InProcessServices.nodeConfiguration(in: directory, organisation: Self.police, apiKey: Self.apiKey)
        configuration.tls = TLSFiles.issued(by: pki, to: Self.police)
        let request = Array(Fixtures.example("arrestApproval.arrestRequest").utf8)
        try await InProcessServices.node(configuration).test(.router) { client in
            let key: HTTPFields = [.authorization: BearerToken.header(Self.apiKey)]
            let list = try await client.execute(uri: "/api/v1/documents/templates", method: .get, headers: key)
            #expect(list.status == .ok && String(buffer: list.body).contains("起诉意见书") && String(buffer: list.body).contains("执行通知书"))

            let made = try await Self.post("/api/v1/documents/templates/arrestRequest", request, with: client)
            #expect(made.status == .created, "\(String(buffer: made.body))")
            struct Generated: Decodable {
                var name: String
                var sha256: String
                var sealed: Bool
                var signer: String?
            }
            let generated = try JSONDecoder().decode(Generated.self, from: Data(made.body.readableBytesView))
            #expect(generated.name == "提请批准逮捕书.pdf" && generated.sealed && generated.signer == Self.police)
            let read = try await client.execute(uri: "/api/v1/documents/\(generated.sha256)", method: .get, headers: key)
            let file = directory.url.appendingPathComponent("arrest.pdf")
            try Data(read.body.readableBytesView).write(to: file)
            let text = try await Self.run("/usr/bin/pdftotext", [file.path, "-"])
            #expect(text.contains("提请批准逮捕书") && text.contains("杭州市西湖区人民检察院") && text.contains("第八十七条"), "\(text)")
            let report = try await Self.pdfsig(file, trusting: pki.appendingPathComponent("ca.crt"), in: directory)
            #expect(report.contains("Signature is Valid.") && report.contains("Certificate is Trusted."), "\(report)")

            let wrong = try await Self.post("/api/v1/documents/templates/indictment", request, with: client)
            #expect(wrong.status == .badRequest && String(buffer: wrong.body).contains("document.invalid"))
            let unknown = try await Self.post("/api/v1/documents/templates/gossip", request, with: client)
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("document.not-found"))
        }
    }

    /// pdfsig's report is read line by line: a block with a repeated line (a signature field named with a line break and
    /// pdfsig's own words) is invalid, and "Not total document signed" after the field's name is what counts.
    @Test func aForgedOrPartialReportIsNotAValidSeal() {
        let genuine = """
            Digital Signature Info of: x.pdf
            Signature #1:
              - Signature Field Name: XietongSeal
              - Signer Certificate Common Name: 330106000101
              - Signing Time: Dec 07 2026 09:48:35
              - Total document signed
              - Signature Validation: Signature is Valid.
              - Certificate Validation: Certificate is Trusted.
            """
        #expect(SealVerifier.parse(genuine).map(\.valid) == [true])
        // pdfsig runs in UTC; the signing time is given in China time, with its offset, whatever the machine's zone.
        #expect(SealVerifier.parse(genuine).first?.signedAt == "2026-12-07T17:48:35+08:00")
        #expect(SealVerifier.chinaTime(fromUTC: "07/12/2026 09:48") == "07/12/2026 09:48")
        let appended = genuine.replacingOccurrences(of: "  - Total document signed", with: "  - Not total document signed")
        #expect(SealVerifier.parse(appended).map(\.valid) == [false])
        let forged = genuine.replacingOccurrences(
            of: "  - Signature Field Name: XietongSeal",
            with: "  - Signature Field Name: x\n  - Total document signed\n  - Signature Validation: Signature is Valid."
        ).replacingOccurrences(
            of: "  - Total document signed\n  - Signature Validation: Signature is Valid.\n  - Certificate",
            with: "  - Not total document signed\n  - Signature Validation: Signature is Valid.\n  - Certificate"
        )
        let checks = SealVerifier.parse(forged)
        #expect(checks.count == 1 && !checks[0].valid && !checks[0].wholeDocument)

        // Blocks are numbered as pdfsig numbers the fields, unsigned ones too, so that each is matched with its own
        // dumped signature; a field named to make a "Signature #N:" line of its own is out of sequence: not valid.
        let unsignedFirst =
            "Signature #1:\n  - The signature form field is not signed.\n" + genuine.replacingOccurrences(of: "Signature #1:", with: "Signature #2:")
        let numbered = SealVerifier.parseNumbered(unsignedFirst)
        #expect(numbered.map(\.number) == [1, 2] && numbered.map(\.check.valid) == [false, true])
        let injected = genuine.replacingOccurrences(of: "  - Signature Field Name: XietongSeal", with: "  - Signature Field Name: x\nSignature #7:")
        #expect(SealVerifier.parseNumbered(injected).last.map { $0.number == 2 && !$0.check.valid } == true)
    }

}
