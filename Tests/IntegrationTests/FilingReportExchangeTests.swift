import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// Case filing reports across real processes (issue 26, GUI-2): the procuratorate's business system files a
/// non-prosecution report with its node, which passes it to the hub; the committee's supervisor finds it in the
/// hub's list and acknowledges it; the business system reads it back acknowledged. With the hub stopped, the node
/// says so.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FilingReportExchangeTests {
    let police = "330106000101"
    let procuratorate = "330106000201"

    @Test func aReportFiledAtTheNodeReachesTheCommitteesListAndComesBackAcknowledged() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [self.police, self.procuratorate])
        try harness.addNode(self.procuratorate)
        try await harness.startAll()
        let node = harness.services[self.procuratorate]!.url
        let hub = harness.services["hub"]!.url
        let key = ExchangeHarness.apiKey(self.procuratorate)
        let draft = FilingReports.nonProsecution()

        let filed = try await harness.post("\(node)/api/v1/filing-reports", key: key, body: Array(try JSONEncoder().encode(draft)))
        #expect(filed.status == 201, "\(filed.text)")
        #expect(filed.json(FilingReport.self)?.reporter == self.procuratorate)
        // A kind the procuratorate does not report: the hub's refusal, passed on.
        var acquittal = FilingReports.nonProsecution(id: "5c4b3a29-1807-4f6e-9d5c-4b3a29180706")
        acquittal.kind = "acquittal"
        let refused = try await harness.post("\(node)/api/v1/filing-reports", key: key, body: Array(try JSONEncoder().encode(acquittal)))
        #expect(refused.status == 403 && refused.text.contains("report.not-reporter"))

        // The committee's list, and the acknowledgement.
        let list = try await harness.get("\(hub)/v1/supervision/filing-reports", key: harness.supervisorToken)
        #expect(list.status == 200 && list.text.contains(draft.reportId) && list.text.contains("\"received\""))
        let acknowledged = try await harness.post(
            "\(hub)/v1/supervision/filing-reports/\(draft.reportId)/acknowledge",
            key: harness.supervisorToken,
            body: Array(#"{"note": "已阅"}"#.utf8),
            headers: [("Content-Type", "application/json")]
        )
        #expect(acknowledged.status == 200, "\(acknowledged.text)")

        let read = try await harness.get("\(node)/api/v1/filing-reports/\(draft.reportId)", key: key)
        let report = try #require(read.json(FilingReport.self), "\(read.text)")
        #expect(report.status == .acknowledged && report.note == "已阅")

        // The hub stopped: the node says it cannot reach it, with its code.
        await harness.stop("hub")
        try await harness.eventually("the node reports the hub unreachable") {
            let reply = try await harness.request(.GET, "\(node)/api/v1/filing-reports/\(draft.reportId)", key: key)
            return reply.status == 502 && reply.text.contains("hub.unreachable")
        }
    }
}
