import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// Case filing reports in the hub's store, on both databases (issue 26, GUI-2): filed once by id, counted by kind and
/// status, acknowledged once.
@Suite struct FilingReportStoreTests {
    static let procuratorate = "330106000201"

    @Test(arguments: StoreBackend.allCases)
    func aReportIsFiledOnceCountedAndAcknowledgedOnce(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let kinds = try FilingReportKinds.bundled()
        // Decided on the 10th, reported on the test day (the 20th): three days late for its 7.
        let draft = try FilingReports.nonProsecution().checked(kinds: kinds, reporterKinds: [AgencyKind.procuratorate])
        var late = draft
        late.eventDate = "2026-11-10"
        let (report, created) = try await store.fileReport(late, reporter: Self.procuratorate, kind: kinds["nonProsecution"])
        #expect(created && report.status == .received && report.dueOn == "2026-11-17" && report.late)
        // Filed again: the report as first filed.
        let (again, createdAgain) = try await store.fileReport(draft, reporter: Self.procuratorate, kind: kinds["nonProsecution"])
        #expect(!createdAgain && again.draft.eventDate == "2026-11-10")
        // Another organisation cannot take the id.
        await #expect(throws: HubStore.ReportIdTaken.self) {
            _ = try await store.fileReport(draft, reporter: "330106000301", kind: kinds["nonProsecution"])
        }
        let second = try FilingReports.nonProsecution(id: "8d0e7c1a-4b2f-4f6e-8c3d-1a9b7e5f2d40").checked(
            kinds: kinds,
            reporterKinds: [AgencyKind.procuratorate]
        )
        _ = try await store.fileReport(second, reporter: Self.procuratorate, kind: kinds["nonProsecution"])

        let counts = try await store.filingReportCounts()
        #expect(
            counts.count == 1 && counts[0].kind == "nonProsecution" && counts[0].status == .received && counts[0].count == 2 && counts[0].late == 1
        )
        // Acknowledged once: a second acknowledgement keeps the first.
        let read = try #require(try await store.acknowledgeReport(draft.reportId, by: "supervisor", note: "已阅，跟踪复查"))
        #expect(read.status == .acknowledged && read.acknowledgedBy == "supervisor" && read.note == "已阅，跟踪复查")
        let reread = try #require(try await store.acknowledgeReport(draft.reportId, by: "admin", note: nil))
        #expect(reread.acknowledgedBy == "supervisor" && reread.note == "已阅，跟踪复查")
        #expect(try await store.acknowledgeReport("8d0e7c1a-0000-4f6e-8c3d-1a9b7e5f2d40", by: "supervisor", note: nil) == nil)
        #expect(try await store.filingReports(status: .received).map(\.draft.reportId) == [second.reportId])
        #expect(try await store.filingReports(reporter: "330106000301").isEmpty)
        #expect(try await store.filingReports().count == 2)
        await database.close()
    }
}
