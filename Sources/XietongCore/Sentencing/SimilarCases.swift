import Foundation

/// Similar cases and sentencing reference (类案推送与量刑参考; issue 26, SZ-6, GS-6): for a case at review or trial,
/// the earlier judgments the hub carried whose cases share a charge with it, ranked by how alike the cases are, each
/// with the sentences the judgment decided and the features that matched.
///
/// The method is a weighted match of four features, every point of it shown (`Match.features`):
/// - the charges (40 points): the share of the two cases' charges they have in common (Jaccard), all 40 when equal;
///   a judgment with no charge in common is not similar and is not listed;
/// - the amount involved (30): 30 when the two amounts differ by at most 20 % of the larger, 15 by at most 50 %;
///   nothing when either case states no amount;
/// - the number of defendants charged (15): 15 when equal, 7 when one apart;
/// - the coercive measures taken (15): the share of measure kinds in common, all 15 when both took none.
/// Equal scores rank the later judgment first. The hub's store finds the candidates by charge (its index of charges)
/// and Core ranks them; nothing is learnt and nothing is hidden.
///
/// The list is a reference for the handler, never a decision: every answer carries `notice`.
public enum SimilarCases {
    /// How many candidate judgments one request ranks at most, the latest first.
    public static let candidateLimit = 1000
    /// How many matches an answer lists by default, and at most.
    public static let defaultLimit = 10
    public static let maximumLimit = 50
    /// The most charges of a case a request looks precedents up by (a case names a few; a package may list many).
    public static let maximumCharges = 50
    /// The score a match needs to count in the sentencing reference (`Reference.ranges`).
    public static let referenceScore = 60

    /// The words shown with every answer (GS-6): a reference, not a decision.
    public static let notice = LocalizedText(
        zh: "类案及量刑信息仅供办案人员参考，不作为办案和裁判的依据。",
        en: "Similar cases and their sentences are a reference for the handler only, never a basis for a decision."
    )

    /// The penalties with a term in months.
    static let termPenalties: Set<String> = ["publicSurveillance", "criminalDetention", "fixedTermImprisonment"]

    /// What a case is compared by: its charges, the amount it involves, how many persons are charged, and the kinds of
    /// coercive measure taken.
    public struct Profile: Sendable, Hashable, Codable {
        /// Distinct charge names, sorted.
        public var charges: [String]
        /// The amount involved, in fen (分), when the package states it.
        public var amountFen: Int?
        /// Distinct persons charged.
        public var defendants: Int
        /// Distinct kinds of coercive measure, sorted.
        public var measures: [String]

        public init(charges: [String], amountFen: Int?, defendants: Int, measures: [String]) {
            self.charges = Array(Set(charges)).sorted()
            self.amountFen = amountFen
            self.defendants = defendants
            self.measures = Array(Set(measures)).sorted()
        }

        public init(of body: CasePackage.Body) {
            self.init(
                charges: body.charges.map(\.name),
                amountFen: body.caseInfo.involvedAmount.flatMap(SimilarCases.fen),
                defendants: Set(body.charges.map(\.personRef)).count,
                measures: body.coerciveMeasures.map(\.kind)
            )
        }
    }

    /// One person's sentence in a precedent, with the person's charges in that judgment; the name masked
    /// (`maskedName`).
    public struct PersonSentence: Sendable, Hashable, Codable {
        public var name: String
        public var charges: [String]
        public var penalty: String
        public var termMonths: Int?
        public var probationMonths: Int?
        /// Yuan, as the package states it.
        public var fine: String?

        public init(name: String, charges: [String], penalty: String, termMonths: Int?, probationMonths: Int?, fine: String?) {
            self.name = name
            self.charges = charges
            self.penalty = penalty
            self.termMonths = termMonths
            self.probationMonths = probationMonths
            self.fine = fine
        }

        /// `有期徒刑 3 年 6 个月，缓刑 4 年，罚金 20000 元`.
        public var text: LocalizedText {
            var zh = SimilarCases.penaltyName(self.penalty).zh
            var en = SimilarCases.penaltyName(self.penalty).en
            if let months = self.termMonths, SimilarCases.termPenalties.contains(self.penalty) {
                zh += " " + SimilarCases.monthsText(months).zh
                en += " " + SimilarCases.monthsText(months).en
            }
            if let months = self.probationMonths {
                zh += "，缓刑 " + SimilarCases.monthsText(months).zh
                en += ", suspended, probation " + SimilarCases.monthsText(months).en
            }
            if let fine = self.fine {
                zh += "，罚金 \(fine) 元"
                en += ", fine CNY \(fine)"
            }
            return LocalizedText(zh: zh, en: en)
        }
    }

