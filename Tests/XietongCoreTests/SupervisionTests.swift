import Testing
import XietongCore

/// The figures supervisors export (GS-6): medians and CSV that spreadsheets read.
@Suite struct SupervisionTests {
    @Test func mediansOfOddAndEvenCounts() {
        #expect(Supervision.median([]) == 0)
        #expect(Supervision.median([5, 1, 3]) == 3)
        #expect(Supervision.median([4, 1, 3, 2]) == 2.5)
    }

    @Test func csvQuotesWhatNeedsQuotingAndStartsWithAByteOrderMark() {
        let text = CSV.document(header: ["机关 organisation", "note"], rows: [["杭州市西湖区人民检察院", "a, \"b\"\nc"]])
        #expect(text.hasPrefix("\u{FEFF}机关 organisation,note\r\n"))
        #expect(text.hasSuffix("杭州市西湖区人民检察院,\"a, \"\"b\"\"\nc\"\r\n"))
    }

    @Test func ratesAreZeroWithoutData() {
        let empty = Supervision.Statistics(
            from: "2026-11-01",
            to: "2026-12-01",
            volume: [],
            handling: [],
            dutiesDue: 0,
            dutiesOverdue: 0,
            flowsOpened: 0,
            flowsClosedOnline: 0
        )
        #expect(empty.overdueRate == 0 && empty.onlineFlowRate == 0)
        let some = Supervision.Statistics(
            from: "2026-11-01",
            to: "2026-12-01",
            volume: [],
            handling: [],
            dutiesDue: 4,
            dutiesOverdue: 1,
            flowsOpened: 10,
            flowsClosedOnline: 7
        )
        #expect(some.overdueRate == 0.25 && some.onlineFlowRate == 0.7)
    }
}
