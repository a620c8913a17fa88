import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongNode
import XietongStore
import XietongTesting

/// A business system that speaks only SQL to its exchange database (中间库, issue 24; ZJ-7.1.3.1 b), as a vendor's
/// code would: rows in, rows out.
struct VendorSQL: Sendable {
    let database: any SQLDatabase

    static func open(_ url: DatabaseURL) async throws -> VendorSQL {
        VendorSQL(database: try await url.open(migrations: [], logger: .init(label: "vendor")))
    }

    /// Inserts a package's attachments and its row in one transaction, as the documented contract asks.
    func send(row key: String, seq: Int, xml: [UInt8], attachments: [(id: String, bytes: [UInt8])]) async throws {
        let packageId = PackageFactory.element("PackageId", in: String(decoding: xml, as: UTF8.self))
        try await self.database.transaction { transaction in
            for attachment in attachments {
                try await transaction.execute(
                    "INSERT INTO xt_outbound_attachment (package_id, attachment_id, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    [.text(packageId), .text(attachment.id), .blob(attachment.bytes)]
                )
            }
            try await transaction.execute(
                "INSERT INTO xt_outbound (row_key, change_seq, package_xml, created_at) VALUES ($1, $2, $3, '2026-11-20T10:00:00')",
                [.text(key), .integer(seq), .text(String(decoding: xml, as: UTF8.self))]
            )
        }
    }

    func status(_ key: String) async throws -> SQLRow? {
        try await self.database.execute("SELECT * FROM xt_outbound_status WHERE row_key = $1", [.text(key)]).first
    }

    func count(_ sql: String, _ binds: [SQLValue] = []) async throws -> Int {
        try await self.database.execute(sql, binds).first?.int("n") ?? -1
    }

    func inboundIds() async throws -> [String] {
        try await self.database.execute("SELECT package_id FROM xt_inbound ORDER BY seq", []).compactMap { $0.string("package_id") }
    }
}

