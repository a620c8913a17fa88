/// Whether a time limit is counted as one of a person in custody (CPL 第105条第4款: 犯罪嫌疑人、被告人或者罪犯在押期间，
/// 应当至期满之日为止，不得因节假日而延长), and why (issue 20).
///
/// It is judged from the custody the hub knows of the package's suspects, defendants and offenders across every
/// agency's packages of the case (their custody chains, 换押), not from the package alone: a package that omits the
/// measures does not make a detained person's limit one that holidays extend. It is judged again whenever one of
/// those persons' custody changes while the limit runs (a release, a change of measure, a transfer).
public struct CustodyJudgement: Sendable, Hashable, Codable {
    public var custody: Bool
    /// Who is or is not in custody, and the record that says so: shown with the limit.
    public var reason: LocalizedText

    public init(custody: Bool, reason: LocalizedText) {
        self.custody = custody
        self.reason = reason
    }

    /// The judgement for a limit concerning `persons` (person key and name, as the package names them), given their
    /// custody chains. A limit is a custody limit while any of its persons is in custody.
    public static func judge(persons: [(key: String, name: String)], chains: [CustodyChain]) -> CustodyJudgement {
        guard !persons.isEmpty else {
            return CustodyJudgement(
                custody: false,
                reason: LocalizedText(zh: "数据包未载明犯罪嫌疑人、被告人或罪犯", en: "the package names no suspect, defendant or offender")
            )
        }
        let byKey = Dictionary(chains.map { ($0.personKey, $0) }, uniquingKeysWith: { _, last in last })
        var held: [LocalizedText] = []
        var free: [LocalizedText] = []
        for person in persons {
            guard let chain = byKey[person.key], let stage = chain.lastChange else {
                free.append(LocalizedText(zh: "\(person.name)无羁押记录", en: "\(person.name): no custody recorded"))
                continue
            }
            let what = Self.describe(stage)
            if chain.inCustody {
                held.append(LocalizedText(zh: "\(person.name)在押：\(what.zh)", en: "\(person.name) in custody: \(what.en)"))
            } else {
                free.append(LocalizedText(zh: "\(person.name)未羁押：\(what.zh)", en: "\(person.name) not in custody: \(what.en)"))
            }
        }
        let shown = held.isEmpty ? free : held
        return CustodyJudgement(
            custody: !held.isEmpty,
            reason: LocalizedText(zh: shown.map(\.zh).joined(separator: "；"), en: shown.map(\.en).joined(separator: "; "))
        )
    }

    /// The record as officers read it: the measure or step, since when, and the package that made it.
    static func describe(_ stage: CustodyChain.Stage) -> LocalizedText {
        let kind = stage.kind.map(Self.kindName) ?? LocalizedText(zh: "强制措施", en: "coercive measure")
        let name: LocalizedText =
            switch stage.event {
            case .measure: kind
            case .transferOut: LocalizedText(zh: "换出", en: "transferred out")
            case .transferIn: LocalizedText(zh: "换入", en: "transferred in")
            case .periodChange: LocalizedText(zh: "变更羁押期限", en: "custody period changed")
            case .receipt: LocalizedText(zh: "换押回执", en: "custody receipt")
            }
        let since = stage.startsOn.map { (zh: "，自 \($0)", en: " since \($0)") } ?? (zh: "", en: "")
        return LocalizedText(
            zh: "\(name.zh)\(since.zh)（数据包 \(stage.packageId)）",
            en: "\(name.en)\(since.en) (package \(stage.packageId))"
        )
    }

    public static func kindName(_ kind: String) -> LocalizedText {
        switch kind {
        case "summons": LocalizedText(zh: "拘传", en: "summons")
        case "bail": LocalizedText(zh: "取保候审", en: "bail")
        case "residentialSurveillance": LocalizedText(zh: "监视居住", en: "residential surveillance")
        case "criminalDetention": LocalizedText(zh: "刑事拘留", en: "criminal detention")
        case "arrest": LocalizedText(zh: "逮捕", en: "arrest")
        case CustodyRecord.custodialSentence: LocalizedText(zh: "服刑", en: "serving a custodial sentence")
        default: LocalizedText(zh: kind, en: kind)
        }
    }
}

extension CustodyChain {
    /// The last record that changed where the person stands (a receipt changes nothing).
    public var lastChange: Stage? { self.stages.last { $0.event != .receipt } }
}
