import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// Remote arraignment rooms and bookings in the hub's store, on both databases (issue 26, GUI-2): a slot goes to one
/// booker only, also when two hub instances book at once; each change reaches both sides' feeds; a booking is
/// reminded once the day before.
@Suite struct ArraignmentStoreTests {
    static func store(_ database: any SQLDatabase, clock: WallClock = Fixtures.clock()) throws -> HubStore {
        HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: clock)
    }

    /// Books `request` as the procuratorate, as the hub's route does.
    static func book(_ request: BookingRequest, in store: HubStore) async throws -> (Booking?, changed: Bool) {
        let now = store.clock.now()
        return try await store.changeBooking(request.bookingId, house: request.house, slot: (request.start, request.end)) { rooms, current, others in
            try Booking.requested(
                request,
                booker: Arraignments.procuratorate,
                bookerKinds: [.procuratorate],
                houseKinds: [.detentionHouse],
                rooms: rooms,
                current: current,
                others: others,
                now: now
            ).map { ($0, .requested) }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aSlotGoesToOneBookerEvenWhenTwoInstancesBookAtOnce(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, location) = try await backend.open(Migrations.hub, in: directory)
        let second = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        let stores = [try Self.store(database), try Self.store(second)]
        try await stores[0].publishRooms(Arraignments.rooms, house: Arraignments.house)
        #expect(try await stores[1].arraignmentRooms() == [Arraignments.house: Arraignments.rooms])

        // Twelve requests for room R1 at overlapping times, each for another detainee and officer, on two instances.
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                let request = Arraignments.request(
                    id: String(format: "6a0c1e2d-3b4f-4a5e-8c6d-%012d", index),
                    at: "09:\(index < 10 ? "0" : "")\(index)",
                    detainee: .init(name: "被提审人\(index)"),
                    officer: "检察官\(index)"
                )
                group.addTask {
                    do {
                        return try await Self.book(request, in: stores[index % 2]).changed
                    } catch let problem as Arraignment.Problem {
                        #expect(problem.code == .conflict)
                        return false
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let held = try await stores[0].bookings(house: Arraignments.house)
        #expect(held.count == 1 && held[0].status == .requested)

        // Both sides learn of it through their feeds, once each.
        for side in [Arraignments.procuratorate, Arraignments.house] {
            let entries = try await stores[0].feed(organisation: side, after: 0, limit: 100)
            #expect(entries.compactMap(\.booking).map(\.booking.request.bookingId) == [held[0].request.bookingId], "\(side)")
            #expect(entries.compactMap(\.booking).first?.action == .requested)
        }
        // Asked again: the booking as first made, nothing new in the feeds.
        let again = try await Self.book(held[0].request, in: stores[1])
        #expect(again.0 == held[0] && !again.changed)
        #expect(try await stores[0].feed(organisation: Arraignments.house, after: 0, limit: 100).count == 1)
        await second.close()
        await database.close()
    }

    /// A booking leaves evidence as a package's hand-overs do: each change is a leaf of the evidence log and an event
    /// beside it (which the audit recomputes the leaf from), without the detainee's name; once a tree head is
    /// signed, the booking's changes come with inclusion proofs that hold.
    @Test(arguments: StoreBackend.allCases)
    func eachChangeOfABookingIsALeafOfTheEvidenceLog(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = try Self.store(database)
        try await store.publishRooms(Arraignments.rooms, house: Arraignments.house)
        let request = Arraignments.request()
        let before = try await store.evidenceSize()
        _ = try await Self.book(request, in: store)
        let (confirmed, changed) = try await store.changeBooking(request.bookingId, house: request.house, slot: (request.start, request.end)) {
            _,
            current,
            _ in
            (try current.map { try $0.confirmed(by: Arraignments.house, at: store.clock.now()) }).map { ($0, .confirmed) }
        }
        #expect(changed && confirmed?.status == .confirmed)
        #expect(try await store.evidenceSize() == before + 2)

        let events = try await store.allEvents().filter { $0.hop == .booked }.sorted { $0.packageId < $1.packageId }
        #expect(events.map(\.packageId) == ["\(request.bookingId)/1", "\(request.bookingId)/2"])
        #expect(events.map(\.organisation) == [Arraignments.procuratorate, Arraignments.house])
        #expect(events[1].detail?.hasPrefix("confirmed confirmed house=\(Arraignments.house) room=\(request.roomId)") == true)
        #expect(!events.contains { $0.detail?.contains(request.detainee.name) == true })
        let leaves = try await store.evidenceLeaves(from: before, count: 10)
        #expect(leaves.map(\.leaf) == events.map { String(decoding: Evidence.leaf($0), as: UTF8.self) })

        let head = try #require(try await store.signTreeHead(for: [Arraignments.procuratorate, Arraignments.house]) { $0 })
        let booking = try #require(try await store.booking(request.bookingId))
        let receipt = try await store.bookingEvidence(booking, against: head)
        #expect(receipt.entries.map(\.event) == events && receipt.proofsHold)
        // Another booking's changes are not among them.
        var other = booking
        other.request.bookingId = "00000000-0000-4000-8000-000000000000"
        #expect(try await store.bookingEvidence(other, against: head).entries.isEmpty)
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func bothSidesAreRemindedOnceTheDayBefore(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let friday = try Self.store(database)
        try await friday.publishRooms(Arraignments.rooms, house: Arraignments.house)
        _ = try await Self.book(Arraignments.request(), in: friday)
        #expect(try await friday.remindBookings(hours: 24, by: "330100000001").isEmpty)

        // Sunday 10:00 China time: within a day of Monday 09:00.
        let sunday = try Self.store(database, clock: .starting(at: Fixtures.clock().now().addingTimeInterval(2 * 86400 + 3600)))
        let reminded = try await sunday.remindBookings(hours: 24, by: "330100000001")
        #expect(reminded.count == 1 && reminded[0].history.last?.action == .reminded && reminded[0].history.last?.by == "330100000001")
        #expect(try await sunday.remindBookings(hours: 24, by: "330100000001").isEmpty)
        for side in [Arraignments.procuratorate, Arraignments.house] {
            let actions = try await sunday.feed(organisation: side, after: 0, limit: 100).compactMap(\.booking).map(\.action)
            #expect(actions == [.requested, .reminded], "\(side)")
        }
        await database.close()
    }
}
