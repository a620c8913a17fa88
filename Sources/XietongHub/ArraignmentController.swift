import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

/// Remote arraignment room booking (远程提审室预约, issue 26, GUI-2). Nodes: a detention house publishes its rooms
/// (`PUT /v1/arraignment/rooms`); a procuratorate, court or police books a slot, and the two sides confirm, cancel and
/// reschedule it (`/v1/arraignment/bookings…`). Each change goes to both sides' feeds as a `booking` entry. Supervisors
/// read every house's calendar (`GET /v1/supervision/arraignment`), logged.
struct ArraignmentController: Sendable {
    let store: HubStore
    let registry: OrganisationRegistry
    let reads: ReadAccess

    func addRoutes(nodes: RouterGroup<PeerRequestContext>, supervisors: RouterGroup<PeerRequestContext>) {
        nodes.put("/v1/arraignment/rooms") { request, context in try await self.publish(request, house: try HubAccess.node(context)) }
        nodes.get("/v1/arraignment/rooms") { request, _ in
            let house = request.uri.queryParameters.get("house").flatMap { $0.isEmpty ? nil : String($0) }
            return HTTPJSON.response(Rooms(houses: try await self.houses(house)))
        }
        nodes.post("/v1/arraignment/bookings") { request, context in try await self.book(request, booker: try HubAccess.node(context)) }
        nodes.get("/v1/arraignment/bookings") { request, context in
            let organisation = try HubAccess.node(context)
            let (from, to) = try Self.window(request)
            return HTTPJSON.response(Bookings(bookings: try await self.store.bookings(organisation: organisation, from: from, to: to)))
        }
        nodes.get("/v1/arraignment/bookings/:id") { _, context in
            HTTPJSON.response(try await self.sideBooking(context.parameters.get("id") ?? "", organisation: try HubAccess.node(context)))
        }
        // A booking's changes in the evidence log, with their inclusion proofs against the latest signed tree head.
        nodes.get("/v1/arraignment/bookings/:id/evidence") { _, context in
            let booking = try await self.sideBooking(context.parameters.get("id") ?? "", organisation: try HubAccess.node(context))
            guard let head = try await self.store.latestTreeHead() else { throw EvidenceController.noHead }
            return HTTPJSON.response(try await self.store.bookingEvidence(booking, against: head))
        }
        nodes.post("/v1/arraignment/bookings/:id/:action") { request, context in
            try await self.change(
                request,
                id: context.parameters.get("id") ?? "",
                action: context.parameters.get("action") ?? "",
                by: try HubAccess.node(context)
            )
        }
        supervisors.get("/v1/supervision/arraignment") { request, context in
            guard context.caller.node == nil else { throw HubAccess.committeeOnly }
            let house = request.uri.queryParameters.get("house").flatMap { $0.isEmpty ? nil : String($0) }
            let (from, to) = try Self.window(request)
            try await self.reads.log(context.caller, "arraignment.list", request.uri.description)
            return HTTPJSON.response(
                Calendar(houses: try await self.houses(house), bookings: try await self.store.bookings(house: house, from: from, to: to))
            )
        }
    }

    struct House: Codable {
        var house: String
        var name: LocalizedText?
        var rooms: [ArraignmentRoom]
    }

    struct Rooms: Codable { var houses: [House] }
    struct Bookings: Codable { var bookings: [Booking] }
    struct Calendar: Codable {
        var houses: [House]
        var bookings: [Booking]
    }

    static let notFound = APIError(.bookingNotFound, zh: "没有该提审室预约", en: "no such arraignment booking")

    func houses(_ house: String?) async throws -> [House] {
        try await self.store.arraignmentRooms(house: house).sorted { $0.key < $1.key }.map {
            House(house: $0.key, name: self.registry[$0.key]?.name, rooms: $0.value)
        }
    }

    /// The window of a list: `from` and `to` as China days (`YYYY-MM-DD`, `to` inclusive), each optional.
    static func window(_ request: Request) throws -> (ChinaMinute?, ChinaMinute?) {
        func day(_ name: String) throws -> CalendarDate? {
            // Given, a day must be one (an empty one too: the contract says a date).
            guard let text = request.uri.queryParameters.get(name) else { return nil }
            guard let day = CalendarDate(iso: String(text)), CaseSearch.years.contains(day.year) else {
                throw APIError.badQuery(name, String(text), expected: "YYYY-MM-DD")
            }
            return day
        }
        return (
            try day("from").map { ChinaMinute(day: $0, minuteOfDay: 0) }, try day("to").map { ChinaMinute(day: $0.adding(days: 1), minuteOfDay: 0) }
        )
    }

    /// A slot's length within `Arraignment.slotRange` (a length far out of it would overflow its end).
    static func checkMinutes(_ minutes: Int) throws {
        guard Arraignment.slotRange.contains(minutes) else {
            throw APIError(
                .bookingInvalid,
                zh: "时长应为 \(Arraignment.slotRange.lowerBound) 至 \(Arraignment.slotRange.upperBound) 分钟",
                en: "minutes must be between \(Arraignment.slotRange.lowerBound) and \(Arraignment.slotRange.upperBound)"
            )
        }
    }

