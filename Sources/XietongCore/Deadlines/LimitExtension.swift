/// An approved or decided extension of a time limit (issue 20): the responsible agency states the new last day as the
/// package's `limitExtendedTo` key date, and the limit's `longest` says how far the law lets it go.
///
/// - 刑事诉讼法第91条第2款: the police's arrest request, 3 days from the detention, at most 30 (a sender limit);
/// - 第172条: the review for prosecution, 1 month, +15 days for a major or complex case; fast-track 10, at most 15;
/// - 第208条第1款: the first-instance trial, 2 months, at most 3, +3 with the upper court's approval (最高法解释第210条),
///   further with the Supreme People's Court's (`beyond`);
/// - 第220条: summary procedure, 20 days, at most 1 month and a half; 第225条: fast-track, 10 days, at most 15;
/// - 第243条: the second instance, 2 months, +2 with the high court's approval, further with the SPC's;
/// - 人民检察院刑事诉讼规则第282条: the arrest review of a suspect not detained, 15 days, at most 20.
///
/// The approved day stands as it is: no holiday moves it and no calendar year makes it provisional. A day past the
/// longest is counted to the longest, unless the law lets a further approval go past it (`beyond`).
public enum LimitExtension {
    /// The limit counted `deadline` moved to `extended`: nil when the limit cannot be extended, or `extended` is not
    /// later than its last day now.
    public static func apply(
        _ extended: CalendarDate,
        to deadline: Deadline,
        counter: DeadlineCounter
    ) -> (deadline: Deadline, change: SenderLimit.Change)? {
        let limit = deadline.limit
        guard let longest = limit.longest, extended > deadline.dueOn else { return nil }
        // The longest is a period like any other: its last day moves past a holiday unless the person is in custody
        // (刑事诉讼法第105条第4款).
        let plain = longest.end(from: deadline.startsOn)
        let cap = deadline.custody ? plain : counter.calendar.firstWorkingDay(onOrAfter: plain)
        var moved = deadline
        let note: LocalizedText
        if extended <= cap {
            moved.dueOn = extended
            note = LocalizedText(zh: "经批准延长至 \(extended)", en: "extended by approval to \(extended)")
        } else if let beyond = limit.beyond {
            moved.dueOn = extended
            note = LocalizedText(
                zh: "经批准延长至 \(extended)，超过法定\(longest.text.zh)，须经\(beyond)",
                en: "extended by approval to \(extended), past the statutory \(longest.text.en): needs \(beyond)"
            )
        } else {
            moved.dueOn = max(cap, deadline.dueOn)
            note = LocalizedText(
                zh: "经批准延长至 \(extended)，超过法定最长\(longest.text.zh)，按 \(moved.dueOn) 计",
                en: "extended by approval to \(extended), beyond the statutory longest of \(longest.text.en); counted to \(moved.dueOn)"
            )
        }
        guard moved.dueOn > deadline.dueOn else { return nil }
        moved.movedFrom = nil
        moved.uncoveredYears = []
        return (moved, SenderLimit.Change(from: deadline.dueOn, reason: note))
    }

    /// The day a package states an approved extension runs to, if it states one.
    public static func extendedTo(in body: CasePackage.Body) -> CalendarDate? {
        body.caseInfo.keyDate("limitExtendedTo").flatMap(CalendarDate.init(iso:))
    }
}
