import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// A provincial hub restored from an older copy of its data (issue 19's restore, across a link, issue 23): it reads the
/// city's link feed again from where its copy left off and takes again what it lost; the city's hub finds that the
/// province no longer holds what it read of the province's link feed and reads it again from where both agree. Each
/// package reaches the receiving business system once, and the sender hears of every delivery.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FederationRestoreTests {
    @Test func aProvinceRestoredFromAnOlderCopyLosesNothingAcrossTheLink() async throws {
        let police = FederationTests.police.code
        let procuratorate = FederationTests.procuratorate
        let harness = try ExchangeHarness()
        try harness.exchange.addFederation(cityNodes: [police], provinceNodes: [procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate, hub: "hub-province")
        try await harness.startAll()
        func phase(_ number: Int) -> [[PackageFactory.Made]] {
            (0..<2).map { c in (0..<2).map { PackageFactory.arrestRequest(case: number * 10 + c, message: $0, run: "link-restore") } }
        }
        let data = harness.exchange.directory.appendingPathComponent("hub-province")
        let backup = harness.directory.url.appendingPathComponent("hub-province-backup")

        let before = phase(1)
        try await harness.sendCases(before, from: police)
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: before, sender: police)
        await harness.stop("hub-province")
        try await Task.sleep(for: .milliseconds(500))
        try FileManager.default.copyItem(at: data, to: backup)
        try await harness.start("hub-province")

        let after = phase(2)
        try await harness.sendCases(after, from: police)
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: after, sender: police)

        // The province is restored from the copy: it lost the second phase.
        await harness.stop("hub-province")
        try await Task.sleep(for: .milliseconds(500))
        try FileManager.default.removeItem(at: data)
        try FileManager.default.copyItem(at: backup, to: data)
        try await harness.start("hub-province")

        let later = phase(3)
        try await harness.sendCases(later, from: police)
        let all = before + after + later
        try await harness.eventually("every package reaches the procuratorate once", timeout: 90) {
            try await harness.received(by: procuratorate).count >= all.joined().count
        }
        try await Task.sleep(for: .seconds(1))
        #expect(try await harness.deliveryProblems(of: all, at: procuratorate) == [])
        try await harness.waitUntilTheSenderKnowsEveryDelivery(of: all, sender: police)
        // The province holds the second phase again, taken anew from the city's link feed.
        let province = harness.services["hub-province"]!.url
        for made in after.joined() {
            #expect(try await harness.get("\(province)/v1/packages/\(made.packageId)", key: harness.adminToken).status == 200)
        }
        #expect(harness.log("hub").contains("no longer holds what this hub read of its link feed"))
    }
}
