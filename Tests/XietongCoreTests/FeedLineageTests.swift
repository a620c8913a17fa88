import Testing
import XietongCore

/// Where a node's feed and a hub restored from an older copy of its database part (issue 19): the node resumes after
/// the last entry both hold, and sends the runs that wrote it, so that the hub can tell it holds that entry too.
@Suite struct FeedLineageTests {
    @Test func aHubRestoredFromAnOlderCopyIsReadAgainFromWhereTheCopyEnds() {
        // The node read run A up to 100; the copy the hub was restored from ended at 60, and the restored hub (run B)
        // wrote 61 to 75 since: those are other entries than the node's 61 to 75.
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "B", first: 61, last: 75), FeedRun(boot: "A", first: 1, last: 60)],
            node: [FeedRun(boot: "A", first: 1, last: 100)],
            cursor: 100
        )
        #expect(resume == FeedLineage.Resume(after: 60, boots: ["A"]))
    }

    @Test func aHubThatLostNothingIsReadOnFromTheCursor() {
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "A", first: 1, last: 120)],
            node: [FeedRun(boot: "A", first: 1, last: 100)],
            cursor: 100
        )
        #expect(resume == FeedLineage.Resume(after: 100, boots: ["A"]))
    }

    @Test func aHubStartedOnAnEmptyDatabaseIsReadFromTheStart() {
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "C", first: 1, last: 5)],
            node: [FeedRun(boot: "A", first: 1, last: 100)],
            cursor: 100
        )
        #expect(resume == FeedLineage.Resume(after: 0, boots: []))
    }

    @Test func aCopyTakenInALaterRunEndsInThatRun() {
        // The hub restarted at 51 (run B); the copy was taken at 70, and the restored hub is run C.
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "C", first: 71, last: 80), FeedRun(boot: "B", first: 51, last: 70), FeedRun(boot: "A", first: 1, last: 50)],
            node: [FeedRun(boot: "A", first: 1, last: 50), FeedRun(boot: "B", first: 51, last: 100)],
            cursor: 100
        )
        #expect(resume == FeedLineage.Resume(after: 70, boots: ["B"]))
    }

    @Test func runsOfInstancesSharingTheFeedAgreeUpToTheLastPositionOfEither() {
        // Two hub instances (runs A and B) wrote alternate positions; the copy ended at 60, written by A.
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "A", first: 1, last: 59), FeedRun(boot: "B", first: 2, last: 60), FeedRun(boot: "C", first: 61, last: 64)],
            node: [FeedRun(boot: "A", first: 1, last: 99), FeedRun(boot: "B", first: 2, last: 100)],
            cursor: 100
        )
        #expect(resume.after == 60)
        // On the hub, only B's positions reach 60.
        #expect(resume.boots == ["B"])
    }

    @Test func runsNotedPastTheCursorDoNotMoveTheResumePastIt() {
        // A page of runs was noted and then applied in part: the cursor stopped at 80.
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "A", first: 1, last: 90)],
            node: [FeedRun(boot: "A", first: 1, last: 100)],
            cursor: 80
        )
        #expect(resume == FeedLineage.Resume(after: 80, boots: ["A"]))
    }

    @Test func aRunBegunAfterTheCommonPointHoldsNothingBothRead() {
        // The node read A to 40 and then B from 41; the hub was restored to 30 and its run D began at 31. B is not on
        // the hub, so only A counts.
        let resume = FeedLineage.resume(
            hub: [FeedRun(boot: "D", first: 31, last: 45), FeedRun(boot: "A", first: 1, last: 30)],
            node: [FeedRun(boot: "A", first: 1, last: 40), FeedRun(boot: "B", first: 41, last: 60)],
            cursor: 60
        )
        #expect(resume == FeedLineage.Resume(after: 30, boots: ["A"]))
    }
}
