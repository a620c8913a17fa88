import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// Issue 6's security tests on hostile input, through real processes: SQL-injection strings in every free-text field
/// of a package and in every query parameter are data, never SQL; path traversal in attachment names and in blob
/// and attachment URLs reads nothing outside the stores.
@Suite(.serialized, .timeLimit(.minutes(4))) struct SecurityTests {
    static let injections = [
        "'; DROP TABLE packages; --",
        "\" OR \"1\"=\"1",
        "Robert'); DELETE FROM feed; --",
        "1; UPDATE package_events SET hop = 'x' --",
    ]

    @Test func sqlInjectionStringsAreStoredAndReturnedAsData() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate], alertCheckSeconds: 0.5)
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try await harness.startAll()
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        var sent: [(packageId: String, injection: String, agencyCaseNumber: String)] = []
        for (offset, injection) in Self.injections.enumerated() {
            var package = try #require(Fixtures.package("arrestApproval.arrestRequest"))
            package.envelope.packageId = UUID().uuidString.lowercased()
            package.envelope.idempotencyKey = "inject-\(offset)"  // a pattern in the schema (letters, digits, -_.:)
            package.envelope.agencyCaseNumber = "杭西公（刑）字〔2026〕\(2000 + offset)号\(injection)"
            package.body.caseInfo.name = "张某某盗窃案\(injection)"
            package.body.caseInfo.summary = injection
            package.body.persons[0].name = "张某某\(injection)"
            package.body.charges[0].name = "盗窃罪\(injection)"
            package.body.documents[0].title = "提请批准逮捕\(injection)"
            package.body.documents[0].documentNumber = "杭西公（刑）字〔2026〕\(3000 + offset)号\(injection)"
            package.body.remarks = injection
            package.attachments[0].name = "提请批准逮捕\(injection.replacingOccurrences(of: "/", with: "")).pdf"
            let reply = try await harness.send(CasePackageWriter.bytes(package), attachments: [pdf], from: police)
            #expect(reply.status == 202, "\(injection): \(reply.text)")
            sent.append((package.envelope.packageId, injection, package.envelope.agencyCaseNumber))
        }
        try await harness.eventually("every package reaches the procuratorate", timeout: 60) {
            let inbox = try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/inbox", key: ExchangeHarness.apiKey(procuratorate)).text
            return sent.allSatisfy { inbox.contains($0.packageId) }
        }
        // Query parameters carrying injections find nothing rather than everything, and break nothing: a case code
        // that is not one is refused as such (issue 22: query parameters are read strictly).
        let hub = harness.services["hub"]!.url
        for injection in Self.injections {
            let escaped = injection.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let query = try await harness.get(
                "\(harness.services[procuratorate]!.url)/api/v1/packages?case=\(escaped)",
                key: ExchangeHarness.apiKey(procuratorate)
            )
            #expect(query.status == 400 && query.text.contains(#""error":"query.invalid""#), "\(injection): \(query.text)")
            let timeline = try await harness.get("\(hub)/v1/cases/\(escaped)/timeline", key: harness.adminToken)
            #expect(timeline.status == 404, "\(injection): \(timeline.status)")
            let log = try await harness.get("\(hub)/v1/admin/access-log?subject=\(escaped)", key: harness.adminToken)
            #expect(log.status == 200 && log.text == "[]", "\(injection): \(log.text)")
            let cases = try await harness.get("\(hub)/v1/supervision/cases?flow=\(escaped)", key: harness.supervisorToken)
            #expect(cases.status == 200 && cases.text == "[]", "\(injection): \(cases.text)")
        }
        // The hub's tables hold the strings exactly, and are all still there.
        await harness.stop("hub")
        let database = try await SQLiteDatabase.open(
            path: harness.exchange.directory.appendingPathComponent("hub/hub.sqlite").path,
            migrations: Migrations.hub
        )
        for item in sent {
            let row = try #require(
                try await database.execute(
                    "SELECT agency_case_number, case_name, idempotency_key FROM packages WHERE package_id = $1",
                    [.text(item.packageId)]
                ).first
            )
            #expect(row.string("agency_case_number") == item.agencyCaseNumber)
            #expect(row.string("case_name") == "张某某盗窃案\(item.injection)")
            let person = try await database.execute("SELECT name FROM package_persons WHERE package_id = $1", [.text(item.packageId)])
            #expect(person.first?.string("name") == "张某某\(item.injection)")
            let document = try await database.execute("SELECT title FROM package_documents WHERE package_id = $1", [.text(item.packageId)])
            #expect(document.first?.string("title") == "提请批准逮捕\(item.injection)")
        }
        let packages = try await database.execute("SELECT COUNT(*) AS n FROM packages", []).first?.int("n")
        let hops = try await database.execute("SELECT COUNT(*) AS n FROM package_events WHERE hop = 'x'", []).first?.int("n")
        await database.close()
        #expect(packages == Self.injections.count && hops == 0)
    }

    @Test func pathTraversalReadsNothingOutsideTheStores() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate], alertCheckSeconds: 0.5)
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try await harness.startAll()
        let hub = harness.services["hub"]!.url
        let node = harness.services[procuratorate]!.url
        let key = ExchangeHarness.apiKey(procuratorate)
        let token = harness.exchange.token(for: procuratorate)
        for path in ["..%2F..%2Fhub.sqlite", "..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "....%2F%2F....%2F%2Fetc%2Fpasswd"] {
            let blob = try await harness.request(.GET, "\(hub)/v1/blobs/\(path)", key: token)
            #expect(blob.status >= 400 && !blob.text.contains("root:") && !blob.text.contains("SQLite format"), "\(path): \(blob.status)")
            let attachment = try await harness.request(.GET, "\(node)/api/v1/inbox/x/attachments/\(path)", key: key)
            #expect(attachment.status >= 400 && !attachment.text.contains("root:"), "\(path): \(attachment.status)")
        }
        // A package whose attachment name or location climbs out of its folder is refused by the sender's node,
        // with the finding that says so.
        let example = Fixtures.example("arrestApproval.arrestRequest")
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        for (from, to) in [
            ("<Name>提请批准逮捕.pdf</Name>", "<Name>../../etc/提请批准逮捕.pdf</Name>"),
            ("<Name>提请批准逮捕.pdf</Name>", "<Name>..\\..\\提请批准逮捕.pdf</Name>"),
        ] {
            let xml = example.replacingOccurrences(of: from, with: to)
            let reply = try await harness.send(Array(xml.utf8), attachments: [pdf], from: police)
            #expect(reply.status == 422 && reply.text.contains("attachment.unsafe-name"), "\(to): \(reply.status) \(reply.text.prefix(300))")
        }
    }
}
