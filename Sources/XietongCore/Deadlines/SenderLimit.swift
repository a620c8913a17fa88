/// A sender's own time limit (issue 20): 提请批准逮捕 within 3 days of the detention (刑事诉讼法第91条), 交付执行
/// within 10 days of the judgment taking effect (第264条), the hearing notice served at least 3 days before the hearing
/// (第187条第3款). The hub does not see the event such a limit counts from; the sender states its day in the package's
/// key dates (standard 1.2, `Case/KeyDates`), or, for a detention, in the 拘留 measure it carries.
///
/// The limit is met by the sender's own message, so it is counted when that message arrives: its last day against the
/// hub's receipt, on time or late. Where an earlier package of the same flow from the same sender states the start,
/// the limit is opened then, and reminded like a receiver limit until the message is sent.
public struct SenderLimit: Sendable, Hashable {
    /// An approved extension's change of the last day (LimitExtension): the day before it, and why the day is what it
    /// is now (the approval, or the statutory longest that capped it).
    public struct Change: Sendable, Hashable {
        public var from: CalendarDate
        public var reason: LocalizedText
    }

    public var deadline: Deadline
    public var change: Change?

    /// The key-date event a limit's `start` names (`beforeHearing` counts back from the `hearing`).
    public static func event(of limit: TimeLimit) -> String {
        limit.start == "beforeHearing" ? "hearing" : limit.start
    }

    /// The events a sender limit can count from: those `Case/KeyDates` may state (the 1.2 schema's enumeration).
    public static let events: Set<String> = [
        "detention", "discovery", "change", "hearing", "pronouncement", "effective", "appeal", "decision", "ruling", "protestPeriodEnd",
    ]

    /// The day the package states for the limit's start: its key date, or for a detention the earliest 拘留 measure's
    /// start. Nil when it states none, or not as a date.
    public static func startDate(of limit: TimeLimit, in body: CasePackage.Body) -> CalendarDate? {
        let event = Self.event(of: limit)
        if let stated = body.caseInfo.keyDate(event) { return CalendarDate(iso: stated) }
        guard event == "detention" else { return nil }
        return body.coerciveMeasures.filter { $0.kind == "criminalDetention" }.compactMap { CalendarDate(iso: $0.startDate) }.min()
    }

    /// Counts `limit` for a package: nil when the package states no start for it.
    public static func count(_ limit: TimeLimit, for body: CasePackage.Body, counter: DeadlineCounter, custody: Bool) -> SenderLimit? {
        guard let start = Self.startDate(of: limit, in: body) else { return nil }
        if limit.start == "beforeHearing" {
            // Counted back from the hearing: served by the day `value` days before it (刑事诉讼法第187条第3款, "至迟在
            // 开庭三日以前送达"). The holiday rule of 第105条 moves the end of a period, not a day before an event.
            return SenderLimit(
                deadline: Deadline(startsOn: start, dueOn: start.adding(days: -limit.value), custody: custody, limit: limit)
            )
        }
        let deadline = counter.count(limit, startingOn: start, custody: custody)
        guard let extended = LimitExtension.extendedTo(in: body), let moved = LimitExtension.apply(extended, to: deadline, counter: counter)
        else { return SenderLimit(deadline: deadline) }
        return SenderLimit(deadline: moved.deadline, change: moved.change)
    }
}
