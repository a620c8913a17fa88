/// The kinds of political-legal agency that take part in collaboration (ZJ-5.2.1, ZJ-6).
public enum AgencyKind: String, Sendable, Hashable, Codable, CaseIterable {
    case police
    case detentionHouse
    case procuratorate
    case court
    case justiceBureau
    case legalAid
    case communityCorrection
    case prisonAdministration
    case prison
    case adminEnforcement
    case supervisoryCommission
    /// The political-legal committee: supervises, sends no case data of its own.
    case politicalLegalCommittee

    public var name: LocalizedText {
        switch self {
        case .police: LocalizedText(zh: "公安机关", en: "Public security (police)")
        case .detentionHouse: LocalizedText(zh: "看守所", en: "Detention house")
        case .procuratorate: LocalizedText(zh: "检察机关", en: "Procuratorate")
        case .court: LocalizedText(zh: "审判机关", en: "Court")
        case .justiceBureau: LocalizedText(zh: "司法行政机关", en: "Justice bureau")
        case .legalAid: LocalizedText(zh: "法律援助机构", en: "Legal aid centre")
        case .communityCorrection: LocalizedText(zh: "社区矫正机构", en: "Community correction agency")
        case .prisonAdministration: LocalizedText(zh: "监狱管理机关", en: "Prison administration")
        case .prison: LocalizedText(zh: "监狱", en: "Prison")
        case .adminEnforcement: LocalizedText(zh: "行政执法机关", en: "Administrative law-enforcement agency")
        case .supervisoryCommission: LocalizedText(zh: "监察机关", en: "Supervisory commission")
        case .politicalLegalCommittee: LocalizedText(zh: "政法委", en: "Political-legal committee")
        }
    }

    /// The agency a unit belongs to: legal aid, community correction and prison administration are units of the
    /// justice bureau; the detention house is run by the police.
    public var parent: AgencyKind? {
        switch self {
        case .legalAid, .communityCorrection, .prisonAdministration: .justiceBureau
        case .detentionHouse: .police
        default: nil
        }
    }
}
