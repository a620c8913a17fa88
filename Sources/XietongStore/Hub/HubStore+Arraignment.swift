import Foundation
public import XietongCore

// Remote arraignment rooms and their bookings (issue 26, GUI-2; hub migration 22). Whether a slot may be booked is
// Core's (`Booking.check`); here each change is checked against the bookings it might conflict with and written under
// one lock, and goes into both sides' feeds in the same transaction, so that both nodes learn of it exactly as it was
// recorded.
extension HubStore {
    /// Replaces the rooms `house` publishes. Bookings of a room no longer published keep their slot.
    public func publishRooms(_ rooms: [ArraignmentRoom], house: String) async throws {
        let now = self.clock.timestamp()
        try await self.database.transaction { transaction in
            try await transaction.execute("DELETE FROM arraignment_rooms WHERE house = $1", [.text(house)])
            try await StoreRows.insertRows(
                "arraignment_rooms (house, room_id, room, published_at)",
                rooms.map { [.text(house), .text($0.roomId), .text(StoreRows.json($0)), .text(now)] },
                in: transaction
            )
        }
    }

    /// The rooms each house publishes, by house, or those of one house.
    public func arraignmentRooms(house: String? = nil) async throws -> [String: [ArraignmentRoom]] {
        let rows = try await self.database.execute(
            "SELECT house, room FROM arraignment_rooms \(house == nil ? "" : "WHERE house = $1") ORDER BY house, room_id",
            house.map { [.text($0)] } ?? []
        )
        var rooms: [String: [ArraignmentRoom]] = [:]
        for row in rows {
            guard let house = row.string("house"), let room = StoreRows.decode(ArraignmentRoom.self, row.string("room")) else { continue }
            rooms[house, default: []].append(room)
        }
        return rooms
    }

    /// A decision on a booking change, made under the booking lock with what the store read: the booking to write and
    /// the action both sides are told of, or the refusal.
    public typealias BookingDecision =
        @Sendable (_ rooms: [ArraignmentRoom], _ current: Booking?, _ others: [Booking]) throws -> (Booking, Booking.Action)?

    /// Makes one change of a booking atomically: reads the house's rooms, the booking as it stands and the holding
    /// bookings that overlap `slot`, lets `decide` (Core) rule on them, and
    /// writes the result with a notice in both sides' feeds. Returns the booking as it then stands and whether it
    /// changed (nil from `decide`: nothing to do, as when a booking is asked for again).
    public func changeBooking(
        _ bookingId: String,
        house: String,
        slot: (start: ChinaMinute, end: ChinaMinute),
        decide: BookingDecision
    ) async throws -> (Booking?, changed: Bool) {
        let now = self.clock.timestamp()
        return try await self.database.transaction { transaction in
            if let lock = self.database.lockStatement(.booking) { try await transaction.execute(lock, []) }
            let rooms = try await transaction.execute("SELECT room FROM arraignment_rooms WHERE house = $1 ORDER BY room_id", [.text(house)])
                .compactMap { StoreRows.decode(ArraignmentRoom.self, $0.string("room")) }
            let current = try await transaction.execute("SELECT booking FROM bookings WHERE booking_id = $1", [.text(bookingId)]).first
                .flatMap { StoreRows.decode(Booking.self, $0.string("booking")) }
            // Every holding booking that overlaps the slot, at any house: a detainee may be booked at another house's
            // room, and an officer at another house. At one time there are at most a few hundred in a province.
            let others = try await transaction.execute(
                "SELECT booking FROM bookings WHERE status <> $1 AND start_minute < $2 AND end_minute > $3 AND booking_id <> $4 ORDER BY start_minute",
                [.text(Booking.Status.cancelled.rawValue), .integer(slot.end.value), .integer(slot.start.value), .text(bookingId)]
            ).compactMap { StoreRows.decode(Booking.self, $0.string("booking")) }
            guard let (booking, action) = try decide(rooms, current, others) else { return (current, false) }
            try await transaction.execute(
                """
                INSERT INTO bookings (booking_id, booker, house, room_id, status, start_minute, end_minute, booking, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (booking_id) DO UPDATE SET room_id = excluded.room_id, status = excluded.status,
                start_minute = excluded.start_minute, end_minute = excluded.end_minute, booking = excluded.booking,
                updated_at = excluded.updated_at
                """,
                [
                    .text(booking.request.bookingId), .text(booking.booker), .text(booking.request.house), .text(booking.request.roomId),
                    .text(booking.status.rawValue), .integer(booking.request.start.value), .integer(booking.request.end.value),
                    .text(StoreRows.json(booking)), .text(now),
                ]
            )
            let feed = FeedWriter(clock: self.clock, boot: self.boot, federation: self.flows.federation)
            for side in Set(booking.sides).sorted() {
                feed.append(.booking(BookingNotice(booking: booking, action: action)), packageId: booking.request.bookingId, to: side)
            }
            // The change is a leaf of the evidence log, beside the packages' hand-overs, and an event the audit
            // recomputes it from (`xietong audit verify`).
            if let event = booking.changeEvent {
                let key = Self.bookingKey(event.packageId)
                try await StoreRows.insertNew([event], into: .hub, key: key, in: transaction)
                feed.log(event, key: key)
            }
            try await feed.flush(in: transaction)
            return (booking, true)
        }
    }