    /// An earlier judgment: the case it decided, where and when, the case's profile and its sentences.
    public struct Precedent: Sendable, Hashable, Codable {
        public var caseCode: String
        /// The same case's codes at other agencies, as the judgment states them.
        public var relatedCaseCodes: [String]
        public var caseName: String
        public var packageId: String
        /// The court's organisation code.
        public var court: String
        /// The China day of the judgment: its document's issue day, else the package's.
        public var decidedOn: String
        public var profile: Profile
        public var sentences: [PersonSentence]

        public init(
            caseCode: String,
            relatedCaseCodes: [String] = [],
            caseName: String,
            packageId: String,
            court: String,
            decidedOn: String,
            profile: Profile,
            sentences: [PersonSentence]
        ) {
            self.caseCode = caseCode
            self.relatedCaseCodes = relatedCaseCodes
            self.caseName = caseName
            self.packageId = packageId
            self.court = court
            self.decidedOn = decidedOn
            self.profile = profile
            self.sentences = sentences
        }

        /// The precedent a package is, when it carries sentences (standard 1.3) and names a case; nil otherwise.
        public init?(judgment package: CasePackage, caseCode: String?) {
            let body = package.body
            guard !body.sentences.isEmpty, let caseCode, !caseCode.isEmpty else { return nil }
            let names = Dictionary(body.persons.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            self.init(
                caseCode: caseCode,
                relatedCaseCodes: body.caseInfo.relatedCaseCodes,
                caseName: body.caseInfo.name,
                packageId: package.envelope.packageId,
                court: package.envelope.sender.organisationCode,
                decidedOn: body.documents.map(\.issuedOn).max() ?? String(package.envelope.createdAt.prefix(10)),
                profile: Profile(of: body),
                sentences: body.sentences.map { sentence in
                    PersonSentence(
                        name: SimilarCases.maskedName(names[sentence.personRef] ?? ""),
                        charges: body.charges.filter { $0.personRef == sentence.personRef }.map(\.name),
                        penalty: sentence.penalty,
                        termMonths: sentence.termMonths,
                        probationMonths: sentence.probationMonths,
                        fine: sentence.fine
                    )
                }
            )
        }
    }

    /// A feature two cases share, and the points it earned.
    public enum Feature: String, Sendable, Hashable, Codable, CaseIterable {
        case charges
        case amount
        case defendants
        case measures

        /// The most points the feature gives.
        public var weight: Int {
            switch self {
            case .charges: 40
            case .amount: 30
            case .defendants: 15
            case .measures: 15
            }
        }
    }

    /// A feature that matched: its points and why, in words.
    public struct MatchedFeature: Sendable, Hashable, Codable {
        public var feature: Feature
        public var points: Int
        public var detail: LocalizedText
    }

    public struct Match: Sendable, Hashable, Codable {
        public var precedent: Precedent
        /// 0 to 100: the sum of the features' points.
        public var score: Int
        public var features: [MatchedFeature]
    }

    /// The terms the similar judgments decided for one penalty: a range to read the matches by, not a proposal.
    public struct TermRange: Sendable, Hashable, Codable {
        public var penalty: String
        public var sentences: Int
        public var shortestMonths: Int?
        public var medianMonths: Int?
        public var longestMonths: Int?
        public var suspended: Int
    }

    /// The answer: the case's profile, the ranked matches, and the sentences of the close ones by penalty.
    public struct Reference: Sendable, Codable {
        public var caseCode: String
        public var profile: Profile
        /// How many earlier cases (each by its latest judgment) share a charge with the case; at most `candidateLimit`
        /// judgments are read.
        public var considered: Int
        public var truncated: Bool
        public var matches: [Match]
        /// Over the matches scoring `referenceScore` or more.
        public var ranges: [TermRange]
        public var notice: LocalizedText
    }

