import Foundation
import Testing
import XietongCore
import XietongTesting

/// Similar cases and sentencing reference (issue 26, SZ-6, GS-6), Core: on a corpus the test generates, the cases
/// planted nearest rank first with the features that matched and their points; nothing without a shared charge is
/// listed; the case's own judgments are left out; the sentences of the close matches are summarised by penalty; and
/// every answer says it is a reference.
@Suite struct SimilarCasesTests {
    /// 盗窃罪, CNY 50,000, one defendant, arrested.
    static let subject = SimilarCases.Profile(charges: ["盗窃罪"], amountFen: 5_000_000, defendants: 1, measures: ["arrest"])

    static func precedent(
        _ code: String,
        charges: [String],
        yuan: Int?,
        defendants: Int = 1,
        measures: [String] = ["arrest"],
        months: Int = 36,
        probation: Int? = nil,
        decidedOn: String = "2026-06-01",
        related: [String] = []
    ) -> SimilarCases.Precedent {
        SimilarCases.Precedent(
            caseCode: code,
            relatedCaseCodes: related,
            caseName: "案件 \(code)",
            packageId: "package-\(code)-\(decidedOn)",
            court: "330106000301",
            decidedOn: decidedOn,
            profile: SimilarCases.Profile(charges: charges, amountFen: yuan.map { $0 * 100 }, defendants: defendants, measures: measures),
            sentences: (1...defendants).map { index in
                SimilarCases.PersonSentence(
                    name: "被告人\(index)",
                    charges: charges,
                    penalty: "fixedTermImprisonment",
                    termMonths: months,
                    probationMonths: probation,
                    fine: nil
                )
            }
        )
    }

    /// 300 judged cases drawn from a fixed seed: charges from four, amounts from CNY 1,000 to 1,000,000, one to four
    /// defendants, measures from three.
    static func corpus() -> [SimilarCases.Precedent] {
        var generator = SeededGenerator(seed: 20_261_120)
        let charges = ["盗窃罪", "诈骗罪", "故意伤害罪", "抢劫罪"]
        let measures = ["arrest", "bail", "criminalDetention"]
        return (0..<300).map { index in
            let count = Int(generator.next() % 2) + 1
            let chosen = (0..<count).map { _ in charges[Int(generator.next() % UInt64(charges.count))] }
            return Self.precedent(
                String(format: "C%04d", index),
                charges: chosen,
                yuan: Int(generator.next() % 1_000_000) + 1000,
                defendants: Int(generator.next() % 4) + 1,
                measures: [measures[Int(generator.next() % UInt64(measures.count))]],
                months: Int(generator.next() % 120) + 6,
                decidedOn: String(format: "2025-%02d-%02d", Int(generator.next() % 12) + 1, Int(generator.next() % 28) + 1)
            )
        }
    }

    @Test func theNearestPlantedCasesRankFirstWithTheFeaturesThatMatched() {
        let exact = Self.precedent("EXACT", charges: ["盗窃罪"], yuan: 52_000, months: 40, probation: nil, decidedOn: "2026-01-05")
        let wider = Self.precedent("WIDER", charges: ["盗窃罪", "诈骗罪"], yuan: 50_000, months: 50)
        let costly = Self.precedent("COSTLY", charges: ["盗窃罪"], yuan: 400_000, defendants: 3, measures: ["bail"], months: 120)
        let unrelated = Self.precedent("FRAUD", charges: ["诈骗罪"], yuan: 50_000)
        let corpus = Self.corpus() + [exact, wider, costly, unrelated]
        let reference = SimilarCases.rank(caseCode: "SUBJECT", profile: Self.subject, candidates: corpus, limit: 50)

        // The exact one first, with all four features and 100 points.
        let first = try! #require(reference.matches.first)
        #expect(first.precedent.caseCode == "EXACT" && first.score == 100)
        #expect(first.features.map(\.feature) == [.charges, .amount, .defendants, .measures])
        #expect(first.features.map(\.detail.zh) == ["罪名相同：盗窃罪", "涉案金额 52000 元，与本案 50000 元相差 4%", "被告人人数相同（1 人）", "强制措施相同：逮捕"])
        // Sharing one of two charges: 20 of 40 for the charges, the rest full.
        let second = try! #require(reference.matches.first { $0.precedent.caseCode == "WIDER" })
        #expect(second.score == 80 && second.features.first?.detail.zh == "部分罪名相同：盗窃罪")
        // Eight times the amount, three defendants, another measure: the charge alone.
        let far = SimilarCases.match(Self.subject, costly)
        #expect(far?.score == 40 && far?.features.map(\.feature) == [.charges])

        // Every listed case shares a charge; every score is the sum of its features; the order is by score, then the
        // later judgment.
        #expect(!reference.matches.contains { $0.precedent.caseCode == "FRAUD" })
        for match in reference.matches {
            #expect(match.precedent.profile.charges.contains("盗窃罪"))
            #expect(match.score == match.features.map(\.points).reduce(0, +) && (0...100).contains(match.score))
        }
        for (left, right) in zip(reference.matches, reference.matches.dropFirst()) {
            #expect(left.score > right.score || (left.score == right.score && left.precedent.decidedOn >= right.precedent.decidedOn))
        }
        // Every judged case with the charge was considered, and the best of them are the ones shown.
        let sharing = corpus.filter { $0.profile.charges.contains("盗窃罪") }
        #expect(reference.considered == sharing.count)
        let best = sharing.compactMap { SimilarCases.match(Self.subject, $0)?.score }.sorted(by: >).prefix(50)
        #expect(reference.matches.map(\.score) == Array(best))
        #expect(reference.notice.zh.contains("仅供办案人员参考") && reference.notice.en.contains("never a basis"))
    }

