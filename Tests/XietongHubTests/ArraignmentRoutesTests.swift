import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XietongCore
import XietongHTTP
import XietongHub
import XietongStore
import XietongTesting

/// Remote arraignment booking through the hub's routes, in-process (issue 26, GUI-2): the detention house publishes
/// its rooms; the procuratorate books; a conflicting booking by the court is refused; the house confirms; the booker
/// reschedules and cancels; the committee reads the house's week in the console. Refusals carry their codes; the
/// committee's reads are in the access log.
@Suite(.serialized) struct ArraignmentRoutesTests {
    static let houseToken = "house-token-arraignment"
    static let courtToken = "court-token-arraignment"

    static func hub(_ directory: TemporaryDirectory) async throws -> some ApplicationProtocol {
        var configuration = InProcessServices.hubConfiguration(
            in: directory,
            nodes: [
                (IntakeRoutesTests.police, IntakeRoutesTests.policeToken), (IntakeRoutesTests.procuratorate, IntakeRoutesTests.procuratorateToken),
                (Arraignments.house, Self.houseToken), (Arraignments.court, Self.courtToken),
            ],
            adminToken: RoleGuardTests.adminToken
        )
        configuration.users = [Credential(name: "supervisor", role: .supervisor, token: RoleGuardTests.supervisorToken)]
        return try await InProcessServices.hub(configuration)
    }

    static func send(
        _ uri: String,
        _ body: some Encodable,
        method: HTTPRequest.Method = .post,
        token: String,
        with client: some TestClientProtocol
    ) async throws -> TestResponse {
        try await client.execute(
            uri: uri,
            method: method,
            headers: [.authorization: BearerToken.header(token), .contentType: "application/json"],
            body: ByteBuffer(bytes: Array(try JSONEncoder().encode(body)))
        )
    }

    static func booking(_ response: TestResponse) throws -> Booking {
        try JSONDecoder().decode(Booking.self, from: Data(response.body.readableBytesView))
    }