    /// Scores one precedent against the case: nil when they share no charge.
    public static func match(_ subject: Profile, _ precedent: Precedent) -> Match? {
        let mine = Set(subject.charges)
        let theirs = Set(precedent.profile.charges)
        let shared = mine.intersection(theirs)
        guard !shared.isEmpty else { return nil }
        var features: [MatchedFeature] = []
        let sharedList = shared.sorted().joined(separator: "、")
        if mine == theirs {
            features.append(
                MatchedFeature(feature: .charges, points: 40, detail: LocalizedText(zh: "罪名相同：\(sharedList)", en: "the same charges: \(sharedList)"))
            )
        } else {
            let points = Int((40.0 * Double(shared.count) / Double(mine.union(theirs).count)).rounded())
            features.append(
                MatchedFeature(
                    feature: .charges,
                    points: points,
                    detail: LocalizedText(zh: "部分罪名相同：\(sharedList)", en: "charges in common: \(sharedList)")
                )
            )
        }
        if let a = subject.amountFen, let b = precedent.profile.amountFen {
            let larger = max(a, b)
            let difference = larger == 0 ? 0 : Double(abs(a - b)) / Double(larger)
            let percent = Int((difference * 100).rounded())
            let detail = LocalizedText(
                zh: "涉案金额 \(Self.yuan(b)) 元，与本案 \(Self.yuan(a)) 元相差 \(percent)%",
                en: "amount CNY \(Self.yuan(b)), \(percent)% from this case's CNY \(Self.yuan(a))"
            )
            if difference <= 0.2 {
                features.append(MatchedFeature(feature: .amount, points: 30, detail: detail))
            } else if difference <= 0.5 {
                features.append(MatchedFeature(feature: .amount, points: 15, detail: detail))
            }
        }
        let apart = abs(subject.defendants - precedent.profile.defendants)
        if apart <= 1 {
            let count = precedent.profile.defendants
            features.append(
                MatchedFeature(
                    feature: .defendants,
                    points: apart == 0 ? 15 : 7,
                    detail: apart == 0
                        ? LocalizedText(zh: "被告人人数相同（\(count) 人）", en: "the same number of defendants (\(count))")
                        : LocalizedText(
                            zh: "被告人人数相近（\(count) 人，本案 \(subject.defendants) 人）",
                            en: "\(count) defendants, this case \(subject.defendants)"
                        )
                )
            )
        }
        let myMeasures = Set(subject.measures)
        let theirMeasures = Set(precedent.profile.measures)
        if myMeasures.isEmpty && theirMeasures.isEmpty {
            features.append(
                MatchedFeature(feature: .measures, points: 15, detail: LocalizedText(zh: "均未采取强制措施", en: "no coercive measure in either"))
            )
        } else if !myMeasures.intersection(theirMeasures).isEmpty {
            let common = myMeasures.intersection(theirMeasures)
            let points = Int((15.0 * Double(common.count) / Double(myMeasures.union(theirMeasures).count)).rounded())
            let names = common.sorted().map { CustodyJudgement.kindName($0) }
            features.append(
                MatchedFeature(
                    feature: .measures,
                    points: points,
                    detail: LocalizedText(
                        zh: "强制措施相同：" + names.map(\.zh).joined(separator: "、"),
                        en: "the same coercive measures: " + names.map(\.en).joined(separator: ", ")
                    )
                )
            )
        }
        return Match(precedent: precedent, score: features.map(\.points).reduce(0, +), features: features)
    }

    /// Ranks the candidates for the case `caseCode`: one precedent per case, its latest judgment, best first, at most
    /// `limit`. The case's own judgments are left out: those under its code or one of `excluding` (the same case at
    /// other agencies), and those that name one of them as related. Judgments that share a code are one case.
    public static func rank(
        caseCode: String,
        profile: Profile,
        candidates: [Precedent],
        excluding: Set<String> = [],
        truncated: Bool = false,
        limit: Int = defaultLimit
    ) -> Reference {
        // One case, one precedent: the latest judgment, and none sharing a code with it (the first instance an appeal
        // names as related, the same case's judgment under another court's code).
        var seen = excluding.union([caseCode])
        var latest: [Precedent] = []
        let newestFirst = candidates.sorted { ($0.decidedOn, $0.caseCode) > ($1.decidedOn, $1.caseCode) }
        for candidate in newestFirst where seen.contains(candidate.caseCode) == false && seen.isDisjoint(with: candidate.relatedCaseCodes) {
            latest.append(candidate)
            seen.insert(candidate.caseCode)
            seen.formUnion(candidate.relatedCaseCodes)
        }
        let matches = latest.compactMap { self.match(profile, $0) }.sorted { left, right in
            if left.score != right.score { return left.score > right.score }
            if left.precedent.decidedOn != right.precedent.decidedOn { return left.precedent.decidedOn > right.precedent.decidedOn }
            return left.precedent.caseCode < right.precedent.caseCode
        }
        let shown = Array(matches.prefix(max(1, min(limit, self.maximumLimit))))
        return Reference(
            caseCode: caseCode,
            profile: profile,
            considered: matches.count,
            truncated: truncated,
            matches: shown,
            ranges: self.ranges(of: shown.filter { $0.score >= self.referenceScore }),
            notice: self.notice
        )
    }

