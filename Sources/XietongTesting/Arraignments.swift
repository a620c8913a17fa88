public import XietongCore

/// Remote arraignment rooms and bookings for the tests of each layer (issue 26). The test day (Friday 2026-11-20,
/// `Fixtures.testDay`) is followed by the Monday the bookings are made for.
public enum Arraignments {
    public static let house = "330106000102"
    public static let police = "330106000101"
    public static let procuratorate = "330106000201"
    public static let court = "330106000301"
    /// The Monday after the test day.
    public static let monday = CalendarDate(iso: "2026-11-23")!

    /// Two rooms, open on working days 09:00–11:30 and 14:00–17:00.
    public static let rooms = [
        ArraignmentRoom(
            roomId: "R1",
            name: "远程提审室一",
            hours: [.init(weekdays: [1, 2, 3, 4, 5], from: "09:00", to: "11:30"), .init(weekdays: [1, 2, 3, 4, 5], from: "14:00", to: "17:00")]
        ),
        ArraignmentRoom(roomId: "R2", name: "远程提审室二", hours: [.init(weekdays: [1, 2, 3, 4, 5], from: "09:00", to: "17:00")]),
    ]

    /// The procuratorate's request to arraign 张某某 (the examples' suspect) in room R1 on the Monday.
    public static func request(
        id: String = "6a0c1e2d-3b4f-4a5e-8c6d-7e8f9a0b1c2d",
        room: String = "R1",
        at clock: String = "09:00",
        minutes: Int = 60,
        detainee: BookingRequest.Detainee = .init(name: "张某某", idNumber: "330106199003151236"),
        officer: String = "王检察官"
    ) -> BookingRequest {
        BookingRequest(
            bookingId: id,
            house: Self.house,
            roomId: room,
            caseCode: "20261120120133010600020100000005",
            detainee: detainee,
            officer: officer,
            start: ChinaMinute(text: "\(Self.monday.iso)T\(clock)")!,
            minutes: minutes,
            purpose: "审查逮捕讯问"
        )
    }
}
