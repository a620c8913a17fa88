public import Foundation

/// Remote arraignment room booking (远程提审室预约, issue 26, GUI-2). A detention house publishes its rooms and their
/// hours; procuratorates, courts and police book a slot for a named detainee of a case; the house confirms; either
/// side cancels; the booker moves its slot. Core decides what may be booked and what conflicts; the hub's store keeps
/// the bookings, and every change travels to both sides' nodes through their feeds.
public enum Arraignment {
    /// The agencies that book rooms.
    public static let bookers: Set<AgencyKind> = [.procuratorate, .court, .police]
    /// How long a slot may be, in minutes.
    public static let slotRange = 15...480
    /// How far ahead a slot may be booked, in days.
    public static let horizonDays = 90

    public enum ProblemCode: String, Sendable {
        /// A field missing or malformed.
        case invalid = "booking.invalid"
        /// No such room at that detention house.
        case unknownRoom = "booking.unknown-room"
        /// The slot is not within the room's hours, or it is past.
        case outsideHours = "booking.outside-hours"
        /// The room, the detainee or the booker's officer is taken at that time.
        case conflict = "booking.conflict"
        /// This organisation may not do that (it does not book, is not a detention house, or is not a side of it).
        case notAllowed = "booking.not-allowed"
        /// The booking is cancelled or already in the state asked for.
        case state = "booking.state"
    }

    public typealias Problem = Refusal<ProblemCode>
}

/// A minute of China time (UTC+8), counted from 1970-01-01 00:00 China time. Bookings are made and shown in China
/// time, so their slots are compared in it.
public struct ChinaMinute: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: Int

    public init(_ value: Int) { self.value = value }

    public init(day: CalendarDate, minuteOfDay: Int) { self.value = day.ordinal * 1440 + minuteOfDay }

    /// The China minute an instant falls in.
    public init(of date: Date) {
        self.value = Int(((date.timeIntervalSince1970 + Double(CalendarDate.chinaUTCOffset)) / 60).rounded(.down))
    }

    /// `YYYY-MM-DDTHH:MM` in China time, optionally with `+08:00`.
    public init?(text: String) {
        var text = text
        if text.hasSuffix("+08:00") { text.removeLast(6) }
        let parts = text.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, let day = CalendarDate(iso: String(parts[0])), let minute = Self.minuteOfDay(String(parts[1])) else { return nil }
        self.init(day: day, minuteOfDay: minute)
    }

    /// `HH:MM` as minutes from midnight (24:00 is the end of the day).
    public static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...24).contains(hours), (0...59).contains(minutes), hours * 60 + minutes <= 1440
        else { return nil }
        return hours * 60 + minutes
    }

    public var day: CalendarDate { CalendarDate(ordinal: self.value.floorDivided(by: 1440)) }
    public var minuteOfDay: Int { self.value - self.day.ordinal * 1440 }
    public var clock: String { Self.clock(self.minuteOfDay) }
    public var text: String { "\(self.day.iso)T\(self.clock)" }
    public var description: String { self.text }

    public static func clock(_ minuteOfDay: Int) -> String {
        let hours = minuteOfDay / 60
        let minutes = minuteOfDay % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }

    public static func < (lhs: ChinaMinute, rhs: ChinaMinute) -> Bool { lhs.value < rhs.value }

    public func adding(minutes: Int) -> ChinaMinute { ChinaMinute(self.value + minutes) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let minute = ChinaMinute(text: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a China time YYYY-MM-DDTHH:MM")
        }
        self = minute
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.text)
    }
}

extension Int {
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// A remote arraignment room as its detention house publishes it.
public struct ArraignmentRoom: Sendable, Codable, Hashable {
    /// When the room may be booked: on these ISO weekdays (1 Monday … 7 Sunday), from `from` to `to` (`HH:MM`).
    public struct Hours: Sendable, Codable, Hashable {
        public var weekdays: [Int]
        public var from: String
        public var to: String

        public init(weekdays: [Int], from: String, to: String) {
            self.weekdays = weekdays
            self.from = from
            self.to = to
        }
    }

    /// The house's own id of the room.
    public var roomId: String
    public var name: String
    public var hours: [Hours]

    public init(roomId: String, name: String, hours: [Hours]) {
        self.roomId = roomId
        self.name = name
        self.hours = hours
    }

    /// Whether the room is open for the whole of [start, end): within one day's opening.
    public func isOpen(from start: ChinaMinute, to end: ChinaMinute) -> Bool {
        guard start < end, start.day == end.adding(minutes: -1).day else { return false }
        let weekday = start.day.weekday
        return self.hours.contains { hours in
            guard hours.weekdays.contains(weekday), let from = ChinaMinute.minuteOfDay(hours.from), let to = ChinaMinute.minuteOfDay(hours.to) else {
                return false
            }
            return from <= start.minuteOfDay && end.value - start.day.ordinal * 1440 <= to
        }
    }

