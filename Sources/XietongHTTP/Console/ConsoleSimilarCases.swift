import Foundation
public import XietongCore

/// Similar cases and sentencing reference as a page section (issue 26, SZ-6, GS-6): the case's features, the sentences
/// of the close matches by penalty, and the earlier judgments ranked, each with the features that matched and their
/// points. It says first that it is a reference, never a decision. Shared by the agencies' and the committee's consoles.
public enum ConsoleSimilarCases {
    public static func html(_ reference: SimilarCases.Reference, language: ConsoleLanguage, name: (String) -> String) -> String {
        func t(_ zh: String, _ en: String) -> String { ConsoleHTML.t(language, zh, en) }
        func pick(_ text: LocalizedText) -> String { ConsoleHTML.escape(language.pick(text.zh, text.en)) }
        func months(_ value: Int?) -> String { value.map { pick(SimilarCases.monthsText($0)) } ?? "—" }
        let profile = reference.profile
        var html =
            "<p class=\"notice\" id=\"similar-notice\"><strong>\(pick(reference.notice))</strong></p>"
            + "<p><a href=\"/console/cases/\(ConsoleHTML.escape(reference.caseCode))\" class=\"mono\">\(ConsoleHTML.escape(reference.caseCode))</a></p>"
        html += ConsoleHTML.table(
            [t("罪名", "Charges"), t("涉案金额", "Amount involved"), t("被告人", "Defendants"), t("强制措施", "Coercive measures")],
            [
                [
                    ConsoleHTML.escape(profile.charges.joined(separator: "、")),
                    profile.amountFen.map { t("\(SimilarCases.yuan($0)) 元", "CNY \(SimilarCases.yuan($0))") } ?? t("未载明", "not stated"),
                    t("\(profile.defendants) 人", "\(profile.defendants)"),
                    profile.measures.isEmpty ? t("无", "none") : profile.measures.map { pick(CustodyJudgement.kindName($0)) }.joined(separator: "、"),
                ]
            ],
            id: "similar-profile",
            empty: ""
        )
        html +=
            "<h3>\(t("量刑参考（相似度 \(SimilarCases.referenceScore) 分以上的类案）", "Sentences of the close matches (score \(SimilarCases.referenceScore) or more)"))</h3>"
        html += ConsoleHTML.table(
            [t("刑罚", "Penalty"), t("人数", "Sentences"), t("最短", "Shortest"), t("中位", "Median"), t("最长", "Longest"), t("缓刑", "Suspended")],
            reference.ranges.map { range in
                [
                    pick(SimilarCases.penaltyName(range.penalty)), "\(range.sentences)", months(range.shortestMonths), months(range.medianMonths),
                    months(range.longestMonths), "\(range.suspended)",
                ]
            },
            id: "similar-ranges",
            empty: t("没有相似度足够的类案", "No match close enough")
        )
        html +=
            "<h3>\(t("类案", "Similar cases"))</h3><p id=\"similar-considered\">"
            + t("共比对 \(reference.considered) 件有共同罪名的已判案件", "\(reference.considered) judged cases share a charge with this one")
            + (reference.truncated
                ? "；" + t("仅比对最新的 \(SimilarCases.candidateLimit) 份判决", "only the latest \(SimilarCases.candidateLimit) judgments were compared") : "")
            + "</p>"
        // The courts' names, read before the rows are built: calling `name` from inside the row closure crashed the
        // debug build (a non-escaping closure used from a nested closure).
        var courts: [String: String] = [:]
        for match in reference.matches where courts[match.precedent.court] == nil { courts[match.precedent.court] = name(match.precedent.court) }
        html += ConsoleHTML.table(
            [t("相似度", "Score"), t("案件", "Case"), t("法院", "Court"), t("判决日期", "Decided"), t("判处刑罚", "Sentences"), t("匹配特征", "Matched features")],
            reference.matches.map { match in
                let precedent = match.precedent
                return [
                    "<strong>\(match.score)</strong>",
                    "<span class=\"mono\">\(ConsoleHTML.escape(precedent.caseCode))</span><br>\(ConsoleHTML.escape(precedent.caseName))",
                    ConsoleHTML.escape(courts[precedent.court] ?? precedent.court),
                    ConsoleHTML.escape(precedent.decidedOn),
                    precedent.sentences.map { sentence in
                        ConsoleHTML.escape(sentence.name)
                            + (sentence.charges.isEmpty ? "" : "（\(ConsoleHTML.escape(sentence.charges.joined(separator: "、")))）")
                            + "：" + pick(sentence.text)
                    }.joined(separator: "<br>"),
                    match.features.map { "<span class=\"badge info\">\(pick($0.detail)) +\($0.points)</span>" }.joined(separator: "<br>"),
                ]
            },
            id: "similar-cases",
            empty: t("没有有共同罪名的已判案件", "No judged case shares a charge")
        )
        html +=
            "<p class=\"hint\" id=\"similar-method\">"
            + t(
                "方法：罪名（共同罪名占比，最高 40 分）、涉案金额（相差 20% 以内 30 分，50% 以内 15 分）、被告人人数（相同 15 分，相差一人 7 分）、强制措施（相同种类占比，最高 15 分），合计 100 分；同分者判决在后的在前。",
                "Method: charges (the share in common, up to 40), amount (within 20 %: 30, within 50 %: 15), defendants (equal: 15, one apart: 7), coercive measures (the share of kinds in common, up to 15); 100 in all; equal scores, the later judgment first."
            ) + "</p>"
        return html
    }
}
