import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongDocuments
import XietongLocal
import XietongTesting

/// Remote arraignment booking across real processes (issue 26, GUI-2): the detention house's business system
/// publishes its rooms through its node; the procuratorate's books a slot through its own; a conflicting booking is
/// refused; the house confirms; the procuratorate issues its sealed arraignment certificate (提讯证). Both nodes receive each change through their feeds, and both are reminded before the
/// slot. The slot is the next China day at 10:00, in rooms open every day, so that the test holds on any date.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ArraignmentExchangeTests {
    @Test func aProcuratorateBooksARoomAConflictIsRefusedAndBothSidesAreReminded() async throws {
        // With the platform PKI: the procuratorate seals its arraignment certificate (提讯证).
        let harness = try ExchangeHarness(tls: true)
        // Reminded 48 hours ahead, checked every second: the slot (at most 38 hours away) is due at once.
        try harness.addHub(nodes: [Arraignments.procuratorate, Arraignments.house], alertCheckSeconds: 1, bookingReminderHours: 48)
        try harness.addNode(Arraignments.procuratorate)
        try harness.addNode(Arraignments.house)
        try await harness.startAll()
        let procuratorate = harness.services[Arraignments.procuratorate]!.url
        let house = harness.services[Arraignments.house]!.url
        let procuratorateKey = ExchangeHarness.apiKey(Arraignments.procuratorate)
        let houseKey = ExchangeHarness.apiKey(Arraignments.house)
        let json: [(String, String)] = [("Content-Type", "application/json")]

        let allDay = [ArraignmentRoom(roomId: "R1", name: "远程提审室一", hours: [.init(weekdays: Array(1...7), from: "00:00", to: "24:00")])]
        let published = try await harness.request(
            .PUT,
            "\(house)/api/v1/arraignment/rooms",
            key: houseKey,
            body: Array(try JSONEncoder().encode(["rooms": allDay])),
            headers: json
        )
        #expect(published.status == 200, "\(published.text)")

        let tomorrow = ChinaMinute(day: ChinaMinute(of: Date()).day.adding(days: 1), minuteOfDay: 600)
        var request = Arraignments.request()
        request.start = tomorrow
        let booked = try await harness.post(
            "\(procuratorate)/api/v1/arraignment/bookings",
            key: procuratorateKey,
            body: Array(try JSONEncoder().encode(request)),
            headers: json
        )
        #expect(booked.status == 201, "\(booked.text)")
        // The same detainee half an hour later: refused by the hub, its answer passed on.
        var conflicting = Arraignments.request(id: "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b", officer: "赵检察官")
        conflicting.start = tomorrow.adding(minutes: 30)
        let refused = try await harness.post(
            "\(procuratorate)/api/v1/arraignment/bookings",
            key: procuratorateKey,
            body: Array(try JSONEncoder().encode(conflicting)),
            headers: json
        )
        #expect(refused.status == 409 && refused.text.contains("booking.conflict"), "\(refused.text)")

        // No certificate before the house confirms.
        let certificate = Array(#"{"bookingId": "\#(request.bookingId)"}"#.utf8)
        let early = try await harness.post(
            "\(procuratorate)/api/v1/documents/arraignment-certificates",
            key: procuratorateKey,
            body: certificate,
            headers: json
        )
        #expect(early.status == 409 && early.text.contains("booking.state"), "\(early.text)")

        let confirmed = try await harness.post(
            "\(house)/api/v1/arraignment/bookings/\(request.bookingId)/confirm",
            key: houseKey,
            body: Array("{}".utf8),
            headers: json
        )
        #expect(confirmed.status == 200, "\(confirmed.text)")

        // Both nodes hold the booking's changes from their feeds: requested, confirmed, and the reminder.
        for (node, key) in [(procuratorate, procuratorateKey), (house, houseKey)] {
            try await harness.eventually("\(node) holds the request, the confirmation and the reminder") {
                let reply = try await harness.get("\(node)/api/v1/arraignment/notices?booking=\(request.bookingId)", key: key)
                let actions = Set((reply.json([BookingNotice].self) ?? []).map(\.action))
                return actions == [.requested, .confirmed, .reminded]
            }
        }
        let read = try await harness.get("\(procuratorate)/api/v1/arraignment/bookings/\(request.bookingId)", key: procuratorateKey)
        #expect(read.json(Booking.self)?.status == .confirmed)

        // Confirmed: the procuratorate issues the 提讯证, sealed with its key; the house, not the booker, may not.
        let issued = try await harness.post(
            "\(procuratorate)/api/v1/documents/arraignment-certificates",
            key: procuratorateKey,
            body: certificate,
            headers: json
        )
        #expect(issued.status == 201, "\(issued.text)")
        struct Issued: Decodable {
            var name: String
            var sha256: String
            var signer: String
        }
        let document = try #require(issued.json(Issued.self))
        #expect(document.signer == Arraignments.procuratorate && document.name == "提讯证-\(request.detainee.name).pdf")
        let seals = try await harness.get("\(procuratorate)/api/v1/documents/\(document.sha256)/seals", key: procuratorateKey)
        let checks = seals.json([SealCheck].self) ?? []
        #expect(checks.count == 1 && checks.first?.valid == true && checks.first?.signer == Arraignments.procuratorate, "\(seals.text)")
        let pdf = try await harness.get("\(procuratorate)/api/v1/documents/\(document.sha256)", key: procuratorateKey)
        let file = harness.directory.file("arraignment-certificate.pdf")
        try Data(pdf.body).write(to: file)
        let text = try await ChildProcess.run("/usr/bin/pdftotext", [file.path, "-"]).output
        #expect(text.contains("提讯证") && text.contains(request.detainee.name) && text.contains("远程提审室一"), "\(text)")
        let byHouse = try await harness.post("\(house)/api/v1/documents/arraignment-certificates", key: houseKey, body: certificate, headers: json)
        #expect(byHouse.status == 403 && byHouse.text.contains("booking.not-allowed"), "\(byHouse.text)")

        // The booking leaves evidence: its changes (requested, confirmed, reminded) are leaves of the hub's evidence
        // log, with inclusion proofs once a tree head covers them; the audit of the hub's database finds all in order.
        try await harness.eventually("the booking's changes are under a signed tree head") {
            let reply = try await harness.get("\(house)/api/v1/arraignment/bookings/\(request.bookingId)/evidence", key: houseKey)
            guard let receipt = reply.json(Evidence.Receipt.self) else { return false }
            return receipt.entries.count == 3 && receipt.proofsHold && receipt.entries.allSatisfy { $0.event.hop == .booked }
        }
        await harness.stop("hub")
        let directory = harness.exchange.directory
        let ca = try #require(harness.exchange.pki).appendingPathComponent("ca.crt").path
        let audit = try await CommandRunner.run(["audit", "verify", "--config", directory.appendingPathComponent("hub.json").path, "--ca", ca])
        #expect(audit.status == 0 && audit.stdout.contains("no tampering found"), "\(audit.stdout)\(audit.stderr)")
    }
}