    @Test func aProcuratorateBooksTheHouseConfirmsAndAConflictIsRefused() async throws {
        let directory = try TemporaryDirectory()
        try await Self.hub(directory).test(.router) { client in
            // Only a detention house publishes rooms; what it publishes is checked.
            let rooms = ["rooms": Arraignments.rooms]
            let byPolice = try await Self.send("/v1/arraignment/rooms", rooms, method: .put, token: IntakeRoutesTests.policeToken, with: client)
            #expect(byPolice.status == .forbidden && RoleGuardTests.code(byPolice) == "booking.not-allowed")
            let badRooms = try await Self.send(
                "/v1/arraignment/rooms",
                ["rooms": [ArraignmentRoom]()],
                method: .put,
                token: Self.houseToken,
                with: client
            )
            #expect(badRooms.status == .badRequest && RoleGuardTests.code(badRooms) == "booking.invalid")
            let published = try await Self.send("/v1/arraignment/rooms", rooms, method: .put, token: Self.houseToken, with: client)
            #expect(published.status == .ok && String(buffer: published.body).contains("远程提审室一"))
            let listed = try await client.execute(uri: "/v1/arraignment/rooms", method: .get, headers: RoleGuardTests.bearer(Self.courtToken))
            #expect(String(buffer: listed.body).contains(Arraignments.house) && String(buffer: listed.body).contains("R2"))

            // The procuratorate books Monday 09:00; asked again, the same booking.
            let request = Arraignments.request()
            let booked = try await Self.send("/v1/arraignment/bookings", request, token: IntakeRoutesTests.procuratorateToken, with: client)
            #expect(booked.status == .created, "\(String(buffer: booked.body))")
            #expect(try Self.booking(booked).status == .requested)
            let again = try await Self.send("/v1/arraignment/bookings", request, token: IntakeRoutesTests.procuratorateToken, with: client)
            #expect(again.status == .ok)

            // The court asks for the same detainee at 09:30 in the other room: refused, with what conflicts.
            let conflicting = Arraignments.request(id: "7b1d2f3e-4c5a-4b6f-9d7e-8f9a0b1c2d3e", room: "R2", at: "09:30", officer: "钱法官")
            let refused = try await Self.send("/v1/arraignment/bookings", conflicting, token: Self.courtToken, with: client)
            #expect(refused.status == .conflict && RoleGuardTests.code(refused) == "booking.conflict")
            #expect(String(buffer: refused.body).contains("张某某"))
            // Other refusals: outside the hours, an unknown room, not JSON, a justice bureau is not a booker.
            let lunch = Arraignments.request(id: "8c2e3a4f-5d6b-4c7a-8e8f-9a0b1c2d3e4f", at: "11:00", detainee: .init(name: "李某"), officer: "赵检察官")
            let outside = try await Self.send("/v1/arraignment/bookings", lunch, token: IntakeRoutesTests.procuratorateToken, with: client)
            #expect(outside.status == .badRequest && RoleGuardTests.code(outside) == "booking.outside-hours")
            let unknown = Arraignments.request(id: "9d3f4b5a-6e7c-4d8b-9f0a-1b2c3d4e5f6a", room: "R9", detainee: .init(name: "李某"), officer: "赵检察官")
            let noRoom = try await Self.send("/v1/arraignment/bookings", unknown, token: IntakeRoutesTests.procuratorateToken, with: client)
            #expect(noRoom.status == .notFound && RoleGuardTests.code(noRoom) == "booking.unknown-room")
            // A length that would overflow the slot's end: refused, the hub stands.
            var endless = Arraignments.request(id: "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b", detainee: .init(name: "李某"), officer: "赵检察官")
            endless.minutes = Int.max
            let overflow = try await Self.send("/v1/arraignment/bookings", endless, token: IntakeRoutesTests.procuratorateToken, with: client)
            #expect(overflow.status == .badRequest && RoleGuardTests.code(overflow) == "booking.invalid")
            let garbage = try await Self.send(
                "/v1/arraignment/bookings",
                ["start": "soon"],
                token: IntakeRoutesTests.procuratorateToken,
                with: client
            )
            #expect(garbage.status == .badRequest && RoleGuardTests.code(garbage) == "booking.invalid")

            // Only the house confirms; the police, no side of it, does not even see it.
            let id = request.bookingId
            let byBooker = try await Self.send(
                "/v1/arraignment/bookings/\(id)/confirm",
                ["note": "x"],
                token: IntakeRoutesTests.procuratorateToken,
                with: client
            )
            #expect(byBooker.status == .forbidden && RoleGuardTests.code(byBooker) == "booking.not-allowed")
            let byStranger = try await Self.send(
                "/v1/arraignment/bookings/\(id)/cancel",
                [String: String](),
                token: IntakeRoutesTests.policeToken,
                with: client
            )
            #expect(byStranger.status == .notFound && RoleGuardTests.code(byStranger) == "booking.not-found")
            let confirmed = try await Self.send("/v1/arraignment/bookings/\(id)/confirm", [String: String](), token: Self.houseToken, with: client)
            #expect(confirmed.status == .ok)
            #expect(try Self.booking(confirmed).status == .confirmed)
            let twice = try await Self.send("/v1/arraignment/bookings/\(id)/confirm", [String: String](), token: Self.houseToken, with: client)
            #expect(twice.status == .conflict && RoleGuardTests.code(twice) == "booking.state")

            let endlessMove = try await Self.send(
                "/v1/arraignment/bookings/\(id)/reschedule",
                ["minutes": Int.max],
                token: IntakeRoutesTests.procuratorateToken,
                with: client
            )
            #expect(endlessMove.status == .badRequest && RoleGuardTests.code(endlessMove) == "booking.invalid")

            // The booker moves it to the afternoon: requested again. The court's 09:30 is then free.
            let moved = try await Self.send(
                "/v1/arraignment/bookings/\(id)/reschedule",
                ["start": "2026-11-23T14:00", "roomId": "R1"],
                token: IntakeRoutesTests.procuratorateToken,
                with: client
            )
            #expect(moved.status == .ok, "\(String(buffer: moved.body))")
            let movedBooking = try Self.booking(moved)
            #expect(movedBooking.request.start.text == "2026-11-23T14:00" && movedBooking.status == .requested)
            let nowFree = try await Self.send("/v1/arraignment/bookings", conflicting, token: Self.courtToken, with: client)
            #expect(nowFree.status == .created)

            // Each side lists its own bookings; a week's window.
            let courtList = try await client.execute(
                uri: "/v1/arraignment/bookings?from=2026-11-23&to=2026-11-23",
                method: .get,
                headers: RoleGuardTests.bearer(Self.courtToken)
            )
            let courts = try JSONDecoder().decode([String: [Booking]].self, from: Data(courtList.body.readableBytesView))["bookings"] ?? []
            #expect(courts.map(\.request.bookingId) == [conflicting.bookingId])
            let houseList = try await client.execute(uri: "/v1/arraignment/bookings", method: .get, headers: RoleGuardTests.bearer(Self.houseToken))
            let houses = try JSONDecoder().decode([String: [Booking]].self, from: Data(houseList.body.readableBytesView))["bookings"] ?? []
            #expect(houses.count == 2)
            let badWindow = try await client.execute(
                uri: "/v1/arraignment/bookings?from=monday",
                method: .get,
                headers: RoleGuardTests.bearer(Self.houseToken)
            )
            #expect(badWindow.status == .badRequest && RoleGuardTests.code(badWindow) == "query.invalid")
            let emptyDay = try await client.execute(
                uri: "/v1/arraignment/bookings?to=",
                method: .get,
                headers: RoleGuardTests.bearer(Self.houseToken)
            )
            #expect(emptyDay.status == .badRequest && RoleGuardTests.code(emptyDay) == "query.invalid")

            // The house cancels the court's, with its reason.
            let cancelled = try await Self.send(
                "/v1/arraignment/bookings/\(conflicting.bookingId)/cancel",
                ["note": "设备检修"],
                token: Self.houseToken,
                with: client
            )
            #expect(cancelled.status == .ok)
            #expect(try Self.booking(cancelled).history.last?.note == "设备检修")

            // The committee: the house's calendar by API and in the console, both logged; nodes may not read it.
            let supervisor = RoleGuardTests.bearer(RoleGuardTests.supervisorToken)
            let calendar = try await client.execute(uri: "/v1/supervision/arraignment?house=\(Arraignments.house)", method: .get, headers: supervisor)
            #expect(calendar.status == .ok && String(buffer: calendar.body).contains(id))
            let byNode = try await client.execute(uri: "/v1/supervision/arraignment", method: .get, headers: RoleGuardTests.bearer(Self.houseToken))
            #expect(byNode.status == .unauthorized)
            let session = try await RoleGuardTests.session("supervisor", RoleGuardTests.supervisorToken, with: client)
            let page = try await client.execute(
                uri: "/console/arraignment?house=\(Arraignments.house)&week=2026-11-25",
                method: .get,
                headers: session
            )
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("2026-11-23 – 2026-11-29") && html.contains("远程提审室一"))
            #expect(html.contains("周一至周五 09:00–11:30；周一至周五 14:00–17:00"))
            #expect(html.contains("data-booking=\"\(id)\"") && html.contains("14:00–15:00") && html.contains("待确认"))
            #expect(html.contains("已取消"))
            let log = try await SearchRoutesTests.accessLog(with: client)
            #expect(log.filter { $0.action == "arraignment.list" && $0.who == "supervisor" }.count == 2)
        }
    }
}
