import Foundation
import NIOHTTP1
public import XietongCore

// Remote arraignment room booking through a node (issue 26, GUI-2): what a detention house's and a booker's business
// systems call. Each answers the hub's reply as it came (`Reply`: 2xx with the JSON, or the refusal's code).
extension NodeAPIClient {
    static let json = [("Content-Type", "application/json")]

    /// `PUT /api/v1/arraignment/rooms`: a detention house publishes its rooms, replacing what it published before.
    public func publishRooms(_ rooms: [ArraignmentRoom]) async throws -> Reply {
        try await self.request(.PUT, "/api/v1/arraignment/rooms", body: Array(try JSONEncoder().encode(["rooms": rooms])), headers: Self.json)
    }

    /// `POST /api/v1/arraignment/bookings`: books a slot (201, or 200 when asked again).
    public func book(_ request: BookingRequest) async throws -> Reply {
        try await self.request(.POST, "/api/v1/arraignment/bookings", body: Array(try JSONEncoder().encode(request)), headers: Self.json)
    }

    /// `POST /api/v1/arraignment/bookings/{id}/confirm`: the detention house confirms a booking.
    public func confirmBooking(_ bookingId: String) async throws -> Reply {
        try await self.request(.POST, "/api/v1/arraignment/bookings/\(bookingId)/confirm", body: Array("{}".utf8), headers: Self.json)
    }

    /// `POST /api/v1/arraignment/bookings/{id}/cancel`: either side cancels, with its reason.
    public func cancelBooking(_ bookingId: String, note: String?) async throws -> Reply {
        let body = Array(try JSONEncoder().encode(["note": note]))
        return try await self.request(.POST, "/api/v1/arraignment/bookings/\(bookingId)/cancel", body: body, headers: Self.json)
    }

    /// `GET /api/v1/arraignment/notices`: the changes of this agency's bookings its feed brought, newest first.
    public func bookingNotices(of bookingId: String? = nil) async throws -> [BookingNotice] {
        let reply = try await self.request(.GET, "/api/v1/arraignment/notices" + (bookingId.map { "?booking=\($0)" } ?? ""))
        guard reply.status == 200 else { throw UnexpectedReply("the booking notices", reply) }
        return try JSONDecoder().decode([BookingNotice].self, from: Data(reply.body))
    }
}
