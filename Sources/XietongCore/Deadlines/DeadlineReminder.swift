/// A reminder of a statutory time limit, pushed to the agency that must act (GS-3): at the configured points before
/// the last day, on it, and once it has passed.
public struct DeadlineReminder: Sendable, Codable, Hashable {
    public enum Point: String, Sendable, Codable, Hashable {
        /// Some days before the last day.
        case dueSoon
        /// The last day is today.
        case dueToday
        /// The last day has passed and the duty is still open.
        case overdue
    }

    public var packageId: String
    public var seq: Int
    public var caseCode: String
    public var flow: String
    public var messageType: String
    public var messageName: LocalizedText
    public var responsible: String
    public var dueOn: String
    public var point: Point
    /// Days from the reminder's day to the last day (negative once overdue).
    public var daysLeft: Int
    public var limit: String
    public var basis: String
    public var sentAt: String
    /// True when the last day is provisional: its count needs a year the hub's holiday calendar does not list
    /// (issue 20). Nil from hubs of earlier releases.
    public var provisional: Bool?

    public init(
        packageId: String,
        seq: Int,
        caseCode: String,
        flow: String,
        messageType: String,
        messageName: LocalizedText,
        responsible: String,
        dueOn: String,
        point: Point,
        daysLeft: Int,
        limit: String,
        basis: String,
        sentAt: String,
        provisional: Bool = false
    ) {
        self.packageId = packageId
        self.seq = seq
        self.caseCode = caseCode
        self.flow = flow
        self.messageType = messageType
        self.messageName = messageName
        self.responsible = responsible
        self.dueOn = dueOn
        self.point = point
        self.daysLeft = daysLeft
        self.limit = limit
        self.basis = basis
        self.sentAt = sentAt
        self.provisional = provisional
    }

    /// What the officer reads, Chinese first.
    public var text: LocalizedText {
        let text = self.pointText
        guard self.provisional == true else { return text }
        return LocalizedText(
            zh: text.zh + "（期满日暂定：该年节假日安排尚未载入）",
            en: text.en + " (provisional: the holiday calendar of that year is not loaded yet)"
        )
    }

    var pointText: LocalizedText {
        switch self.point {
        case .dueSoon:
            LocalizedText(
                zh: "“\(self.messageName.zh)”的办理期限还有 \(self.daysLeft) 天届满（\(self.dueOn)）",
                en: "'\(self.messageName.en)' is due in \(self.daysLeft) days (\(self.dueOn))"
            )
        case .dueToday:
            LocalizedText(zh: "“\(self.messageName.zh)”的办理期限今日届满（\(self.dueOn)）", en: "'\(self.messageName.en)' is due today (\(self.dueOn))")
        case .overdue:
            LocalizedText(
                zh: "“\(self.messageName.zh)”已超过办理期限 \(-self.daysLeft) 天（\(self.dueOn)）",
                en: "'\(self.messageName.en)' is \(-self.daysLeft) days overdue (due \(self.dueOn))"
            )
        }
    }
}