    /// The rooms a house publishes, checked: ids unique and given, names given, hours readable.
    public static func checked(_ rooms: [ArraignmentRoom]) throws(Arraignment.Problem) -> [ArraignmentRoom] {
        guard (1...50).contains(rooms.count) else {
            throw Arraignment.Problem(.invalid, "rooms", zh: "应公布 1 至 50 个提审室", en: "publish between 1 and 50 rooms")
        }
        var seen = Set<String>()
        for (index, room) in rooms.enumerated() {
            let path = "rooms[\(index)]"
            guard !room.roomId.isEmpty, room.roomId.count <= 40, room.roomId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
                seen.insert(room.roomId).inserted
            else {
                throw Arraignment.Problem(
                    .invalid,
                    "\(path).roomId",
                    zh: "提审室编号应为不超过 40 位的字母、数字或“-”，且不重复：\(room.roomId)",
                    en: "a room id is up to 40 letters, digits or '-', and unique: \(room.roomId)"
                )
            }
            guard !room.name.isEmpty, room.name.count <= 50 else {
                throw Arraignment.Problem(.invalid, "\(path).name", zh: "提审室名称不能为空，且不超过 50 个字", en: "a room's name is 1 to 50 characters")
            }
            guard !room.hours.isEmpty, room.hours.count <= 14 else {
                throw Arraignment.Problem(.invalid, "\(path).hours", zh: "应列出 1 至 14 段开放时间", en: "list between 1 and 14 opening hours")
            }
            for (number, hours) in room.hours.enumerated() {
                guard !hours.weekdays.isEmpty, hours.weekdays.allSatisfy((1...7).contains),
                    let from = ChinaMinute.minuteOfDay(hours.from), let to = ChinaMinute.minuteOfDay(hours.to), from < to
                else {
                    throw Arraignment.Problem(
                        .invalid,
                        "\(path).hours[\(number)]",
                        zh: "开放时间应为星期（1 至 7）及“HH:MM”起止，且起早于止",
                        en: "opening hours are weekdays 1 to 7 and a 'HH:MM' start before its end"
                    )
                }
            }
        }
        return rooms
    }
}

/// What a booker's business system asks for through its node.
public struct BookingRequest: Sendable, Codable, Hashable {
    public struct Detainee: Sendable, Codable, Hashable {
        public var name: String
        public var idNumber: String?

        public init(name: String, idNumber: String? = nil) {
            self.name = name
            self.idNumber = idNumber
        }
    }

    /// The booker's own id (a UUID): asking again returns the booking as first made.
    public var bookingId: String
    /// The detention house's organisation code.
    public var house: String
    public var roomId: String
    public var caseCode: String
    public var detainee: Detainee
    /// The booker's officer who will conduct the arraignment.
    public var officer: String
    public var start: ChinaMinute
    public var minutes: Int
    public var purpose: String?

    public init(
        bookingId: String,
        house: String,
        roomId: String,
        caseCode: String,
        detainee: Detainee,
        officer: String,
        start: ChinaMinute,
        minutes: Int,
        purpose: String? = nil
    ) {
        self.bookingId = bookingId
        self.house = house
        self.roomId = roomId
        self.caseCode = caseCode
        self.detainee = detainee
        self.officer = officer
        self.start = start
        self.minutes = minutes
        self.purpose = purpose
    }

    public var end: ChinaMinute { self.start.adding(minutes: self.minutes) }