    static func apiError(_ problem: Arraignment.Problem) -> APIError {
        let code: APIError.Code =
            switch problem.code {
            case .invalid: .bookingInvalid
            case .unknownRoom: .bookingUnknownRoom
            case .outsideHours: .bookingOutsideHours
            case .conflict: .bookingConflict
            case .notAllowed: .bookingNotAllowed
            case .state: .bookingState
            }
        return APIError(code, problem)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, zh: String, en: String) async throws -> T {
        let body = try await request.body.collect(upTo: 64 << 10)
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw APIError(.bookingInvalid, zh: zh, en: en)
        }
    }

    /// A detention house replaces the rooms it publishes.
    func publish(_ request: Request, house: String) async throws -> Response {
        guard self.registry[house]?.kinds.contains(.detentionHouse) == true else {
            throw APIError(.bookingNotAllowed, zh: "仅看守所可公布提审室", en: "only a detention house publishes arraignment rooms")
        }
        struct Published: Decodable { var rooms: [ArraignmentRoom] }
        let published = try await Self.decode(
            Published.self,
            request,
            zh: "提审室应为 JSON：rooms（roomId、name、hours）",
            en: "rooms are JSON: rooms, each with roomId, name and hours"
        )
        let rooms: [ArraignmentRoom]
        do { rooms = try ArraignmentRoom.checked(published.rooms) } catch { throw Self.apiError(error) }
        try await self.store.publishRooms(rooms, house: house)
        return HTTPJSON.response(Rooms(houses: try await self.houses(house)))
    }

    /// Books a slot: 201 with the booking, or 200 with it as first made when asked again.
    func book(_ request: Request, booker: String) async throws -> Response {
        let asked = try await Self.decode(
            BookingRequest.self,
            request,
            zh: "预约应为 JSON：bookingId、house、roomId、caseCode、detainee、officer、start（YYYY-MM-DDTHH:MM，北京时间）、minutes",
            en: "a booking is JSON with bookingId, house, roomId, caseCode, detainee, officer, start (YYYY-MM-DDTHH:MM, China time) and minutes"
        )
        // The slot's length first: the end is computed from it before Core checks the rest.
        try Self.checkMinutes(asked.minutes)
        let bookerKinds = self.registry[booker]?.kinds ?? []
        let houseKinds = self.registry[asked.house]?.kinds ?? []
        let now = self.store.clock.now()
        do {
            let (booking, created) = try await self.store.changeBooking(
                asked.bookingId,
                house: asked.house,
                slot: (asked.start, asked.end)
            ) { rooms, current, others in
                try Booking.requested(
                    asked,
                    booker: booker,
                    bookerKinds: bookerKinds,
                    houseKinds: houseKinds,
                    rooms: rooms,
                    current: current,
                    others: others,
                    now: now
                ).map { ($0, .requested) }
            }
            guard let booking else { throw Self.notFound }
            return HTTPJSON.response(booking, status: created ? .created : .ok)
        } catch let problem as Arraignment.Problem {
            throw Self.apiError(problem)
        }
    }

    /// The booking, to one of its sides only.
    func sideBooking(_ id: String, organisation: String) async throws -> Booking {
        guard let booking = try await self.store.booking(id), booking.sides.contains(organisation) else { throw Self.notFound }
        return booking
    }

    /// Confirms, cancels or reschedules a booking, as the side asking may.
    func change(_ request: Request, id: String, action: String, by organisation: String) async throws -> Response {
        struct Change: Decodable {
            var note: String?
            var start: ChinaMinute?
            var minutes: Int?
            var roomId: String?
        }
        guard ["confirm", "cancel", "reschedule"].contains(action) else {
            throw APIError(.routeNotFound, zh: "没有该操作：\(action)", en: "no such action: \(action)")
        }
        let booking = try await self.sideBooking(id, organisation: organisation)
        let body = try await Self.decode(
            Change.self,
            request,
            zh: "请求应为 JSON：note，改约另有 start（YYYY-MM-DDTHH:MM）、minutes、roomId",
            en: "the body is JSON: note, and for a reschedule start (YYYY-MM-DDTHH:MM), minutes and roomId"
        )
        let start = body.start ?? booking.request.start
        let minutes = body.minutes ?? booking.request.minutes
        try Self.checkMinutes(minutes)
        let bookerKinds = self.registry[booking.booker]?.kinds ?? []
        let houseKinds = self.registry[booking.request.house]?.kinds ?? []
        let now = self.store.clock.now()
        do {
            let (changed, _) = try await self.store.changeBooking(
                id,
                house: booking.request.house,
                slot: (start, start.adding(minutes: minutes))
            ) { rooms, current, others in
                guard let current else { throw Self.notFound }
                switch action {
                case "confirm": return (try current.confirmed(by: organisation, at: now), .confirmed)
                case "cancel": return (try current.cancelled(by: organisation, note: body.note, at: now), .cancelled)
                default:
                    guard body.start != nil || body.minutes != nil || body.roomId != nil else {
                        throw Arraignment.Problem(
                            .invalid,
                            "start",
                            zh: "改约应给出新的 start、minutes 或 roomId",
                            en: "a reschedule gives a new start, minutes or roomId"
                        )
                    }
                    try current.checkUnmoved(since: booking, keepsStart: body.start == nil, keepsMinutes: body.minutes == nil)
                    let moved = try current.rescheduled(
                        start: start,
                        minutes: minutes,
                        roomId: body.roomId,
                        by: organisation,
                        bookerKinds: bookerKinds,
                        houseKinds: houseKinds,
                        rooms: rooms,
                        others: others,
                        now: now
                    )
                    return (moved, .rescheduled)
                }
            }
            guard let changed else { throw Self.notFound }
            return HTTPJSON.response(changed)
        } catch let problem as Arraignment.Problem {
            throw Self.apiError(problem)
        }
    }
}
