import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// Digital custody exchange in batches (ZJ-6.1.4, SZ-2) and custody followed across stages (换押), through a real hub
/// and real nodes: one transfer-out carries three detainees, the detention house receipts each person (alone or
/// several in one package), the exchange closes only when everybody has a receipt, and supervisors see each person's
/// custody chain and the period about to run out.
@Suite(.serialized, .timeLimit(.minutes(4))) struct CustodyExchangeTests {
    static func example(_ message: String) throws -> CasePackage {
        let url = Repository.examples.appendingPathComponent("custodyTransfer.\(message).xml")
        return CasePackage(validated: try XMLDocumentParser.parse([UInt8](Data(contentsOf: url))))
    }

    static func attachment(_ message: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/custodyTransfer.\(message).pdf")))
    }

    /// The receipt example for the persons at `indexes` of the batch (or a stranger), under a new id.
    static func receipt(for indexes: [Int], stranger: Bool = false, tag: String) throws -> (xml: [UInt8], packageId: String) {
        var package = try Self.example("custodyTransferReceipt")
        let batch = package.body.persons
        package.body.persons = indexes.map { batch[$0] }
        if stranger {
            package.body.persons.append(
                CasePackage.Person(
                    id: "p9",
                    role: "suspect",
                    name: "钱某",
                    idCardNumber: IdentityNumbers.make(birth: "19880101", order: 77, male: true),
                    gender: "1",
                    birthDate: "1988-01-01"
                )
            )
        }
        let refs = Set(package.body.persons.map(\.id))
        package.body.charges = package.body.charges.filter { refs.contains($0.personRef) }
        package.envelope.packageId = UUID().uuidString.lowercased()
        package.envelope.idempotencyKey = "custody-receipt-\(tag)"
        return (CasePackageWriter.bytes(package), package.envelope.packageId)
    }

    static func verdict(_ packageId: String, from sender: String, harness: ExchangeHarness) async throws -> PackageEvent {
        var events: [PackageEvent] = []
        try await harness.eventually("the hub's verdict on \(packageId)", timeout: 60) {
            events = try await harness.status(of: packageId, at: sender)
            return events.contains { $0.hop == .receivedByHub || $0.hop == .refused }
        }
        return try #require(events.first { $0.hop == .refused } ?? events.first { $0.hop == .receivedByHub })
    }

    @Test func aBatchIsReceiptedPersonByPersonAndEachPersonsCustodyIsFollowedAcrossStages() async throws {
        let out = try Self.example("custodyTransferOut")
        let inNotice = try Self.example("custodyTransferInNotice")
        let transferring = out.envelope.sender.organisationCode
        let receiving = inNotice.envelope.sender.organisationCode
        let detentionHouse = out.envelope.receiver.organisationCode
        #expect(out.body.persons.count == 3)
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: Array(Set([transferring, receiving, detentionHouse])).sorted(), alertCheckSeconds: 0.5)
        for organisation in Set([transferring, receiving, detentionHouse]).sorted() { try harness.addNode(organisation) }
        try harness.addReceiver(transferring)
        try await harness.startAll()
        let hub = harness.services["hub"]!.url
        let code = try #require(out.envelope.unifiedCaseCode)

        // One transfer-out with three detainees, and the receiving organ's transfer-in notice for all three.
        for (package, message) in [(out, "custodyTransferOut"), (inNotice, "custodyTransferInNotice")] {
            let reply = try await harness.send(
                CasePackageWriter.bytes(package),
                attachments: [try Self.attachment(message)],
                from: package.envelope.sender.organisationCode
            )
            #expect(reply.status == 202, "\(reply.text)")
            #expect(
                try await Self.verdict(package.envelope.packageId, from: package.envelope.sender.organisationCode, harness: harness).hop
                    == .receivedByHub
            )
        }
        let attachment = try Self.attachment("custodyTransferReceipt")
        func send(_ receipt: (xml: [UInt8], packageId: String)) async throws -> PackageEvent {
            let reply = try await harness.send(receipt.xml, attachments: [attachment], from: detentionHouse)
            #expect(reply.status == 202, "\(reply.text)")
            return try await Self.verdict(receipt.packageId, from: detentionHouse, harness: harness)
        }
        func exchangeClosed() async throws -> Bool {
            let timeline = try await harness.get("\(hub)/v1/cases/\(code)/timeline", key: harness.adminToken)
            let parsed = try #require(timeline.json(CaseTimeline.self), "\(timeline.text)")
            return try #require(parsed.instances.first { $0.instanceId == out.envelope.packageId }).closedAt != nil
        }

        // The first person's receipt: accepted, and the exchange stays open for the other two.
        #expect(try await send(try Self.receipt(for: [0], tag: "first")).hop == .receivedByHub)
        #expect(try await exchangeClosed() == false)
        // The same person again, and a person who is not in the batch: refused with the reason.
        let again = try await send(try Self.receipt(for: [0], tag: "again"))
        #expect(again.hop == .refused && again.findings?.first?.code == .custodyAlreadyReceipted, "\(again)")
        let stranger = try await send(try Self.receipt(for: [1], stranger: true, tag: "stranger"))
        #expect(stranger.hop == .refused && stranger.findings?.first?.code == .custodyNotInBatch, "\(stranger)")
        #expect(try await exchangeClosed() == false)
        // The other two in one package: the exchange is complete and closes; a further receipt is refused.
        #expect(try await send(try Self.receipt(for: [1, 2], tag: "rest")).hop == .receivedByHub)
        #expect(try await exchangeClosed() == true)
        let late = try await send(try Self.receipt(for: [2], tag: "late"))
        #expect(late.hop == .refused && late.findings?.first?.code == .flowClosed, "\(late)")
        // The receipts reach both the transferring organ: one package per receipt.
        try await harness.eventually("the receipts reach the transferring organ", timeout: 60) {
            try await harness.received(by: transferring).filter { $0.messageType == "custodyTransferReceipt" }.count == 2
        }

        // Each person's custody chain: arrested by the transferring organ, taken over by the receiving organ
        // with its stage's period, receipted by the detention house.
        let timeline = try #require(
            try await harness.get("\(hub)/v1/cases/\(code)/timeline", key: harness.adminToken).json(CaseTimeline.self)
        )
        #expect(timeline.custody.map(\.name).sorted() == out.body.persons.map(\.name).sorted())
        for chain in timeline.custody {
            #expect(chain.stages.map(\.event) == [.transferOut, .transferIn, .receipt], "\(chain.name)")
            #expect(chain.inCustody && !chain.inTransfer && chain.holder == receiving && chain.periodEndsOn == "2026-12-19", "\(chain)")
        }
        // Supervisors see the period running out for each person (a wide window, whatever today is).
        let watch = try await harness.get("\(hub)/v1/supervision/custody?days=366", key: harness.adminToken)
        let rows = try #require(watch.json([Supervision.CustodyWatch].self), "\(watch.text)")
        let periods = rows.filter { $0.source == "custodyPeriod" && $0.caseCode == inNotice.envelope.unifiedCaseCode ?? "" }
        #expect(Set(periods.flatMap(\.persons)) == Set(out.body.persons.map(\.name)), "\(rows)")
        #expect(periods.allSatisfy { $0.dueOn == "2026-12-19" && $0.responsible == receiving })
    }
}