    /// Checks the fields, normalising the detainee's ID number; the first problem otherwise.
    public func checked() throws(Arraignment.Problem) -> BookingRequest {
        func invalid(_ field: String, zh: String, en: String) -> Arraignment.Problem { Arraignment.Problem(.invalid, field, zh: zh, en: en) }
        var request = self
        guard UUID(uuidString: self.bookingId) != nil else { throw invalid("bookingId", zh: "预约编号应为 UUID", en: "bookingId must be a UUID") }
        guard self.house.count == 12, self.house.allSatisfy(\.isASCII) else {
            throw invalid("house", zh: "看守所机构代码应为 12 位：\(self.house)", en: "house must be a 12-character organisation code: \(self.house)")
        }
        guard (try? UnifiedCaseCode(self.caseCode)) != nil else {
            throw invalid("caseCode", zh: "统一赋码应为 32 位：\(self.caseCode)", en: "caseCode must be a 32-digit unified code: \(self.caseCode)")
        }
        for (field, value, limit) in [("detainee.name", self.detainee.name, 50), ("officer", self.officer, 50), ("roomId", self.roomId, 40)] {
            guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, value.count <= limit else {
                throw invalid(field, zh: "\(field) 不能为空，且不超过 \(limit) 个字", en: "\(field) must be given, in at most \(limit) characters")
            }
        }
        if let purpose = self.purpose, purpose.count > 500 {
            throw invalid("purpose", zh: "提审事由不超过 500 个字", en: "purpose has at most 500 characters")
        }
        if let number = self.detainee.idNumber {
            guard let normalised = CaseSearch.normalisedIDNumber(number) else {
                throw invalid("detainee.idNumber", zh: "身份证号无效：\(number)", en: "not an ID number: \(number)")
            }
            request.detainee.idNumber = normalised
        }
        guard Arraignment.slotRange.contains(self.minutes) else {
            throw invalid(
                "minutes",
                zh: "时长应为 \(Arraignment.slotRange.lowerBound) 至 \(Arraignment.slotRange.upperBound) 分钟",
                en: "minutes must be between \(Arraignment.slotRange.lowerBound) and \(Arraignment.slotRange.upperBound)"
            )
        }
        return request
    }
}

/// A booking as the hub keeps it, with its history.
public struct Booking: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Asked for; the detention house has not confirmed it.
        case requested
        /// Confirmed by the detention house.
        case confirmed
        /// Cancelled by either side.
        case cancelled

        public var name: LocalizedText {
            switch self {
            case .requested: LocalizedText(zh: "待确认", en: "requested")
            case .confirmed: LocalizedText(zh: "已确认", en: "confirmed")
            case .cancelled: LocalizedText(zh: "已取消", en: "cancelled")
            }
        }

