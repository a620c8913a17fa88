import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// The hub moves an agency's open receiver limits when that agency states an approved extension (issue 20): the
/// procuratorate's review for prosecution on its custody-period notice to the detention house (人民检察院刑事诉讼规则第152
/// 条), the court's trial on its notice to the procuratorate (规则第617条第3项).
@Suite struct LimitExtensionStoreTests {
    static let procuratorate = "330106000201"
    static let police = "330106000101"

    @Test(arguments: StoreBackend.allCases)
    func theProcuratoratesNoticeExtendsItsReviewAndSaysWhy(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        // Transferred for review on Friday 20 November 2026 (the test clock), the suspect detained since 17 November:
        // 1 month ends Sunday 20 December, not moved, since the suspect is in custody (刑事诉讼法第172条第1款, 第105条
        // 第4款).
        let code = "20261120110133010600010100000006"
        let transfer = try SenderLimitStoreTests.package("prosecutionTransfer.prosecutionTransfer", "review", code: code)
        #expect(try await store.accept(transfer, statusURL: "/s").status == .accepted)
        let review = try #require(try await store.deadlines(of: SenderLimitStoreTests.id("review")).first)
        #expect(review.responsible == Self.procuratorate && review.dueOn == "2026-12-20" && review.custody && review.changedFrom == nil)

        // The procuratorate decides the case is major and complex and extends the review by 15 days, to Monday 4 January
        // 2027 (the 15th day after 20 December), telling the detention house on a custody-period notice that names the review's case code.
        let notice = try Self.notice("extension", extendedTo: "2027-01-04", relatedTo: code)
        let receipt = try await store.accept(notice, statusURL: "/s")
        #expect(receipt.status == .accepted, "\(receipt.findings.map(\.message.en))")
        let extended = try #require(try await store.deadlines(of: SenderLimitStoreTests.id("review")).first)
        #expect(extended.dueOn == "2027-01-04" && extended.changedFrom == "2026-12-20" && !extended.provisional)
        #expect(extended.changeReason?.zh == "经批准延长至 2027-01-04（变更羁押期限通知）")
        let changes = try await store.deadlineChanges(of: SenderLimitStoreTests.id("review"), seq: 0)
        #expect(changes.map(\.byPackage) == [SenderLimitStoreTests.id("extension")], "the decision that changed it is named")

        // A second notice past the statutory 15 days counts to the longest: 1 month and 15 days from 20 November is
        // 4 January already, so nothing moves.
        _ = try await store.accept(try Self.notice("too-far", extendedTo: "2027-01-30", relatedTo: code), statusURL: "/s")
        #expect(try await store.deadlines(of: SenderLimitStoreTests.id("review")).first?.dueOn == "2027-01-04")

        // The case timeline shows the old day and the decision beside the review.
        let timeline = try await store.timeline(ofCase: code)
        let step = try #require(timeline.instances.flatMap(\.steps).first { $0.messageType == "prosecutionTransfer" })
        let view = try #require(step.deadlines.first)
        #expect(view.dueOn == "2027-01-04" && view.changedFrom == "2026-12-20")
        await database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func anotherAgencysExtensionMovesNothing(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: "330100000001", flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let code = "20261120110133010600010100000006"
        _ = try await store.accept(
            try SenderLimitStoreTests.package("prosecutionTransfer.prosecutionTransfer", "review", code: code),
            statusURL: "/s"
        )
        // The police's own notice to the detention house cannot extend the procuratorate's review.
        let police = try Self.notice("police", extendedTo: "2027-01-04", relatedTo: code, sender: Self.police)
        #expect(try await store.accept(police, statusURL: "/s").status == .accepted)
        let review = try #require(try await store.deadlines(of: SenderLimitStoreTests.id("review")).first)
        #expect(review.dueOn == "2026-12-20" && review.changedFrom == nil)
        await database.close()
    }

    /// A custody-period notice (6.1.4) from `sender` to the detention house stating `limitExtendedTo`, related to the
    /// case `relatedTo`.
    static func notice(
        _ name: String,
        extendedTo: String,
        relatedTo code: String,
        sender: String = Self.procuratorate
    ) throws
        -> HubStore.Accepted
    {
        var xml = Fixtures.example("custodyTransfer.custodyPeriodChangeNotice")
        xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: SenderLimitStoreTests.id(name))
        xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "limit-extension-\(name)")
        if let first = xml.range(of: "<OrganisationCode>\(Self.police)</OrganisationCode>") {
            xml.replaceSubrange(first, with: "<OrganisationCode>\(sender)</OrganisationCode>")
        }
        xml = xml.replacingOccurrences(
            of: "</KeyDates>",
            with: "<KeyDate><Event>limitExtendedTo</Event><Date>\(extendedTo)</Date></KeyDate></KeyDates>"
        )
        if let start = xml.range(of: "<RelatedCaseCodes>"), let end = xml.range(of: "</RelatedCaseCodes>") {
            xml.replaceSubrange(start.lowerBound..<end.upperBound, with: "<RelatedCaseCodes><CaseCode>\(code)</CaseCode></RelatedCaseCodes>")
        }
        let own = sender == Self.procuratorate ? "20261120120133010600020100000031" : "20261120110133010600010100000031"
        return try #require(HubStore.Accepted.checked(Array(xml.utf8), unifiedCaseCode: own), "the notice \(name) checks")
    }
}