    /// The sentences of the matches, by penalty, in the order of `PenaltyType`.
    static func ranges(of matches: [Match]) -> [TermRange] {
        let sentences = matches.flatMap(\.precedent.sentences)
        return self.penaltyOrder.compactMap { penalty in
            let these = sentences.filter { $0.penalty == penalty }
            guard !these.isEmpty else { return nil }
            let terms = these.compactMap(\.termMonths).sorted()
            return TermRange(
                penalty: penalty,
                sentences: these.count,
                shortestMonths: terms.first,
                medianMonths: terms.isEmpty ? nil : terms[(terms.count - 1) / 2],
                longestMonths: terms.last,
                suspended: these.filter { $0.probationMonths != nil }.count
            )
        }
    }

    static let penaltyOrder = [
        "publicSurveillance", "criminalDetention", "fixedTermImprisonment", "lifeImprisonment", "deathWithReprieve", "death", "fineOnly",
        "exemption",
    ]

    public static func penaltyName(_ penalty: String) -> LocalizedText {
        switch penalty {
        case "publicSurveillance": LocalizedText(zh: "管制", en: "public surveillance")
        case "criminalDetention": LocalizedText(zh: "拘役", en: "criminal detention")
        case "fixedTermImprisonment": LocalizedText(zh: "有期徒刑", en: "fixed-term imprisonment")
        case "lifeImprisonment": LocalizedText(zh: "无期徒刑", en: "life imprisonment")
        case "deathWithReprieve": LocalizedText(zh: "死刑缓期二年执行", en: "death with a two-year reprieve")
        case "death": LocalizedText(zh: "死刑", en: "death")
        case "fineOnly": LocalizedText(zh: "单处罚金", en: "a fine alone")
        case "exemption": LocalizedText(zh: "免予刑事处罚", en: "exempted from criminal punishment")
        default: LocalizedText(zh: penalty, en: penalty)
        }
    }

    /// A defendant of another case as the reference shows them: the surname and 某 (张三 → 张某), as published
    /// judgments anonymise them; a name already so written stays. The reference is about sentences, not persons.
    public static func maskedName(_ name: String) -> String {
        guard let first = name.first else { return "某" }
        return name.count >= 2 && name.dropFirst().allSatisfy({ $0 == "某" }) ? name : "\(first)某"
    }

    /// `3 年 6 个月` / `3 years 6 months`.
    public static func monthsText(_ months: Int) -> LocalizedText {
        let years = months / 12
        let rest = months % 12
        let zh = [years > 0 ? "\(years) 年" : nil, rest > 0 ? "\(rest) 个月" : nil].compactMap { $0 }.joined(separator: " ")
        let en = [years > 0 ? "\(years) year\(years == 1 ? "" : "s")" : nil, rest > 0 ? "\(rest) month\(rest == 1 ? "" : "s")" : nil]
            .compactMap { $0 }.joined(separator: " ")
        return LocalizedText(zh: zh, en: en)
    }

    /// An amount the schema admits (`AmountType`: yuan, at most two decimals) in fen; nil when it is no such amount.
    public static func fen(_ yuan: String) -> Int? {
        let parts = yuan.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts[0].count <= 15, let whole = Int(parts[0]), whole >= 0 else { return nil }
        var cents = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isASCII), let fraction = Int(parts[1]), fraction >= 0 else { return nil }
            cents = parts[1].count == 1 ? fraction * 10 : fraction
        }
        return whole * 100 + cents
    }

    /// Fen as yuan: `52000`, `52000.5`.
    public static func yuan(_ fen: Int) -> String {
        fen % 100 == 0 ? "\(fen / 100)" : String(format: "%d.%02d", fen / 100, fen % 100)
    }
}
