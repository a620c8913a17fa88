public import XietongCore

/// Case filing reports for the tests of each layer (issue 26).
public enum FilingReports {
    /// The procuratorate's report of a non-prosecution of 张某某 (the examples' suspect), decided on 2026-11-18.
    public static func nonProsecution(id: String = "3f2c8a4e-0d5b-4c1e-9a7f-2b6d8e1c4a90") -> FilingReportDraft {
        FilingReportDraft(
            reportId: id,
            kind: "nonProsecution",
            caseCode: "20261120120133010600020100000005",
            agencyCaseNumber: "杭西检刑不诉〔2026〕12号",
            title: "张某某盗窃案不起诉",
            summary: "犯罪情节轻微，依法决定不起诉。",
            persons: [.init(name: "张某某", idNumber: "330106 19900315 1236")],
            eventDate: "2026-11-18"
        )
    }
}