        /// Whether the booking holds its room, detainee and officer.
        public var holds: Bool { self != .cancelled }
    }

    /// What happened to a booking, as both sides are told.
    public enum Action: String, Sendable, Codable, CaseIterable {
        case requested, confirmed, cancelled, rescheduled, reminded

        public var name: LocalizedText {
            switch self {
            case .requested: LocalizedText(zh: "预约", en: "requested")
            case .confirmed: LocalizedText(zh: "确认", en: "confirmed")
            case .cancelled: LocalizedText(zh: "取消", en: "cancelled")
            case .rescheduled: LocalizedText(zh: "改约", en: "rescheduled")
            case .reminded: LocalizedText(zh: "提醒", en: "reminder")
            }
        }
    }

    public struct Change: Sendable, Codable, Hashable {
        public var action: Action
        public var at: String
        /// The organisation that made the change (the hub's own code for a reminder).
        public var by: String
        public var note: String?

        public init(action: Action, at: String, by: String, note: String? = nil) {
            self.action = action
            self.at = at
            self.by = by
            self.note = note
        }
    }

    public var request: BookingRequest
    public var booker: String
    public var status: Status
    public var history: [Change]

    public init(request: BookingRequest, booker: String, status: Status, history: [Change]) {
        self.request = request
        self.booker = booker
        self.status = status
        self.history = history
    }

    /// The two sides: the booker and the detention house.
    public var sides: [String] { [self.booker, self.request.house] }

    /// Whether this booking and `other` may not both hold: overlapping slots of the same room, the same detainee, or
    /// the same officer of the same booker. Which of these it is, or nil.
    public func conflict(with other: BookingRequest, booker otherBooker: String) -> LocalizedText? {
        guard self.status.holds, self.request.bookingId != other.bookingId, self.request.start < other.end, other.start < self.request.end else {
            return nil
        }
        let slot = "\(self.request.start.text)–\(self.request.end.clock)"
        if self.request.house == other.house, self.request.roomId == other.roomId {
            return LocalizedText(zh: "提审室 \(other.roomId) 在 \(slot) 已被预约", en: "room \(other.roomId) is booked at \(slot)")
        }
        if Self.sameDetainee(self.request, other) {
            return LocalizedText(zh: "被提审人 \(other.detainee.name) 在 \(slot) 已有提审", en: "\(other.detainee.name) is booked for arraignment at \(slot)")
        }
        if self.booker == otherBooker, self.request.officer == other.officer {
            return LocalizedText(zh: "承办人 \(other.officer) 在 \(slot) 已有提审", en: "officer \(other.officer) is booked at \(slot)")
        }
        return nil
    }

    static func sameDetainee(_ first: BookingRequest, _ second: BookingRequest) -> Bool {
        if let one = first.detainee.idNumber, let two = second.detainee.idNumber { return one == two }
        return first.detainee.name == second.detainee.name && first.caseCode == second.caseCode
    }

    /// Whether a booking of `request` by `booker` may be made now: the booker books, the house is a detention house
    /// publishing that room, the slot is ahead, within the horizon and the room's hours, and nothing holds the room,
    /// the detainee or the officer at that time.
    public static func check(
        _ request: BookingRequest,
        booker: String,
        bookerKinds: Set<AgencyKind>,
        houseKinds: Set<AgencyKind>,
        rooms: [ArraignmentRoom],
        existing: [Booking],
        now: Date
    ) throws(Arraignment.Problem) -> BookingRequest {
        let request = try request.checked()
        guard !bookerKinds.isDisjoint(with: Arraignment.bookers) else {
            throw Arraignment.Problem(
                .notAllowed,
                "booker",
                zh: "仅检察机关、审判机关和公安机关可预约提审室",
                en: "only procuratorates, courts and police book arraignment rooms"
            )
        }
        guard houseKinds.contains(.detentionHouse), let room = rooms.first(where: { $0.roomId == request.roomId }) else {
            throw Arraignment.Problem(
                .unknownRoom,
                "roomId",
                zh: "\(request.house) 没有公布提审室 \(request.roomId)",
                en: "\(request.house) publishes no room \(request.roomId)"
            )
        }
        let now = ChinaMinute(of: now)
        guard now < request.start, request.start.day.ordinal - now.day.ordinal <= Arraignment.horizonDays else {
            throw Arraignment.Problem(
                .outsideHours,
                "start",
                zh: "提审时间应在现在之后 \(Arraignment.horizonDays) 日内：\(request.start.text)",
                en: "the slot must start after now and within \(Arraignment.horizonDays) days: \(request.start.text)"
            )
        }
        guard room.isOpen(from: request.start, to: request.end) else {
            let hours = room.hours.map { "\($0.weekdays.map(String.init).joined(separator: ",")) \($0.from)–\($0.to)" }.joined(separator: "; ")
            throw Arraignment.Problem(
                .outsideHours,
                "start",
                zh: "\(request.start.text) 起 \(request.minutes) 分钟不在提审室开放时间内（星期 \(hours)）",
                en: "\(request.minutes) minutes from \(request.start.text) are outside the room's hours (weekdays \(hours))"
            )
        }
        for booking in existing {
            if let conflict = booking.conflict(with: request, booker: booker) {
                throw Arraignment.Problem(code: .conflict, field: "start", message: conflict)
            }
        }
        return request
    }

    /// Whether the booking is due its reminder at `now`: it holds, starts within `hours`, and was not reminded since it
    /// was last booked or moved.
    public func needsReminder(now: Date, hours: Int) -> Bool {
        let now = ChinaMinute(of: now)
        guard self.status.holds, now < self.request.start, self.request.start.value - now.value <= hours * 60 else { return false }
        let last = self.history.last { $0.action == .reminded || $0.action == .rescheduled || $0.action == .requested }
        return last?.action != .reminded
    }
}

/// A change of a booking, as it travels to both sides' nodes in their feeds.
public struct BookingNotice: Sendable, Codable, Hashable {
    public var booking: Booking
    public var action: Booking.Action

    public init(booking: Booking, action: Booking.Action) {
        self.booking = booking
        self.action = action
    }

    /// What the notice says, for an officer: the change, the house's room, the slot (China time) and the detainee.
    public var text: LocalizedText {
        let request = self.booking.request
        let slot = "\(request.start.text.replacingOccurrences(of: "T", with: " "))–\(request.end.clock)"
        return LocalizedText(
            zh: "远程提审预约\(self.action.name.zh)：\(request.house) 提审室 \(request.roomId)，\(slot)（北京时间），被提审人 \(request.detainee.name)，"
                + "状态“\(self.booking.status.name.zh)”",
            en: "Remote arraignment booking \(self.action.name.en): \(request.house) room \(request.roomId), \(slot) (China time), "
                + "detainee \(request.detainee.name), \(self.booking.status.name.en)"
        )
    }
}