    @Test func theCasesOwnJudgmentsAreLeftOutAndACaseCountsOnceByItsLatestJudgment() {
        let own = Self.precedent("COURT-CODE", charges: ["盗窃罪"], yuan: 50_000, related: ["SUBJECT"])
        let sameCaseElsewhere = Self.precedent("POLICE-CODE", charges: ["盗窃罪"], yuan: 50_000)
        let firstInstance = Self.precedent("OTHER", charges: ["盗窃罪"], yuan: 50_000, months: 48, decidedOn: "2025-03-01")
        let appeal = Self.precedent("OTHER", charges: ["盗窃罪"], yuan: 50_000, months: 30, decidedOn: "2025-09-01")
        let reference = SimilarCases.rank(
            caseCode: "SUBJECT",
            profile: Self.subject,
            candidates: [own, sameCaseElsewhere, firstInstance, appeal],
            excluding: ["POLICE-CODE"]
        )
        #expect(reference.matches.map(\.precedent.caseCode) == ["OTHER"])
        #expect(reference.matches.first?.precedent.sentences.first?.termMonths == 30)
        #expect(reference.considered == 1)
        // The second instance, under the intermediate court's code, names the first as related: one case, the later.
        let secondInstance = Self.precedent("APPEAL", charges: ["盗窃罪"], yuan: 50_000, months: 24, decidedOn: "2025-12-01", related: ["OTHER"])
        let withAppeal = SimilarCases.rank(caseCode: "SUBJECT", profile: Self.subject, candidates: [firstInstance, secondInstance, appeal])
        #expect(withAppeal.matches.map(\.precedent.caseCode) == ["APPEAL"] && withAppeal.matches.first?.precedent.sentences.first?.termMonths == 24)
    }

    @Test func theCloseMatchesSentencesAreSummarisedByPenalty() {
        let candidates = [
            Self.precedent("A", charges: ["盗窃罪"], yuan: 50_000, months: 24, probation: 36),
            Self.precedent("B", charges: ["盗窃罪"], yuan: 48_000, months: 36),
            Self.precedent("C", charges: ["盗窃罪"], yuan: 55_000, months: 42),
            // Too far to count (40 points): listed, not summarised.
            Self.precedent("D", charges: ["盗窃罪"], yuan: 900_000, defendants: 4, measures: ["bail"], months: 150),
        ]
        let reference = SimilarCases.rank(caseCode: "SUBJECT", profile: Self.subject, candidates: candidates)
        #expect(reference.matches.count == 4)
        #expect(reference.ranges.count == 1)
        let range = reference.ranges[0]
        #expect(range.penalty == "fixedTermImprisonment" && range.sentences == 3 && range.suspended == 1)
        #expect(range.shortestMonths == 24 && range.medianMonths == 36 && range.longestMonths == 42)
    }

    @Test func sentencesAndAmountsReadAsAHandlerReadsThem() {
        let sentence = SimilarCases.PersonSentence(
            name: "张某某",
            charges: ["盗窃罪"],
            penalty: "fixedTermImprisonment",
            termMonths: 42,
            probationMonths: 48,
            fine: "20000"
        )
        #expect(sentence.text.zh == "有期徒刑 3 年 6 个月，缓刑 4 年，罚金 20000 元")
        #expect(sentence.text.en == "fixed-term imprisonment 3 years 6 months, suspended, probation 4 years, fine CNY 20000")
        #expect(
            SimilarCases.PersonSentence(name: "", charges: [], penalty: "lifeImprisonment", termMonths: nil, probationMonths: nil, fine: nil).text.zh
                == "无期徒刑"
        )
        #expect(SimilarCases.fen("52000") == 5_200_000 && SimilarCases.fen("52000.5") == 5_200_050 && SimilarCases.fen("0.05") == 5)
        #expect(SimilarCases.fen("1.234") == nil && SimilarCases.fen("-1") == nil && SimilarCases.fen("abc") == nil && SimilarCases.fen("") == nil)
        #expect(SimilarCases.yuan(5_200_050) == "52000.50")
        // No amount on either side: the amount neither counts nor is shown.
        let unstated = SimilarCases.Profile(charges: ["盗窃罪"], amountFen: nil, defendants: 1, measures: [])
        let match = SimilarCases.match(unstated, Self.precedent("X", charges: ["盗窃罪"], yuan: 50_000, measures: []))
        #expect(match?.features.map(\.feature) == [.charges, .defendants, .measures] && match?.score == 70)
    }

    @Test func aJudgmentWithSentencesIsAPrecedentAndOneWithoutIsNot() throws {
        let made = Precedents.Case(number: 1, charges: ["盗窃罪"], amountYuan: "52000", defendants: 2, measures: ["arrest"], termMonths: 30)
        let judgment = Precedents.package(made, judged: true)
        let precedent = try #require(SimilarCases.Precedent(judgment: judgment, caseCode: made.courtCode))
        #expect(precedent.profile == SimilarCases.Profile(charges: ["盗窃罪"], amountFen: 5_200_000, defendants: 2, measures: ["arrest"]))
        // Other cases' defendants are shown by surname only.
        #expect(precedent.sentences.map(\.name) == ["被某", "被某"] && precedent.sentences.allSatisfy { $0.charges == ["盗窃罪"] })
        #expect(SimilarCases.maskedName("张三丰") == "张某" && SimilarCases.maskedName("李某某") == "李某某" && SimilarCases.maskedName("") == "某")
        #expect(precedent.relatedCaseCodes == [made.procuratorateCode] && precedent.decidedOn == "2026-11-19")
        #expect(SimilarCases.Precedent(judgment: Precedents.package(made, judged: false), caseCode: made.procuratorateCode) == nil)
    }
}
