import Foundation
import Testing
import XietongCore
import XietongTesting

/// What the hub writes when it accepts a package, decided without a database (issue 21, item 1): the hops, the
/// sender's receipt, the receiver's delivery and the codes the case is found by.
@Suite struct AcceptancePlanTests {
    static let hub = "330100000001"
    static let instant = Timestamp.date("2026-11-20T09:30:00+08:00")!

    static func plan(codeAssigned: Bool = false, warnings: [Finding] = []) throws -> (CasePackage, AcceptancePlan) {
        let package = try #require(Fixtures.package("firstInstancePublicProsecution.custodyPeriodChangeNotice"))
        let plan = AcceptancePlan(
            package: package,
            unifiedCaseCode: "20261120130133010600030100000001",
            codeAssigned: codeAssigned,
            contentSHA256: "ab12",
            contentSize: 2048,
            warnings: warnings,
            signature: nil,
            statusURL: "/v1/packages/x",
            hub: Self.hub,
            at: Self.instant
        )
        return (package, plan)
    }

    @Test func theHubRecordsReceivedCodedAndForwardedAtTheSameMoment() throws {
        let (package, plan) = try Self.plan(codeAssigned: true)
        #expect(plan.hops.map(\.hop) == [.receivedByHub, .coded, .forwarded])
        #expect(Set(plan.hops.map(\.at)) == [Timestamp.string(Self.instant)])
        #expect(plan.hops.allSatisfy { $0.organisation == Self.hub && $0.packageId == package.envelope.packageId })
        // The content's hash goes into the evidence log with the first hop (issue 19).
        #expect(plan.hops[0].detail == "sha256:ab12")
        #expect(plan.hops[1].detail == "20261120130133010600030100000001 (assigned)")
        #expect(plan.hops[2].detail == package.envelope.receiver.organisationCode)
    }

    @Test func theReceiptAcceptsWithTheHopsAndTheWarnings() throws {
        let warning = Finding(.limitStartMissing, .warning, at: "/CasePackage/Body/Case/KeyDates", zh: "警告", en: "warning")
        let (_, plan) = try Self.plan(warnings: [warning])
        #expect(plan.receipt.status == .accepted && plan.receipt.hops == plan.hops)
        #expect(plan.receipt.findings == [warning] && plan.receipt.statusURL == "/v1/packages/x")
        #expect(plan.receipt.receivedAt == Timestamp.string(Self.instant) && !plan.receipt.codeAssigned)
    }

    @Test func theDeliveryNamesTheFilesButNotTheBytes() throws {
        let (package, plan) = try Self.plan()
        #expect(plan.delivery.receiver == package.envelope.receiver.organisationCode)
        #expect(plan.delivery.contentSHA256 == "ab12" && plan.delivery.contentSize == 2048 && plan.delivery.content == nil)
        #expect(plan.delivery.attachments.map(\.sha256) == package.attachments.map { $0.sha256.lowercased() })
        #expect(plan.delivery.acceptedAt == plan.receipt.receivedAt)
        // The business system's CreatedAt travels as UTC, for the receiving node's end-to-end latency (issue 22).
        let created = try #require(package.envelope.createdInstant)
        #expect(plan.delivery.createdAt == Timestamp.string(created))
    }

    @Test func theCaseIsFoundByItsOwnCodeAndItsRelatedOnes() throws {
        let (package, plan) = try Self.plan()
        #expect(plan.caseCodes == Set(["20261120130133010600030100000001"] + package.body.caseInfo.relatedCaseCodes))
        #expect(plan.caseCodes.count == 2)
    }

    @Test func aRefusalFoundWhileAcceptingKeepsTheMomentAndCode() throws {
        let (_, plan) = try Self.plan()
        let finding = Finding(.flowOutOfOrder, at: "/CasePackage/Envelope/InReplyTo", zh: "顺序错误", en: "out of order")
        let refusal = plan.refusal(finding)
        #expect(refusal.status == .refused && refusal.findings == [finding] && refusal.hops == nil)
        #expect(refusal.receivedAt == plan.receipt.receivedAt && refusal.unifiedCaseCode == plan.receipt.unifiedCaseCode)
    }
}
