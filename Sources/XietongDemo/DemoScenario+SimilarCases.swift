import Foundation
import XietongClient
import XietongCore

// The demo's similar cases and sentencing reference (issue 26, SZ-6, GS-6): the procuratorate indicts and the court
// judges four earlier cases (standard 1.3, each judgment with its sentences); the court then asks for the cases most
// like 张某某盗窃案 and prints them with their sentences and the features that matched. The same list is on the
// consoles' page of the case (`/console/cases/CODE/similar`).
extension DemoRunner.Scenario {
    /// An earlier case: its name, its defendants, the amount, the measure, the charge and each defendant's sentence.
    struct EarlierCase {
        let name: String
        let defendants: [String]
        let amount: String
        let measure: String
        let charge: String
        let sentence: CasePackage.Sentence
    }

    static let earlierCases = [
        EarlierCase(
            name: "李某盗窃案",
            defendants: ["李某"],
            amount: "35000",
            measure: "arrest",
            charge: "盗窃罪",
            sentence: CasePackage.Sentence(personRef: "", penalty: "fixedTermImprisonment", termMonths: 18, fine: "5000")
        ),
        EarlierCase(
            name: "王某盗窃案",
            defendants: ["王某"],
            amount: "28000",
            measure: "bail",
            charge: "盗窃罪",
            sentence: CasePackage.Sentence(personRef: "", penalty: "fixedTermImprisonment", termMonths: 12, probationMonths: 18, fine: "3000")
        ),
        EarlierCase(
            name: "赵某、钱某盗窃案",
            defendants: ["赵某", "钱某"],
            amount: "120000",
            measure: "arrest",
            charge: "盗窃罪",
            sentence: CasePackage.Sentence(personRef: "", penalty: "fixedTermImprisonment", termMonths: 42, fine: "20000")
        ),
        EarlierCase(
            name: "孙某诈骗案",
            defendants: ["孙某"],
            amount: "30000",
            measure: "arrest",
            charge: "诈骗罪",
            sentence: CasePackage.Sentence(personRef: "", penalty: "fixedTermImprisonment", termMonths: 16, fine: "5000")
        ),
    ]

    func showSimilarCases(caseCode: String?) async throws {
        guard let caseCode else { return }
        self.say("")
        self.say("类案推送与量刑参考 similar cases and sentencing reference (SZ-6, GS-6)")
        for (number, earlier) in Self.earlierCases.enumerated() {
            guard try await self.judge(earlier, number: number) else { return }
        }
        self.say("  \(self.name(DemoCase.procuratorate))与\(self.name(DemoCase.court))此前办结 \(Self.earlierCases.count) 件案件 four earlier cases judged")
        let reply = try await self.api(DemoCase.court).similarCases(ofCase: caseCode)
        guard reply.status == 200, let reference = reply.json(SimilarCases.Reference.self) else {
            self.say("  未能检索类案 no similar cases: \(reply.status) \(reply.text.prefix(300))")
            return
        }
        self.say("  \(self.name(DemoCase.court))检索 张某某盗窃案 的类案 the court asks for cases like 张某某盗窃案:")
        for match in reference.matches {
            let sentences = match.precedent.sentences.map { "\($0.name) \($0.text.zh)" }.joined(separator: "；")
            self.say("    \(match.score) 分  \(match.precedent.caseName)  \(sentences)")
            self.say("           " + match.features.map { "\($0.detail.zh) +\($0.points)" }.joined(separator: "；"))
        }
        self.say("  \(reference.notice.zh) \(reference.notice.en)")
        self.say("  console: \(self.node(DemoCase.court))/console/cases/\(caseCode)/similar")
    }

    /// Sends an earlier case's indictment and its judgment; false (said) when one is refused.
    func judge(_ earlier: EarlierCase, number: Int) async throws -> Bool {
        var procuratorateCode: String?
        var indictmentId: String?
        for (offset, step) in [
            DemoCase.Step(
                flow: "firstInstancePublicProsecution",
                messageType: "indictment",
                sender: DemoCase.procuratorate,
                receiver: DemoCase.court,
                answers: nil,
                documents: [("起诉书", 0)]
            ),
            DemoCase.Step(
                flow: "firstInstancePublicProsecution",
                messageType: "judgmentPronouncement",
                sender: DemoCase.court,
                receiver: DemoCase.procuratorate,
                answers: 0,
                documents: [("刑事判决书", 0)]
            ),
        ].enumerated() {
            var built = DemoCase.build(
                step,
                index: 100 + number * 2 + offset,
                run: self.runner.run,
                registry: self.runner.registry,
                catalog: self.runner.catalog,
                inReplyTo: offset == 1 ? indictmentId : nil,
                caseCode: nil,
                related: offset == 1 ? procuratorateCode.map { [$0] } ?? [] : []
            )
            var package = built.package
            package.body.caseInfo.name = earlier.name
            package.body.caseInfo.involvedAmount = earlier.amount
            package.body.caseInfo.summary = nil
            package.body.persons = earlier.defendants.enumerated().map { index, name in
                CasePackage.Person(id: "p\(index + 1)", role: "defendant", name: name, gender: "1")
            }
            package.body.charges = package.body.persons.map { CasePackage.Charge(personRef: $0.id, name: earlier.charge) }
            // No custody place: the earlier cases' custody is not the demo's to track.
            package.body.coerciveMeasures = package.body.persons.map {
                CasePackage.CoerciveMeasure(personRef: $0.id, kind: earlier.measure, startDate: String(package.envelope.createdAt.prefix(10)))
            }
            package.body.sentences =
                offset == 1
                ? package.body.persons.map {
                    var sentence = earlier.sentence
                    sentence.personRef = $0.id
                    return sentence
                } : []
            built = DemoCase.Built(package: package, xml: CasePackageWriter.bytes(package), files: built.files)
            for file in built.files { try await self.upload(file, to: step.sender) }
            let receipt = try await self.send(built.xml, from: step.sender)
            guard receipt.status == .accepted else {
                self.say("  \(earlier.name) refused: \(receipt.findings.map { "\($0.code) \($0.message.zh)" }.joined(separator: "; "))")
                return false
            }
            let events = try await self.follow(package.envelope.packageId, sender: step.sender, quietly: true)
            if offset == 0 {
                indictmentId = package.envelope.packageId
                procuratorateCode = events.first(where: { $0.hop == .coded })?.detail?.split(separator: " ").first.map(String.init)
            }
        }
        return true
    }
}