    /// The key a booking's change is kept under in the events and the evidence log: never a package's key, which is
    /// time-ordered hex.
    static func bookingKey(_ changeId: String) -> String { "booking/" + changeId }

    /// A booking's changes with their inclusion proofs against `head` (those the head covers), found by their exact
    /// keys (`bookingId/1` … `bookingId/N`, N the changes in its history), whatever the database's collation.
    public func bookingEvidence(_ booking: Booking, against head: Evidence.TreeHead) async throws -> Evidence.Receipt {
        let bookingId = booking.request.bookingId
        let keys = (1...max(1, booking.history.count)).map { SQLValue.text(Self.bookingKey("\(bookingId)/\($0)")) }
        let binds = keys.indices.map { "$\($0 + 2)" }.joined(separator: ", ")
        let rows = try await self.database.execute(
            "SELECT leaf_index, leaf FROM evidence_leaves WHERE package_key IN (\(binds)) AND leaf_index < $1 ORDER BY leaf_index",
            [.integer(head.treeSize)] + keys
        )
        let tree = self.evidenceTree(size: head.treeSize)
        var entries: [Evidence.Inclusion] = []
        for row in rows {
            guard let index = row.int("leaf_index"), let event = StoreRows.decode(PackageEvent.self, row.string("leaf")) else { continue }
            entries.append(Evidence.Inclusion(leafIndex: index, event: event, proof: try await tree.inclusionProof(index).map(Hex.string)))
        }
        return Evidence.Receipt(packageId: bookingId, treeHead: head, entries: entries)
    }

    public func booking(_ bookingId: String) async throws -> Booking? {
        try await self.database.execute("SELECT booking FROM bookings WHERE booking_id = $1", [.text(bookingId)]).first
            .flatMap { StoreRows.decode(Booking.self, $0.string("booking")) }
    }

    /// Bookings by slot: of one organisation (as booker or house), of one house's room, from `from` to `to`.
    public func bookings(
        organisation: String? = nil,
        house: String? = nil,
        roomId: String? = nil,
        from: ChinaMinute? = nil,
        to: ChinaMinute? = nil,
        limit: Int = 1000
    ) async throws -> [Booking] {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        func bind(_ value: SQLValue) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let organisation { conditions.append("(booker = \(bind(.text(organisation))) OR house = \(bind(.text(organisation))))") }
        if let house { conditions.append("house = \(bind(.text(house)))") }
        if let roomId { conditions.append("room_id = \(bind(.text(roomId)))") }
        if let from { conditions.append("end_minute > \(bind(.integer(from.value)))") }
        if let to { conditions.append("start_minute < \(bind(.integer(to.value)))") }
        return try await self.database.execute(
            """
            SELECT booking FROM bookings \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY start_minute, booking_id LIMIT \(bind(.integer(limit)))
            """,
            binds
        ).compactMap { StoreRows.decode(Booking.self, $0.string("booking")) }
    }

    /// Reminds both sides of each holding booking that starts within `hours` and was not reminded since it was made or
    /// moved (`Booking.needsReminder`): once, as a change in its history and a notice in both feeds. Returns those
    /// reminded.
    public func remindBookings(hours: Int, by hub: String) async throws -> [Booking] {
        let now = self.clock.now()
        let start = ChinaMinute(of: now)
        let due = try await self.database.execute(
            "SELECT booking FROM bookings WHERE status <> $1 AND start_minute > $2 AND start_minute <= $3 ORDER BY start_minute LIMIT 1000",
            [.text(Booking.Status.cancelled.rawValue), .integer(start.value), .integer(start.value + hours * 60)]
        ).compactMap { StoreRows.decode(Booking.self, $0.string("booking")) }.filter { $0.needsReminder(now: now, hours: hours) }
        var reminded: [Booking] = []
        for booking in due {
            let request = booking.request
            let (result, changed) = try await self.changeBooking(
                request.bookingId,
                house: request.house,
                slot: (request.start, request.end)
            ) { _, current, _ in
                // Read again under the lock: another instance may have reminded it, or a side moved or cancelled it.
                guard var current, current.needsReminder(now: now, hours: hours) else { return nil }
                current.history.append(Booking.Change(action: .reminded, at: Timestamp.string(now), by: hub))
                return (current, .reminded)
            }
            if changed, let result { reminded.append(result) }
        }
        return reminded
    }
}