/// The exchange database on PostgreSQL with real nodes and a hub on real sockets (issue 24): a vendor using only SQL
/// sends, tracks and receives; each failure of incremental sync that ZJ-7.1.2.3 lists is provoked and handled; kill -9
/// of either node loses and duplicates nothing.
@Suite(.serialized, .timeLimit(.minutes(8))) struct ExchangeDatabaseTests {
    func settings(_ url: DatabaseURL, reconcileSeconds: Double = 3600) -> NodeConfiguration.ExchangeDatabaseSettings {
        var settings = NodeConfiguration.ExchangeDatabaseSettings(url: url.url)
        settings.pollIntervalSeconds = 0.1
        settings.reconcileIntervalSeconds = reconcileSeconds
        return settings
    }

    /// A hub, the police's node on exchange database A and the procuratorate's on B, each taking its business system's
    /// packages from it and delivering into it. The tables are made by the same code as `xietong exchange-db init`.
    func exchange(reconcileSeconds: Double = 3600) async throws -> (ExchangeHarness, VendorSQL, VendorSQL) {
        let urlA = try await ThrowawayPostgres.shared.newDatabase(prefix: "exchange_police")
        let urlB = try await ThrowawayPostgres.shared.newDatabase(prefix: "exchange_procuratorate")
        let police = try await VendorSQL.open(urlA)
        let procuratorate = try await VendorSQL.open(urlB)
        try await ExchangeDatabase(database: police.database).create()
        try await ExchangeDatabase(database: procuratorate.database).create()
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [XietongIntegrationTests.police, XietongIntegrationTests.procuratorate])
        for (organisation, url) in [(XietongIntegrationTests.police, urlA), (XietongIntegrationTests.procuratorate, urlB)] {
            try harness.addNode(
                organisation,
                exchangeDatabase: self.settings(url, reconcileSeconds: reconcileSeconds),
                deliverToExchangeDatabase: true
            )
        }
        try await harness.start("hub")
        try await harness.start(XietongIntegrationTests.police)
        try await harness.start(XietongIntegrationTests.procuratorate)
        return (harness, police, procuratorate)
    }

    static func example(_ name: String) throws -> (xml: [UInt8], attachment: (id: String, bytes: [UInt8])) {
        let xml = Array(Fixtures.example(name).utf8)
        let id = try #require(Fixtures.package(name)?.attachments.first?.id)
        let pdf = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/\(name).pdf")))
        return (xml, (id, pdf))
    }

    static func attachmentId(_ made: PackageFactory.Made) throws -> String {
        try #require(Fixtures.check(bytes: made.xml, attachments: false).package?.attachments.first?.id)
    }

    func connector(_ harness: ExchangeHarness, _ organisation: String) async throws -> NodeControllerExchangeView {
        let reply = try await harness.get(
            "\(harness.services[organisation]!.url)/api/v1/exchange-database",
            key: ExchangeHarness.apiKey(organisation)
        )
        return try #require(reply.json(NodeControllerExchangeView.self), "\(reply.text)")
    }

    @Test func aVendorUsingOnlySQLSendsTracksAndReceivesAReplyAsRows() async throws {
        let (harness, police, procuratorate) = try await self.exchange()
        let request = try Self.example("arrestApproval.arrestRequest")
        let requestId = PackageFactory.element("PackageId", in: String(decoding: request.xml, as: UTF8.self))
        try await police.send(row: "JZ-2026-0001", seq: 1, xml: request.xml, attachments: [request.attachment])

        // The police's vendor reads the outcome, the unified code and the hops in SQL.
        try await harness.eventually("the row is accepted") { try await police.status("JZ-2026-0001")?.string("state") == "accepted" }
        let code = PackageFactory.element("UnifiedCaseCode", in: String(decoding: request.xml, as: UTF8.self))
        try await harness.eventually("the unified code is written back") {
            try await police.status("JZ-2026-0001")?.string("unified_case_code") == code
        }

        // The procuratorate's vendor reads the package as rows: the XML byte-identical, the file, the structured data.
        try await harness.eventually("delivered into the procuratorate's exchange database") {
            try await procuratorate.inboundIds() == [requestId]
        }
        let inbound = try #require(try await procuratorate.database.execute("SELECT * FROM xt_inbound", []).first)
        #expect(inbound.bytes("package_xml") == request.xml, "GZ-1: the bytes the sender's system wrote")
        #expect(inbound.string("unified_case_code") == code)
        #expect(inbound.string("sender") == XietongIntegrationTests.police)
        let file = try #require(try await procuratorate.database.execute("SELECT * FROM xt_inbound_attachment", []).first)
        #expect(file.bytes("content") == request.attachment.bytes)
        #expect(file.string("node_path") == "/api/v1/inbox/\(requestId)/attachments/\(ContentHash.sha256(request.attachment.bytes))")
        let package = try #require(Fixtures.package("arrestApproval.arrestRequest"))
        let caseRow = try #require(try await procuratorate.database.execute("SELECT * FROM xt_inbound_case", []).first)
        #expect(caseRow.string("case_name") == package.body.caseInfo.name)
        #expect(caseRow.string("unified_case_code") == code)
        let persons = try await procuratorate.database.execute("SELECT * FROM xt_inbound_person ORDER BY person_id", [])
        #expect(persons.map { $0.string("name") ?? "" } == package.body.persons.sorted { $0.id < $1.id }.map(\.name))
        #expect(try await procuratorate.count("SELECT COUNT(*) AS n FROM xt_inbound_charge") == package.body.charges.count)
        #expect(try await procuratorate.count("SELECT COUNT(*) AS n FROM xt_inbound_measure") == package.body.coerciveMeasures.count)
        #expect(try await procuratorate.count("SELECT COUNT(*) AS n FROM xt_inbound_document") == package.body.documents.count)

        // Taking it in SQL is signing for it; the police's vendor sees the hop.
        try await procuratorate.database.execute("UPDATE xt_inbound SET taken_at = '2026-11-20T10:05:00' WHERE package_id = $1", [.text(requestId)])
        try await harness.eventually("the sign-for reaches the police's hops") {
            try await police.count("SELECT COUNT(*) AS n FROM xt_outbound_hop WHERE package_id = $1 AND hop = 'signedFor'", [.text(requestId)]) == 1
        }
        let hops = try await police.database.execute("SELECT hop FROM xt_outbound_hop WHERE package_id = $1 ORDER BY at", [.text(requestId)])
        #expect(
            hops.compactMap { $0.string("hop") }
                == ["acceptedByNode", "receivedByHub", "coded", "forwarded", "storedByReceiver", "delivered", "signedFor"]
        )
        #expect(try await police.status("JZ-2026-0001")?.string("last_hop") == "signedFor")
        #expect(try await procuratorate.database.execute("SELECT signed_reported_at FROM xt_inbound", []).first?.string("signed_reported_at") != nil)

        // The reply, written by the procuratorate's vendor, arrives at the police's as rows.
        let decision = try Self.example("arrestApproval.arrestApprovalDecision")
        let decisionId = PackageFactory.element("PackageId", in: String(decoding: decision.xml, as: UTF8.self))
        try await procuratorate.send(row: "JC-101", seq: 7, xml: decision.xml, attachments: [decision.attachment])
        try await harness.eventually("the reply arrives at the police as rows") { try await police.inboundIds() == [decisionId] }
        let reply = try #require(try await police.database.execute("SELECT * FROM xt_inbound_case", []).first)
        #expect(reply.string("unified_case_code") == PackageFactory.element("UnifiedCaseCode", in: String(decoding: decision.xml, as: UTF8.self)))
        #expect(reply.string("case_name") == Fixtures.package("arrestApproval.arrestApprovalDecision")?.body.caseInfo.name)
        #expect(
            try await police.database.execute("SELECT flow, message_type FROM xt_inbound", []).first?.string("message_type")
                == "arrestApprovalDecision"
        )

        // The connector's state, and its metrics.
        let view = try await self.connector(harness, XietongIntegrationTests.police)
        #expect(view.connector.state == "running" && view.connector.lag == 0 && view.alarms.isEmpty)
        let metrics = try await harness.get(
            "\(harness.services[XietongIntegrationTests.police]!.url)/metrics",
            key: harness.exchange.topology.metricsToken
        )
        #expect(metrics.text.contains("xietong_exchange_db_up 1"))
        #expect(metrics.text.contains("xietong_exchange_db_rows_total{outcome=\"accepted\"} 1"))
        // The exchange database's password never reaches the node's log.
        #expect(!harness.log(XietongIntegrationTests.police).contains("postgres://xietong:"))
    }

    /// ZJ-7.1.2.3 (a) to (e), in turn, on one exchange: nothing is lost or sent twice.
    @Test func everyFailureOfIncrementalSyncIsDetectedAndHandled() async throws {
        let (harness, police, procuratorate) = try await self.exchange()
        let node = XietongIntegrationTests.police
        var sent: [PackageFactory.Made] = []
        func send(_ key: String, seq: Int, case number: Int) async throws {
            let made = PackageFactory.arrestRequest(case: number, message: 0, run: "exchange-db")
            try await police.send(row: key, seq: seq, xml: made.xml, attachments: [(try Self.attachmentId(made), made.attachment)])
            sent.append(made)
        }
        for index in 1...3 { try await send("r\(index)", seq: index * 10, case: index) }
        try await harness.eventually("three delivered") { try await procuratorate.inboundIds().count == 3 }

        // (b), (c): a row outside the code sets is refused with its findings, never dropped; corrected, it goes through.
        let bad = PackageFactory.arrestRequest(case: 4, message: 0, run: "exchange-db")
        let badXML = Array(String(decoding: bad.xml, as: UTF8.self).replacingOnce("<Gender>1</Gender>", with: "<Gender>7</Gender>").utf8)
        try await police.send(row: "r4", seq: 40, xml: badXML, attachments: [(try Self.attachmentId(bad), bad.attachment)])
        try await harness.eventually("the bad row is refused") { try await police.status("r4")?.string("state") == "refused" }
        let findings = try #require(try await police.status("r4")?.string("findings"))
        #expect(findings.contains("codeset.gender") && findings.contains("性别"), "\(findings)")
        try await police.database.execute(
            "UPDATE xt_outbound SET package_xml = $1, change_seq = 50 WHERE row_key = 'r4'",
            [.text(String(decoding: bad.xml, as: UTF8.self))]
        )
        sent.append(bad)
        try await harness.eventually("the corrected row is accepted") { try await police.status("r4")?.string("state") == "accepted" }
        try await harness.eventually("four delivered") { try await procuratorate.inboundIds().count == 4 }

        // (a): an upgrade re-keys every row (new keys, new change values): recognised by content, not sent again.
        try await police.database.execute("UPDATE xt_outbound SET row_key = 'v2-' || row_key, change_seq = change_seq + 100", [])
        try await harness.eventually("the re-keyed rows are recognised") {
            try await police.count("SELECT COUNT(*) AS n FROM xt_outbound_status WHERE state = 'repeat'") == 4
        }
        #expect(try await police.status("v2-r2")?.string("repeat_of") == "r2")
        try await Task.sleep(for: .seconds(1))
        #expect(try await procuratorate.inboundIds().count == 4, "a re-keyed row must not be sent again")

        // (d) a broken increment: a row written below the watermark (a late commit, an old timestamp).
        try await send("r5", seq: 5, case: 5)
        try await harness.eventually("the late row is found and sent") { try await police.status("r5")?.string("state") == "accepted" }
        try await harness.eventually("five delivered") { try await procuratorate.inboundIds().count == 5 }
        #expect(try await self.connector(harness, node).alarms.contains { $0.kind == .brokenIncrement })

        // (d) again: the change column goes backwards (a sequence reset, or an older copy restored): every row is
        // gone and new ones start from 1. The watermark moves back, nothing is skipped, the administrator is told.
        // The new rows even reuse keys and change values the node read before the reset (r1 was 10, r2 was 20), with
        // other packages in them.
        try await police.database.execute("DELETE FROM xt_outbound", [])
        try await send("r1", seq: 10, case: 6)
        try await send("r2", seq: 20, case: 7)
        try await harness.eventually("rows after the reset are sent") { try await procuratorate.inboundIds().count == 7 }
        try await send("r8", seq: 30, case: 8)
        try await harness.eventually("and the next one too") { try await procuratorate.inboundIds().count == 8 }
        #expect(try await police.status("r1")?.string("package_id") == sent[5].packageId)
        let alarms = try await self.connector(harness, node).alarms
        #expect(alarms.contains { $0.kind == .brokenIncrement && $0.detail.en.contains("went backwards") }, "\(alarms)")

        // (e) a change to an inbound table stops delivery into it, not intake.
        try await police.database.execute("ALTER TABLE xt_inbound_charge DROP COLUMN law_article", [])
        try await harness.eventually("delivery stops") { try await self.connector(harness, node).connector.inboundStopped }
        let other = PackageFactory.arrestRequest(case: 10, message: 0, run: "exchange-db")
        try await police.send(row: "r10", seq: 35, xml: other.xml, attachments: [(try Self.attachmentId(other), other.attachment)])
        sent.append(other)
        try await harness.eventually("intake goes on") { try await police.status("r10")?.string("state") == "accepted" }
        try await police.database.execute("ALTER TABLE xt_inbound_charge ADD COLUMN law_article TEXT", [])
        try await harness.eventually("delivery resumes") { try await self.connector(harness, node).connector.state == "running" }

        // (e) a major change: a column dropped. Intake stops and says which; what is held is kept; restored, it resumes.
        try await police.database.execute("ALTER TABLE xt_outbound DROP COLUMN created_at", [])
        try await harness.eventually("intake stops") { try await self.connector(harness, node).connector.state == "stopped" }
        let stopped = try await self.connector(harness, node)
        #expect(stopped.connector.problems.contains { $0.en.contains("xt_outbound.created_at") })
        #expect(stopped.alarms.contains { $0.kind == .schemaChanged })
        let made = PackageFactory.arrestRequest(case: 9, message: 0, run: "exchange-db")
        try await police.database.transaction { transaction in
            try await transaction.execute(
                "INSERT INTO xt_outbound_attachment (package_id, attachment_id, content) VALUES ($1, $2, $3)",
                [.text(made.packageId), .text(try Self.attachmentId(made)), .blob(made.attachment)]
            )
            try await transaction.execute(
                "INSERT INTO xt_outbound (row_key, change_seq, package_xml) VALUES ('r9', 40, $1)",
                [.text(String(decoding: made.xml, as: UTF8.self))]
            )
        }
        sent.append(made)
        try await Task.sleep(for: .seconds(1))
        #expect(try await police.status("r9") == nil, "a stopped intake takes nothing")
        let metrics = try await harness.get("\(harness.services[node]!.url)/metrics", key: harness.exchange.topology.metricsToken)
        #expect(metrics.text.contains("xietong_exchange_db_up 0"))
        // The administrator sees it in the console: the state, which change, the alarm.
        let officer = LocalExchange.officer(node)
        let base = harness.services[node]!.url
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        let cookie = try await ConsoleTests.logIn(base, user: officer.user, password: officer.password, harness: harness, client: client)
        let page = try await harness.request(.GET, base + "/console/exchange-database", headers: [("Cookie", cookie ?? "")], client: client).text
        try await client.shutdown()
        #expect(page.contains("已停止") && page.contains("表 xt_outbound 缺少列 created_at") && page.contains("schemaChanged"), "\(page)")
        try await police.database.execute("ALTER TABLE xt_outbound ADD COLUMN created_at TEXT", [])
        try await harness.eventually("intake resumes") { try await police.status("r9")?.string("state") == "accepted" }
        try await harness.eventually("ten delivered") { try await procuratorate.inboundIds().count == 10 }

        // Each package exactly once, byte-identical.
        let inbound = try await procuratorate.database.execute("SELECT package_id, package_xml FROM xt_inbound", [])
        #expect(Set(inbound.compactMap { $0.string("package_id") }) == Set(sent.map(\.packageId)))
        for row in inbound {
            #expect(row.bytes("package_xml") == sent.first { $0.packageId == row.string("package_id") }?.xml)
        }
        #expect(harness.log(node).contains("broken increment"))
    }

    /// A restored (older) copy of the receiving exchange database: the packages the node had delivered and the copy
    /// lacks are written again, byte-identical, and the administrator is told.
    @Test func aRestoredExchangeDatabaseGetsBackWhatTheNodeDelivered() async throws {
        let (harness, police, procuratorate) = try await self.exchange(reconcileSeconds: 10)
        let packages = (0..<3).map { PackageFactory.arrestRequest(case: 200 + $0, message: 0, run: "exchange-db-restore") }
        for (index, made) in packages.enumerated() {
            try await police.send(row: "s\(index)", seq: index + 1, xml: made.xml, attachments: [(try Self.attachmentId(made), made.attachment)])
        }
        try await harness.eventually("three delivered") { try await procuratorate.inboundIds().count == 3 }
        // The copy restored from before two of them arrived: their rows are gone (their structured rows partly kept).
        try await procuratorate.database.execute(
            "DELETE FROM xt_inbound WHERE package_id IN ($1, $2)",
            [.text(packages[0].packageId), .text(packages[2].packageId)]
        )
        try await procuratorate.database.execute("DELETE FROM xt_inbound_person WHERE package_id = $1", [.text(packages[0].packageId)])
        try await harness.eventually("written again", timeout: 60) { try await procuratorate.inboundIds().count == 3 }
        let inbound = try await procuratorate.database.execute("SELECT package_id, package_xml FROM xt_inbound", [])
        for row in inbound {
            #expect(row.bytes("package_xml") == packages.first { $0.packageId == row.string("package_id") }?.xml)
        }
        #expect(
            try await procuratorate.count("SELECT COUNT(*) AS n FROM xt_inbound_person WHERE package_id = $1", [.text(packages[0].packageId)]) > 0
        )
        let alarms = try await self.connector(harness, XietongIntegrationTests.procuratorate).alarms
        #expect(alarms.contains { $0.kind == .inboundRestored && $0.detail.en.contains("lacked 2 packages") }, "\(alarms)")
    }

    /// kill -9 of the sending node during intake and of the receiving node during delivery: every package arrives
    /// once, byte-identical, and every row has its outcome.
    @Test func killingEitherNodeLosesAndDuplicatesNothing() async throws {
        let (harness, police, procuratorate) = try await self.exchange()
        let packages = (0..<40).map { PackageFactory.arrestRequest(case: 100 + $0, message: 0, run: "exchange-db-kill") }
        for (index, made) in packages.enumerated() {
            try await police.send(row: "k\(index)", seq: index + 1, xml: made.xml, attachments: [(try Self.attachmentId(made), made.attachment)])
        }
        try await harness.eventually("intake begins") {
            try await police.count("SELECT COUNT(*) AS n FROM xt_outbound_status") > 0
        }
        await harness.kill9(XietongIntegrationTests.police)
        try await harness.start(XietongIntegrationTests.police)
        try await harness.eventually("delivery begins") { try await procuratorate.inboundIds().count >= 3 }
        await harness.kill9(XietongIntegrationTests.procuratorate)
        try await harness.start(XietongIntegrationTests.procuratorate)
        try await harness.eventually("every row accepted", timeout: 120) {
            try await police.count("SELECT COUNT(*) AS n FROM xt_outbound_status WHERE state = 'accepted'") == 40
        }
        try await harness.eventually("every package delivered", timeout: 120) { try await procuratorate.inboundIds().count == 40 }
        let inbound = try await procuratorate.database.execute("SELECT package_id, package_xml FROM xt_inbound", [])
        #expect(Set(inbound.compactMap { $0.string("package_id") }) == Set(packages.map(\.packageId)))
        for row in inbound {
            #expect(row.bytes("package_xml") == packages.first { $0.packageId == row.string("package_id") }?.xml)
        }
        // Each delivered once: one `delivered` hop per package at the sender.
        try await harness.eventually("the sender hears every delivery", timeout: 60) {
            try await police.count("SELECT COUNT(*) AS n FROM xt_outbound_hop WHERE hop = 'delivered'") == 40
        }
        for made in packages.prefix(10) {
            #expect(try await harness.status(of: made.packageId, at: XietongIntegrationTests.police).filter { $0.hop == .delivered }.count == 1)
        }
    }
}

/// `GET /api/v1/exchange-database`, as a client reads it.
struct NodeControllerExchangeView: Decodable {
    struct Connector: Decodable {
        var state: String
        var problems: [LocalizedText]
        var lag: Int
        var inboundStopped: Bool
    }

    var connector: Connector
    var alarms: [ExchangeAlarm]
}

enum XietongIntegrationTests {
    static let police = "330106000101"
    static let procuratorate = "330106000201"
}
