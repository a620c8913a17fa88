import Foundation
import Testing
import XietongTesting

@testable import XietongCore

/// What may be booked in a remote arraignment room, and what conflicts (issue 26, GUI-2), without a database.
@Suite struct ArraignmentTests {
    static let now = Fixtures.clock().now()
    static let procuratorateKinds: Set<AgencyKind> = [.procuratorate]
    static let houseKinds: Set<AgencyKind> = [.detentionHouse]

    static func book(
        _ request: BookingRequest,
        by booker: String = Arraignments.procuratorate,
        kinds: Set<AgencyKind> = Self.procuratorateKinds,
        houseKinds: Set<AgencyKind> = Self.houseKinds,
        existing: [Booking] = []
    ) throws -> Booking {
        try #require(
            try Booking.requested(
                request,
                booker: booker,
                bookerKinds: kinds,
                houseKinds: houseKinds,
                rooms: Arraignments.rooms,
                current: nil,
                others: existing,
                now: Self.now
            )
        )
    }

    /// The refusal `body` meets, or nil when it succeeds.
    /// The refusal of a check that returns nothing.
    static func refusal(_ body: () throws -> Void) -> Arraignment.Problem? {
        do {
            try body()
            return nil
        } catch {
            return error as? Arraignment.Problem
        }
    }

    static func problem(_ body: () throws -> Booking) -> Arraignment.Problem? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? Arraignment.Problem
        }
    }

    @Test func chinaTimeIsReadAndWrittenAsOfficersTypeIt() throws {
        let minute = try #require(ChinaMinute(text: "2026-11-23T09:30"))
        #expect(minute.text == "2026-11-23T09:30" && minute.day == Arraignments.monday && minute.minuteOfDay == 570)
        #expect(ChinaMinute(text: "2026-11-23T09:30+08:00") == minute)
        // The instant 01:30 UTC is 09:30 in China.
        #expect(ChinaMinute(of: ISO8601DateFormatter().date(from: "2026-11-23T01:30:00Z")!) == minute)
        for bad in ["2026-11-23 09:30", "2026-11-23T9:30", "2026-11-23T25:00", "2026-02-30T09:00", "2026-11-23T09:30Z", ""] {
            #expect(ChinaMinute(text: bad) == nil, "\(bad)")
        }
        #expect(minute.adding(minutes: 90).text == "2026-11-23T11:00")
        #expect(Arraignments.monday.weekday == 1)
    }

    @Test func aSlotMustLieWithinOneOpeningOfTheRoom() {
        let room = Arraignments.rooms[0]
        func open(_ from: String, _ to: String) -> Bool {
            room.isOpen(from: ChinaMinute(text: "2026-11-23T\(from)")!, to: ChinaMinute(text: "2026-11-23T\(to)")!)
        }
        #expect(open("09:00", "10:00") && open("10:30", "11:30") && open("14:00", "17:00"))
        // Across the lunch break, before opening, after closing.
        #expect(!open("11:00", "14:30") && !open("08:30", "09:30") && !open("16:30", "17:30"))
        // Not on a Saturday.
        #expect(!room.isOpen(from: ChinaMinute(text: "2026-11-21T09:00")!, to: ChinaMinute(text: "2026-11-21T10:00")!))
    }

    @Test func aProcuratorateBooksAFreeSlot() throws {
        let booking = try Self.book(Arraignments.request())
        #expect(booking.status == .requested && booking.booker == Arraignments.procuratorate)
        #expect(booking.history.map(\.action) == [.requested])
        #expect(booking.sides == [Arraignments.procuratorate, Arraignments.house])
        // An ID number as typed is kept normalised.
        var typed = Arraignments.request()
        typed.detainee.idNumber = "330106 19900315 1236"
        #expect(try Self.book(typed).request.detainee.idNumber == "330106199003151236")
    }

    @Test func theRoomTheDetaineeAndTheOfficerCannotBeBookedTwiceAtOnce() throws {
        let first = try Self.book(Arraignments.request())
        // The same room, overlapping by half an hour, for another detainee and officer.
        let room = Self.problem {
            try Self.book(
                Arraignments.request(id: "11111111-1111-4111-8111-111111111111", at: "09:30", detainee: .init(name: "李某"), officer: "赵检察官"),
                existing: [first]
            )
        }
        #expect(room?.code == .conflict && room?.message.zh.contains("提审室 R1") == true)
        // The same detainee in the other room, by the court.
        let detainee = Self.problem {
            try Self.book(
                Arraignments.request(id: "22222222-2222-4222-8222-222222222222", room: "R2", at: "09:45", officer: "钱法官"),
                by: Arraignments.court,
                kinds: [.court],
                existing: [first]
            )
        }
        #expect(detainee?.code == .conflict && detainee?.message.zh.contains("被提审人 张某某") == true)
        // The booker's own officer in the other room with another detainee.
        let officer = Self.problem {
            try Self.book(
                Arraignments.request(id: "33333333-3333-4333-8333-333333333333", room: "R2", at: "09:15", detainee: .init(name: "李某")),
                existing: [first]
            )
        }
        #expect(officer?.code == .conflict && officer?.message.en.contains("officer 王检察官") == true)
        // Back to back is no conflict; neither is a cancelled booking.
        _ = try Self.book(Arraignments.request(id: "44444444-4444-4444-8444-444444444444", at: "10:00"), existing: [first])
        let cancelled = try first.cancelled(by: Arraignments.house, note: "停电", at: Self.now)
        _ = try Self.book(Arraignments.request(id: "55555555-5555-4555-8555-555555555555", at: "09:30"), existing: [cancelled])
    }

    @Test func aSlotOutsideTheHoursPastOrTooFarAheadIsRefused() {
        #expect(Self.problem { try Self.book(Arraignments.request(at: "11:00")) }?.code == .outsideHours)
        var past = Arraignments.request()
        past.start = ChinaMinute(text: "2026-11-20T08:00")!
        #expect(Self.problem { try Self.book(past) }?.code == .outsideHours)
        var far = Arraignments.request()
        far.start = ChinaMinute(text: "2027-03-01T09:00")!
        #expect(Self.problem { try Self.book(far) }?.message.en.contains("within 90 days") == true)
    }

    @Test func onlyBookersBookAndOnlyPublishedRoomsOfADetentionHouse() {
        #expect(Self.problem { try Self.book(Arraignments.request(), by: "330106000401", kinds: [.justiceBureau]) }?.code == .notAllowed)
        #expect(Self.problem { try Self.book(Arraignments.request(room: "R9")) }?.code == .unknownRoom)
        #expect(Self.problem { try Self.book(Arraignments.request(), houseKinds: [.court]) }?.code == .unknownRoom)
        for (field, change) in [
            ("bookingId", { (request: inout BookingRequest) in request.bookingId = "booking-1" }),
            ("caseCode", { $0.caseCode = "123" }),
            ("detainee.idNumber", { $0.detainee.idNumber = "330106199003151235" }),
            ("minutes", { $0.minutes = 5 }),
            ("officer", { $0.officer = " " }),
        ] as [(String, (inout BookingRequest) -> Void)] {
            var request = Arraignments.request()
            change(&request)
            let problem = Self.problem { try Self.book(request) }
            #expect(problem?.code == .invalid && problem?.field == field, "\(field): \(String(describing: problem))")
        }
    }

    @Test func theHouseConfirmsEitherSideCancelsAndTheBookerReschedules() throws {
        let booking = try Self.book(Arraignments.request())
        #expect(throws: Arraignment.Problem.self) { try booking.confirmed(by: Arraignments.procuratorate, at: Self.now) }
        let confirmed = try booking.confirmed(by: Arraignments.house, at: Self.now)
        #expect(confirmed.status == .confirmed)
        #expect((try? confirmed.confirmed(by: Arraignments.house, at: Self.now)) == nil)

        // Moved by the booker: checked again, requested again for the house to confirm.
        let moved = try confirmed.rescheduled(
            start: ChinaMinute(text: "2026-11-23T14:00")!,
            minutes: 90,
            roomId: nil,
            by: Arraignments.procuratorate,
            bookerKinds: Self.procuratorateKinds,
            houseKinds: Self.houseKinds,
            rooms: Arraignments.rooms,
            others: [],
            now: Self.now
        )
        #expect(moved.status == .requested && moved.request.start.text == "2026-11-23T14:00" && moved.request.end.clock == "15:30")
        #expect(moved.history.map(\.action) == [.requested, .confirmed, .rescheduled])
        let houseMoves = Self.problem {
            try confirmed.rescheduled(
                start: ChinaMinute(text: "2026-11-23T14:00")!,
                minutes: 60,
                roomId: nil,
                by: Arraignments.house,
                bookerKinds: Self.procuratorateKinds,
                houseKinds: Self.houseKinds,
                rooms: Arraignments.rooms,
                others: [],
                now: Self.now
            )
        }
        #expect(houseMoves?.code == .notAllowed)

        // A second reschedule decided on the booking as read before the first one moved it: what it would keep (the
        // start, the length) is stale, so it is refused, unless it gives both anew.
        #expect(Self.refusal { try moved.checkUnmoved(since: confirmed, keepsStart: true, keepsMinutes: false) }?.code == .state)
        #expect(Self.refusal { try moved.checkUnmoved(since: confirmed, keepsStart: false, keepsMinutes: true) }?.code == .state)
        #expect(Self.refusal { try moved.checkUnmoved(since: confirmed, keepsStart: false, keepsMinutes: false) } == nil)
        #expect(Self.refusal { try moved.checkUnmoved(since: moved, keepsStart: true, keepsMinutes: true) } == nil)

        let cancelled = try moved.cancelled(by: Arraignments.procuratorate, note: "案件已移送", at: Self.now)
        #expect(cancelled.status == .cancelled && cancelled.history.last?.note == "案件已移送")
        #expect(Self.problem { try cancelled.cancelled(by: Arraignments.house, note: nil, at: Self.now) }?.code == .state)
        #expect(Self.problem { try booking.cancelled(by: Arraignments.court, note: nil, at: Self.now) }?.code == .notAllowed)
    }

    /// The arraignment certificate (提讯证, SZ-2): issued by the booker once the house has confirmed, naming the house,
    /// the room, the slot in China time, the detainee and the officer.
    @Test func theBookerIssuesTheArraignmentCertificateOfAConfirmedBooking() throws {
        let registry = try OrganisationRegistry.demo()
        let booking = try Self.book(Arraignments.request())
        let today = CalendarDate(iso: "2026-11-20")!
        #expect(throws: Arraignment.Problem.self) {
            try booking.certificate(by: Arraignments.procuratorate, registry: registry, roomName: nil, today: today)
        }
        let confirmed = try booking.confirmed(by: Arraignments.house, at: Self.now)
        do {
            _ = try confirmed.certificate(by: Arraignments.house, registry: registry, roomName: nil, today: today)
            Issue.record("the house issued the booker's certificate")
        } catch {
            #expect(error.code == .notAllowed)
        }
        let certificate = try confirmed.certificate(by: Arraignments.procuratorate, registry: registry, roomName: "远程提审室一", today: today)
        let request = confirmed.request
        #expect(certificate.title == "提讯证" && certificate.issuer == Arraignments.procuratorate && certificate.issuedOn == "2026-11-20")
        #expect(certificate.addressee == "\(registry[Arraignments.house]!.name.zh)：")
        let slot = "\(request.start.day.iso) \(request.start.clock)–\(request.end.clock)"
        #expect(certificate.paragraphs.first?.contains("远程提讯\(request.detainee.name)") == true)
        #expect(certificate.fields.contains { $0.label == "提讯时间" && $0.value == slot })
        #expect(certificate.fields.contains { $0.label == "提审室" && $0.value == "远程提审室一（\(request.roomId)）" })
        #expect(certificate.fields.contains { $0.label == "承办人" && $0.value == request.officer })
    }

    @Test func aBookingIsRemindedOnceADayAheadAndAgainWhenMoved() throws {
        var booking = try Self.book(Arraignments.request())
        // Friday 09:00 for Monday 09:00: 72 hours ahead, not yet; Sunday 10:00, within 24 hours.
        #expect(!booking.needsReminder(now: Self.now, hours: 24))
        let sunday = Self.now.addingTimeInterval(2 * 86400 + 3600)
        #expect(booking.needsReminder(now: sunday, hours: 24))
        booking.history.append(.init(action: .reminded, at: "", by: "hub"))
        #expect(!booking.needsReminder(now: sunday, hours: 24))
        booking.history.append(.init(action: .confirmed, at: "", by: Arraignments.house))
        #expect(!booking.needsReminder(now: sunday, hours: 24))
        booking.history.append(.init(action: .rescheduled, at: "", by: Arraignments.procuratorate))
        #expect(booking.needsReminder(now: sunday, hours: 24))
        // Not once it has begun, nor when cancelled.
        #expect(!booking.needsReminder(now: Self.now.addingTimeInterval(3 * 86400 + 60), hours: 24))
        booking.status = .cancelled
        #expect(!booking.needsReminder(now: sunday, hours: 24))
    }

    @Test func roomsArePublishedWithReadableHours() {
        #expect((try? ArraignmentRoom.checked(Arraignments.rooms)) == Arraignments.rooms)
        var twice = Arraignments.rooms
        twice[1].roomId = "R1"
        #expect(throws: Arraignment.Problem.self) { try ArraignmentRoom.checked(twice) }
        var badHours = Arraignments.rooms
        badHours[0].hours = [.init(weekdays: [8], from: "09:00", to: "10:00")]
        #expect(throws: Arraignment.Problem.self) { try ArraignmentRoom.checked(badHours) }
        badHours[0].hours = [.init(weekdays: [1], from: "11:00", to: "10:00")]
        #expect(throws: Arraignment.Problem.self) { try ArraignmentRoom.checked(badHours) }
        #expect(throws: Arraignment.Problem.self) { try ArraignmentRoom.checked([]) }
    }

    @Test func aNoticeSaysWhatChangedInChinaTime() throws {
        let booking = try Self.book(Arraignments.request())
        let text = BookingNotice(booking: booking, action: .requested).text
        #expect(text.zh.contains("2026-11-23 09:00–10:00（北京时间）") && text.zh.contains("张某某"))
        #expect(text.en.contains("room R1"))
    }
}
