import Foundation
import XietongClient
import XietongCore

// The demo's e-sealed custody exchange (issue 26, SZ-2): the police's node makes the suspect's custody certificate
// (换押证) from its custody exchange and seals it with the police's key from the city's PKI; the exchange carries it to
// the detention house, whose node checks the seal against the platform CA. The house's officer sees it in the console.
extension DemoRunner.Scenario {
    func sealCustodyExchange(caseCode: String?) async throws {
        self.say("")
        self.say("数字换押与电子签章 digital custody exchange with an e-sealed custody certificate (SZ-2)")
        let step = DemoCase.Step(
            flow: "custodyTransfer",
            messageType: "custodyTransferOut",
            sender: DemoCase.police,
            receiver: DemoCase.detentionHouse,
            answers: nil,
            documents: [("换押证", 0)]
        )
        func build(_ files: [[UInt8]]?) -> DemoCase.Built {
            DemoCase.build(
                step,
                index: 90,
                run: self.runner.run,
                registry: self.runner.registry,
                catalog: self.runner.catalog,
                inReplyTo: nil,
                caseCode: caseCode,
                related: [],
                files: files
            )
        }
        let police = self.api(DemoCase.police)
        let made = try await police.sealCustodyCertificates(build(nil).xml)
        guard made.status == 201,
            let documents = (try? JSONSerialization.jsonObject(with: Data(made.body)) as? [String: Any])?["documents"] as? [[String: Any]],
            let sha256 = documents.first?["sha256"] as? String
        else {
            // A machine without PoDoFo's podofosign (libpodofo-utils) cannot seal: the demo says so and goes on.
            self.say("  未能签章 not sealed: \(made.status) \(made.text.prefix(300))")
            return
        }
        let sealed = try await police.document(sha256)
        self.say("  \(self.name(DemoCase.police)) 生成并签章 makes and seals 换押证-张某某.pdf (\(sealed.body.count) bytes, SHA-256 \(sha256.prefix(16))…)")
        let built = build([sealed.body])
        let receipt = try await self.send(built.xml, from: DemoCase.police)
        guard receipt.status == .accepted else {
            self.say("  refused: \(receipt.findings.map { "\($0.code) \($0.message.zh)" }.joined(separator: "; "))")
            return
        }
        _ = try await self.follow(built.package.envelope.packageId, sender: DemoCase.police, quietly: true)
        let checked = try await self.api(DemoCase.detentionHouse).documentSeals(sha256)
        let seals = (try? JSONSerialization.jsonObject(with: Data(checked.body)) as? [[String: Any]]) ?? []
        let valid = seals.first?["valid"] as? Bool == true
        self.say(
            "  \(self.name(DemoCase.detentionHouse)) 收到并验章 receives it and checks the seal: "
                + (valid ? "签章有效 valid, signed by \(self.fullName(DemoCase.police))" : "签章无效 NOT valid \(checked.text.prefix(200))")
        )
    }
}