extension Booking {
    /// The booking `request` by `booker` makes, checked (`Booking.check`); nil when `current` is that same booking
    /// already (asked again), a refusal when the id is another's.
    public static func requested(
        _ request: BookingRequest,
        booker: String,
        bookerKinds: Set<AgencyKind>,
        houseKinds: Set<AgencyKind>,
        rooms: [ArraignmentRoom],
        current: Booking?,
        others: [Booking],
        now: Date
    ) throws(Arraignment.Problem) -> Booking? {
        if let current {
            guard current.booker == booker, current.request.house == request.house else {
                throw Arraignment.Problem(
                    .notAllowed,
                    "bookingId",
                    zh: "预约编号已被使用：\(request.bookingId)",
                    en: "the booking id \(request.bookingId) is taken"
                )
            }
            return nil
        }
        let checked = try Self.check(
            request,
            booker: booker,
            bookerKinds: bookerKinds,
            houseKinds: houseKinds,
            rooms: rooms,
            existing: others,
            now: now
        )
        return Booking(
            request: checked,
            booker: booker,
            status: .requested,
            history: [Change(action: .requested, at: Timestamp.string(now), by: booker)]
        )
    }

    /// The detention house confirms a requested booking.
    public func confirmed(by organisation: String, at now: Date) throws(Arraignment.Problem) -> Booking {
        guard organisation == self.request.house else {
            throw Arraignment.Problem(.notAllowed, "bookingId", zh: "仅看守所可确认预约", en: "only the detention house confirms a booking")
        }
        guard self.status == .requested else { throw self.stateProblem(wanted: .confirmed) }
        var booking = self
        booking.status = .confirmed
        booking.history.append(Change(action: .confirmed, at: Timestamp.string(now), by: organisation))
        return booking
    }

    /// Either side cancels a booking that holds, with its reason.
    public func cancelled(by organisation: String, note: String?, at now: Date) throws(Arraignment.Problem) -> Booking {
        guard self.sides.contains(organisation) else {
            throw Arraignment.Problem(.notAllowed, "bookingId", zh: "仅预约双方可取消预约", en: "only the booker and the detention house cancel a booking")
        }
        guard self.status.holds else { throw self.stateProblem(wanted: .cancelled) }
        if let note, note.count > 500 {
            throw Arraignment.Problem(.invalid, "note", zh: "取消理由不超过 500 个字", en: "a note has at most 500 characters")
        }
        var booking = self
        booking.status = .cancelled
        booking.history.append(Change(action: .cancelled, at: Timestamp.string(now), by: organisation, note: note))
        return booking
    }

    /// A reschedule that gives no new start (or length) keeps the booking's, as the caller read it before the change
    /// was decided. If another change moved the booking since, those are stale: the slot checked for conflicts would
    /// not be the one kept, and two reschedules could undo each other. Refused then, to be read and asked again.
    public func checkUnmoved(since read: Booking, keepsStart: Bool, keepsMinutes: Bool) throws(Arraignment.Problem) {
        let moved = (keepsStart && self.request.start != read.request.start) || (keepsMinutes && self.request.minutes != read.request.minutes)
        guard !moved else {
            throw Arraignment.Problem(
                .state,
                "bookingId",
                zh: "预约已被改动（现为 \(self.request.start.text)，\(self.request.minutes) 分钟），请重新读取后再改约",
                en: "the booking changed meanwhile (now \(self.request.start.text), \(self.request.minutes) minutes); read it again, then reschedule"
            )
        }
    }

    /// The booker moves a booking that holds to another slot (and room) of the same house: checked as a new booking
    /// would be, except against itself, and requested again for the house to confirm.
    public func rescheduled(
        start: ChinaMinute,
        minutes: Int,
        roomId: String?,
        by organisation: String,
        bookerKinds: Set<AgencyKind>,
        houseKinds: Set<AgencyKind>,
        rooms: [ArraignmentRoom],
        others: [Booking],
        now: Date
    ) throws(Arraignment.Problem) -> Booking {
        guard organisation == self.booker else {
            throw Arraignment.Problem(.notAllowed, "bookingId", zh: "仅预约方可改约", en: "only the booker reschedules a booking")
        }
        guard self.status.holds else { throw self.stateProblem(wanted: .requested) }
        var request = self.request
        request.start = start
        request.minutes = minutes
        if let roomId { request.roomId = roomId }
        var booking = self
        booking.request = try Self.check(
            request,
            booker: self.booker,
            bookerKinds: bookerKinds,
            houseKinds: houseKinds,
            rooms: rooms,
            existing: others,
            now: now
        )
        booking.status = .requested
        booking.history.append(
            Change(action: .rescheduled, at: Timestamp.string(now), by: organisation, note: "\(self.request.start.text) → \(request.start.text)")
        )
        return booking
    }

    func stateProblem(wanted: Status) -> Arraignment.Problem {
        Arraignment.Problem(
            .state,
            "bookingId",
            zh: "预约现为“\(self.status.name.zh)”，不能改为“\(wanted.name.zh)”",
            en: "the booking is \(self.status.name.en) and cannot become \(wanted.name.en)"
        )
    }
}
