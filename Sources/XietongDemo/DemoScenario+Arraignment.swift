import Foundation
import XietongClient
import XietongCore

// The demo's remote arraignment (issue 26, GUI-2): the detention house publishes its rooms, the procuratorate books
// one for the suspect on the next working day, the court's overlapping request for the same suspect is refused, and
// the house confirms. Both sides' nodes receive each change through their feeds.
extension DemoRunner.Scenario {
    func bookArraignment(caseCode: String) async throws {
        self.say("")
        self.say("远程提审室预约 remote arraignment booking (GUI-2)")
        let house = self.api(DemoCase.detentionHouse)
        let workingDays = [1, 2, 3, 4, 5]
        let rooms = [
            ArraignmentRoom(
                roomId: "R1",
                name: "远程提审室一",
                hours: [.init(weekdays: workingDays, from: "09:00", to: "11:30"), .init(weekdays: workingDays, from: "14:00", to: "17:00")]
            ),
            ArraignmentRoom(roomId: "R2", name: "远程提审室二", hours: [.init(weekdays: workingDays, from: "09:00", to: "17:00")]),
        ]
        let published = try await house.publishRooms(rooms)
        guard published.status == 200 else { throw UnexpectedReply("the detention house's rooms", published) }
        self.say("  \(self.fullName(DemoCase.detentionHouse)) 公布提审室 publishes rooms: R1 远程提审室一, R2 远程提审室二 (工作日 working days)")
        // The next working day (Monday to Friday), 09:30 China time.
        var day = ChinaMinute(of: Date()).day.adding(days: 1)
        while day.weekday > 5 { day = day.adding(days: 1) }
        let suspect = BookingRequest.Detainee(
            name: "张某某",
            idNumber: ResidentIDNumber.build(division: "330106", birth: "19900315", order: 123, male: true)?.rawValue
        )
        let request = BookingRequest(
            bookingId: UUID().uuidString.lowercased(),
            house: DemoCase.detentionHouse,
            roomId: "R1",
            caseCode: caseCode,
            detainee: suspect,
            officer: "王检察官",
            start: ChinaMinute(day: day, minuteOfDay: 570),
            minutes: 60,
            purpose: "审查起诉讯问"
        )
        let booked = try await self.api(DemoCase.procuratorate).book(request)
        guard booked.status == 201 else { throw UnexpectedReply("the procuratorate's booking", booked) }
        self.say(
            "  \(self.name(DemoCase.procuratorate)) 预约 books R1 \(request.start.text.replacingOccurrences(of: "T", with: " "))–\(request.end.clock) (北京时间 China time) 张某某"
        )
        var overlapping = request
        overlapping.bookingId = UUID().uuidString.lowercased()
        overlapping.roomId = "R2"
        overlapping.officer = "钱法官"
        overlapping.start = request.start.adding(minutes: 30)
        let refused = try await self.api(DemoCase.court).book(overlapping)
        let answer = try? JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any]
        let code = answer?["error"] as? String ?? ""
        self.say("  \(self.name(DemoCase.court)) 同一被提审人时间重叠 the same detainee, overlapping: \(refused.status) \(code)")
        let confirmed = try await house.confirmBooking(request.bookingId)
        guard confirmed.status == 200 else { throw UnexpectedReply("the house's confirmation", confirmed) }
        self.say("  \(self.name(DemoCase.detentionHouse)) 确认 confirms; 双方节点经各自队列收到 both sides' nodes receive it through their feeds")
        // The procuratorate's arraignment certificate, sealed with its key (SZ-2); without PoDoFo it says why.
        let issued = try await self.api(DemoCase.procuratorate).issueArraignmentCertificate(bookingId: request.bookingId)
        if issued.status == 201, let sha256 = (try? JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any])?["sha256"] as? String {
            self.say("  \(self.name(DemoCase.procuratorate)) 出具并签章提讯证 issues the sealed arraignment certificate (SHA-256 \(sha256.prefix(16))…)")
        } else {
            self.say("  未能出具提讯证 no arraignment certificate: \(issued.status) \(issued.text.prefix(300))")
        }
    }
}
