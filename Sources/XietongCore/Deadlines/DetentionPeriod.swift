/// An arrested suspect's investigation detention period, as the law counts it (issue 20):
///
/// - 刑事诉讼法第156条: at most 2 months after arrest; with the approval of the procuratorate one level up, 1 month
///   more;
/// - 第158条: 2 months more, with the provincial procuratorate's approval (major, complex cases);
/// - 第159条: 2 months more again, where the sentence may be 10 years or more;
/// - 第160条: another important crime found during the investigation (第1款), or the identity established (第2款): the
///   period is counted anew from that day;
/// - 第105条第4款: in custody, a last day on a holiday stands.
///
/// It runs from the first arrest recorded for the person until a measure that frees them (bail, residential
/// surveillance) or the end of the investigation stage (a custody transfer to the next organ). The police must apply
/// for an extension 7 days before the period ends (公安机关办理刑事案件程序规定第148–150条; 人民检察院刑事诉讼规则第309条).
public struct DetentionPeriod: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case running
        /// A measure that frees the person ended it.
        case released
        /// The investigation stage ended: the person was handed over (换押).
        case transferred
    }

    /// A change of the last day after the period started: an extension or a recount.
    public struct Change: Sendable, Hashable, Codable {
        public var basis: String
        public var oldEndsOn: CalendarDate
        public var newEndsOn: CalendarDate
        public var packageId: String
        public var reason: LocalizedText
    }

    /// The day of the arrest (or of the recount): not counted.
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate
    /// The article the current last day rests on.
    public var basis: String
    /// Extensions approved since the start (or the recount).
    public var extensions: Int
    public var changes: [Change]
    public var state: State
    /// The package that started the period, and the one that ended it.
    public var startedBy: String
    public var endedBy: String?
    /// The holder when it started (the investigating organ, normally).
    public var holder: String

    /// Days before the end by which the police apply for an extension.
    public static let applicationDays = 7

    /// The last day for the police's application to extend.
    public var applyBy: CalendarDate { self.endsOn.adding(days: -Self.applicationDays) }

    static let initialBasis = "刑事诉讼法第156条第1款（逮捕后侦查羁押期限二个月）"
    /// The statutory extensions, in the order the law allows them.
    static let extensionSteps: [(months: Int, basis: String, zh: String, en: String)] = [
        (1, "刑事诉讼法第156条", "延长一个月", "extended by 1 month"),
        (2, "刑事诉讼法第158条", "延长二个月", "extended by 2 months"),
        (2, "刑事诉讼法第159条", "再延长二个月", "extended by 2 more months"),
    ]

    /// The person's latest investigation detention period from their custody stages, oldest first; `effect` says what
    /// a stage's message does to the period (the catalog's `detention`). Nil when no arrest was recorded.
    public static func latest(
        _ stages: [CustodyChain.Stage],
        effect: (CustodyChain.Stage) -> MessageType.DetentionEffect?
    ) -> DetentionPeriod? {
        var period: DetentionPeriod?
        // Once the case was handed over for prosecution, a later stage's arrest is that stage's (the procuratorate's,
        // the court's), whether or not the investigation's own arrest was recorded.
        var handedOver = false
        for stage in stages {
            let start = stage.startsOn.flatMap(CalendarDate.init(iso:)) ?? Timestamp.date(stage.at).map { CalendarDate(chinaDayOf: $0) }
            let running = period?.state == .running
            // The case handed over for prosecution ends the investigation and its period (刑事诉讼法第156条 governs the
            // investigation; the review stage's custody is 第172条's). An arrest it states starts none.
            if effect(stage) == .end {
                if running {
                    period?.state = .transferred
                    period?.endedBy = stage.packageId
                }
                handedOver = true
                continue
            }
            switch (stage.event, stage.kind) {
            case (.measure, "arrest"), (.periodChange, "arrest"):
                guard running, var current = period else {
                    // A new period only from an arrest of the investigation stage: not from a decision on a period
                    // (an extension or a recount after the period ended), not once the person was handed over to
                    // the next stage (an arrest there is that stage's, 第156条 governs the investigation), and not
                    // from a later package restating the arrest the last period started from.
                    guard let start, effect(stage) == nil, period?.state != .transferred, !handedOver else { continue }
                    if let last = period, start <= last.startsOn { continue }
                    period = DetentionPeriod(
                        startsOn: start,
                        endsOn: start.adding(months: 2),
                        basis: Self.initialBasis,
                        extensions: 0,
                        changes: [],
                        state: .running,
                        startedBy: stage.packageId,
                        endedBy: nil,
                        holder: stage.holder
                    )
                    continue
                }
                switch effect(stage) {
                case .extend:
                    guard current.extensions < Self.extensionSteps.count else { continue }
                    let step = Self.extensionSteps[current.extensions]
                    let old = current.endsOn
                    current.endsOn = old.adding(months: step.months)
                    current.basis = step.basis
                    current.extensions += 1
                    current.changes.append(
                        Change(
                            basis: step.basis,
                            oldEndsOn: old,
                            newEndsOn: current.endsOn,
                            packageId: stage.packageId,
                            reason: LocalizedText(
                                zh: "批准延长侦查羁押期限，\(step.zh)（\(step.basis)）",
                                en: "extension approved, \(step.en) (\(step.basis))"
                            )
                        )
                    )
                case .recount:
                    guard let start else { continue }
                    let old = current.endsOn
                    current.startsOn = start
                    current.endsOn = start.adding(months: 2)
                    current.basis = "刑事诉讼法第160条（重新计算侦查羁押期限）"
                    current.extensions = 0
                    current.changes.append(
                        Change(
                            basis: current.basis,
                            oldEndsOn: old,
                            newEndsOn: current.endsOn,
                            packageId: stage.packageId,
                            reason: LocalizedText(
                                zh: "自 \(start.iso) 起重新计算侦查羁押期限（刑事诉讼法第160条：另有重要罪行，或查清身份）",
                                en: "counted anew from \(start.iso) (CPL 160: another important crime found, or the identity established)"
                            )
                        )
                    )
                case nil, .end:
                    break
                }
                period = current
            case (.measure, let kind?) where running && !CustodyRecord.custodyKinds.contains(kind):
                period?.state = .released
                period?.endedBy = stage.packageId
            case (.transferOut, _), (.transferIn, _):
                if running {
                    period?.state = .transferred
                    period?.endedBy = stage.packageId
                }
            default:
                break
            }
        }
        return period
    }
}
