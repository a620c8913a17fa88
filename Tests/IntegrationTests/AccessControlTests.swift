import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// Access control (issue 6) through real processes: a node sees only its organisation's packages, supervisors see
/// every case's metadata and no content, administrative endpoints need an administrator, business systems use
/// their own keys (kept hashed), and every read of case data is logged — who read what, and when — at the hub and
/// at the node.
@Suite(.serialized, .timeLimit(.minutes(4))) struct AccessControlTests {
    let court = "330106000301"

    @Test func eachRoleSeesWhatItMayAndEveryReadIsLogged() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate, self.court], alertCheckSeconds: 0.5)
        try harness.addNode(police)
        try harness.addNode(procuratorate)
        try await harness.startAll()
        let hub = harness.services["hub"]!.url
        let request = Fixtures.example("arrestApproval.arrestRequest")
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/arrestApproval.arrestRequest.pdf")))
        let sent = try await harness.send(Array(request.utf8), attachments: [pdf], from: police)
        #expect(sent.status == 202, "\(sent.text)")
        let packageId = try #require(sent.json(Receipt.self)?.packageId)
        try await harness.eventually("the request reaches the procuratorate's inbox") {
            try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/inbox", key: ExchangeHarness.apiKey(procuratorate)).text
                .contains(packageId)
        }
        let code = try #require(request.components(separatedBy: "<UnifiedCaseCode>").dropFirst().first?.components(separatedBy: "<").first)

        // A node of another organisation (the court) reads neither the package nor its case.
        let courtToken = harness.exchange.token(for: self.court)
        #expect(try await harness.get("\(hub)/v1/packages/\(packageId)/content", key: courtToken).status == 403)
        #expect(try await harness.get("\(hub)/v1/packages/\(packageId)", key: courtToken).status == 403)
        #expect(try await harness.get("\(hub)/v1/cases/\(code)/timeline", key: courtToken).status == 403)
        // The parties' nodes do.
        #expect(try await harness.get("\(hub)/v1/packages/\(packageId)/content", key: harness.exchange.token(for: procuratorate)).status == 200)

        // The supervisor: every case's metadata, read-only; no content; no administration.
        let supervisor = harness.supervisorToken
        #expect(try await harness.get("\(hub)/v1/cases/\(code)/timeline", key: supervisor).status == 200)
        #expect(try await harness.get("\(hub)/v1/supervision/cases", key: supervisor).status == 200)
        #expect(try await harness.get("\(hub)/v1/packages/\(packageId)", key: supervisor).status == 200)
        #expect(try await harness.get("\(hub)/v1/packages/\(packageId)/content", key: supervisor).status == 403)
        let administration = try await harness.get("\(hub)/v1/admin/nodes", key: supervisor)
        #expect(administration.status == 401 && administration.text.contains("auth.admin-required"))
        // Wrong or missing credentials.
        #expect(try await harness.get("\(hub)/v1/supervision/cases", key: "not-a-token").status == 401)
        #expect(try await harness.get("\(hub)/v1/supervision/cases").status == 401)
        #expect(try await harness.get("\(hub)/v1/admin/access-log", key: courtToken).status == 401)
        #expect(try await harness.get("\(harness.services[procuratorate]!.url)/api/v1/inbox", key: "api-key-wrong").status == 401)

        // The hub's access log names each reader, what they read, and whether it was allowed.
        let log = try #require(
            try await harness.get("\(hub)/v1/admin/access-log?subject=\(packageId)", key: harness.adminToken).json([AccessRecord].self)
        )
        #expect(log.contains { $0.who == self.court && $0.role == "node" && $0.action == "package.content" && !$0.allowed })
        #expect(log.contains { $0.who == procuratorate && $0.action == "package.content" && $0.allowed })
        #expect(log.contains { $0.who == "监督员" && $0.role == "supervisor" && $0.action == "package.status" && $0.allowed })
        #expect(log.contains { $0.who == "监督员" && $0.action == "package.content" && !$0.allowed })
        #expect(log.allSatisfy { Timestamp.date($0.at) != nil })
        let caseLog = try #require(
            try await harness.get("\(hub)/v1/admin/access-log?subject=\(code)", key: harness.adminToken).json([AccessRecord].self)
        )
        #expect(caseLog.contains { $0.who == "监督员" && $0.action == "case.timeline" })

        // At the node: the business system's reads, under its configured name.
        let content = try await harness.get(
            "\(harness.services[procuratorate]!.url)/api/v1/inbox/\(packageId)",
            key: ExchangeHarness.apiKey(procuratorate)
        )
        #expect(content.status == 200)
        await harness.stop(procuratorate)
        // As the agency's administrator reads it: `xietong access-log node`.
        let listed = try await CommandRunner.run([
            "access-log", "node", "--config", harness.exchange.directory.appendingPathComponent("node-\(procuratorate).json").path, "--subject",
            packageId,
            "--json",
        ])
        #expect(listed.status == 0, "\(listed.stderr)")
        let reads = try JSONDecoder().decode([AccessRecord].self, from: Data(listed.stdout.utf8))
        #expect(reads.contains { $0.who == "business-\(procuratorate)" && $0.role == "businessSystem" && $0.action == "package.content" })
    }
}
