import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

// The committee's calendar of remote arraignment rooms (issue 26, GUI-2): one week of one detention house, a table per
// room with a column per day, each booking in its day with its time, detainee, booker and state. China time, as the
// bookings are made. The read is the API's (`ArraignmentController`), logged the same way.
extension HubConsole {
    func arraignmentCalendar(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let parameters = request.uri.queryParameters
        let houses = try await self.arraignment.houses(nil)
        let house = parameters.get("house").flatMap { code in houses.first { $0.house == code } } ?? houses.first
        // The week shown: the Monday of `week` (a China day), else of today.
        let asked = parameters.get("week").flatMap { CalendarDate(iso: String($0)) }.flatMap { CaseSearch.years.contains($0.year) ? $0 : nil }
        let day = asked ?? self.store.clock.today
        let monday = day.adding(days: 1 - day.weekday)
        let days = (0..<7).map { monday.adding(days: $0) }
        try await self.arraignment.reads.log(Caller(session: session.principal), "arraignment.list", request.uri.description)
        var body = "<form method=\"get\" action=\"/console/arraignment\" class=\"inline\">"
        body += "<label>\(ConsoleHTML.t(language, "看守所", "Detention house")) <select name=\"house\">"
        for option in houses {
            let selected = option.house == house?.house ? " selected" : ""
            body +=
                "<option value=\"\(ConsoleHTML.escape(option.house))\"\(selected)>\(ConsoleHTML.escape(self.orgName(option.house, language)))</option>"
        }
        body += "</select></label> <input type=\"date\" name=\"week\" value=\"\(monday.iso)\"> "
        body += "<button type=\"submit\">\(ConsoleHTML.t(language, "查看", "Show"))</button></form>"
        guard let house else {
            body += "<p id=\"arraignment-empty\">\(ConsoleHTML.t(language, "尚无看守所公布提审室", "No detention house publishes rooms yet"))</p>"
            return self.render(request, session, title: ("远程提审", "Remote arraignment"), body: body)
        }
        let link = "/console/arraignment?house=\(ConsoleHTML.escape(house.house))&week="
        body += "<p><a href=\"\(link)\(monday.adding(days: -7).iso)\" id=\"week-before\">← \(ConsoleHTML.t(language, "上一周", "Week before"))</a> · "
        body += "<strong id=\"week\">\(monday.iso) – \(monday.adding(days: 6).iso)</strong> · "
        body += "<a href=\"\(link)\(monday.adding(days: 7).iso)\" id=\"week-after\">\(ConsoleHTML.t(language, "下一周", "Week after")) →</a></p>"
        let bookings = try await self.store.bookings(
            house: house.house,
            from: ChinaMinute(day: monday, minuteOfDay: 0),
            to: ChinaMinute(day: monday.adding(days: 7), minuteOfDay: 0)
        )
        let weekdays = language == .en ? ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] : ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        for room in house.rooms {
            let hours = room.hours.map { "\(Self.days($0.weekdays, weekdays, language)) \($0.from)–\($0.to)" }.joined(
                separator: language.pick("；", "; ")
            )
            body += "<h2>\(ConsoleHTML.escape(room.name)) <small class=\"mono\">\(ConsoleHTML.escape(room.roomId))</small> "
            body += "<small>\(ConsoleHTML.escape(hours))</small></h2>"
            let cells = days.map { day in
                bookings.filter { $0.request.roomId == room.roomId && $0.request.start.day == day }.map { booking in
                    let request = booking.request
                    let colour =
                        switch booking.status {
                        case .confirmed: "green"
                        case .requested: "amber"
                        case .cancelled: "grey"
                        }
                    return """
                        <div class="booking \(booking.status.rawValue)" data-booking="\(ConsoleHTML.escape(request.bookingId))">\
                        <strong>\(request.start.clock)–\(request.end.clock)</strong> \
                        <span class="badge \(colour)">\(ConsoleHTML.escape(language.pick(booking.status.name.zh, booking.status.name.en)))</span><br>\
                        \(ConsoleHTML.escape(request.detainee.name))<br><small>\(ConsoleHTML.escape(self.orgName(booking.booker, language))) · \
                        \(ConsoleHTML.escape(request.officer))</small><br>\
                        <a href="/console/cases/\(ConsoleHTML.escape(request.caseCode))" class="mono"><small>\(ConsoleHTML.escape(request.caseCode))</small></a></div>
                        """
                }.joined()
            }
            body += ConsoleHTML.table(
                days.map { "\(weekdays[$0.weekday - 1]) \($0.iso.dropFirst(5))" },
                [cells],
                id: "room-\(room.roomId)",
                empty: ""
            )
        }
        return self.render(request, session, title: ("远程提审", "Remote arraignment"), body: body)
    }

    /// Weekdays as an officer writes them: a run of three or more as its first and last (周一至周五, Mon–Fri).
    static func days(_ numbers: [Int], _ names: [String], _ language: ConsoleLanguage) -> String {
        let sorted = Array(Set(numbers)).sorted()
        if sorted.count >= 3, let first = sorted.first, let last = sorted.last, last - first == sorted.count - 1 {
            return names[first - 1] + language.pick("至", "–") + names[last - 1]
        }
        return sorted.map { names[$0 - 1] }.joined(separator: language.pick("、", ", "))
    }
}
