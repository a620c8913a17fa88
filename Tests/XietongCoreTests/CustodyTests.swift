import Testing
import XietongCore

/// A person's custody folded across stages (换押, ZJ-6.1.4): who holds them, until when, and when the period has
/// run out with nothing recorded after it (the early warning of over-long detention).
@Suite struct CustodyTests {
    static func stage(
        _ event: CustodyRecord.Event,
        _ kind: String?,
        by holder: String,
        from start: String? = nil,
        to end: String? = nil
    ) -> CustodyChain.Stage {
        CustodyChain.Stage(
            CustodyRecord(personKey: "K", name: "张某某", event: event, kind: kind, holder: holder, startsOn: start, endsOn: end),
            packageId: "p-\(event.rawValue)",
            caseCode: "C",
            flow: "f",
            messageType: "m",
            at: "2026-11-01T00:00:00Z"
        )
    }

    let today = CalendarDate(iso: "2026-11-21")!

    @Test func detentionThenArrestThenATransferMovesTheHolderAndThePeriod() {
        let chain = CustodyChain(
            personKey: "K",
            name: "张某某",
            stages: [
                Self.stage(.measure, "criminalDetention", by: "police", from: "2026-11-01", to: "2026-11-04"),
                Self.stage(.measure, "arrest", by: "police", from: "2026-11-04", to: "2027-01-03"),
                Self.stage(.transferOut, "arrest", by: "police"),
                Self.stage(.transferIn, "arrest", by: "procuratorate", from: "2026-11-20", to: "2026-12-19"),
            ],
            today: self.today
        )
        #expect(chain.inCustody && !chain.inTransfer)
        #expect(chain.holder == "procuratorate" && chain.periodEndsOn == "2026-12-19" && chain.daysLeft == 28)
        #expect(chain.periodSetBy?.event == .transferIn)
    }

    @Test func aPersonHandedOverButNotYetTakenOverIsInTransferWithTheOldPeriod() {
        let chain = CustodyChain(
            personKey: "K",
            name: "张某某",
            stages: [
                Self.stage(.measure, "arrest", by: "police", from: "2026-09-20", to: "2026-11-19"),
                Self.stage(.transferOut, "arrest", by: "police"),
            ],
            today: self.today
        )
        #expect(chain.inCustody && chain.inTransfer && chain.holder == "police")
        // Two days past the period with no transfer-in, extension or release: over-long detention.
        #expect(chain.daysLeft == -2)
    }

    @Test func anExtensionMovesTheEndAndBailEndsCustody() {
        var stages = [
            Self.stage(.measure, "arrest", by: "court", from: "2026-10-01", to: "2026-11-30"),
            Self.stage(.periodChange, "arrest", by: "court", from: "2026-10-01", to: "2026-12-31"),
        ]
        let extended = CustodyChain(personKey: "K", name: "张某某", stages: stages, today: self.today)
        #expect(extended.periodEndsOn == "2026-12-31" && extended.daysLeft == 40 && extended.holder == "court")
        stages.append(Self.stage(.measure, "bail", by: "court", from: "2026-11-21", to: "2027-11-20"))
        let released = CustodyChain(personKey: "K", name: "张某某", stages: stages, today: self.today)
        #expect(!released.inCustody && released.periodEndsOn == nil && released.daysLeft == nil)
    }

    @Test func personsAreTheSameAcrossAgenciesByIdNumberElseByNameAndBirthDate() {
        #expect(CustodyRecord.personKey(idCardNumber: "33010619900315123x", name: "张某某", birthDate: nil) == "33010619900315123X")
        #expect(
            CustodyRecord.personKey(idCardNumber: nil, name: "张某某", birthDate: "1990-03-15")
                != CustodyRecord.personKey(idCardNumber: nil, name: "张某某", birthDate: "1991-03-15")
        )
    }

    @Test func aBatchNeedsAReceiptForEveryPersonOnce() throws {
        let persons = [
            CasePackage.Person(id: "p1", role: "suspect", name: "甲", idCardNumber: "A", gender: "1"),
            CasePackage.Person(id: "p2", role: "suspect", name: "乙", idCardNumber: "B", gender: "1"),
        ]
        var receipt = CasePackage(
            standardVersion: "1.0",
            envelope: CasePackage.Envelope(
                packageId: "r",
                idempotencyKey: "r",
                flow: "custodyTransfer",
                messageType: "custodyTransferReceipt",
                sender: CasePackage.Party(organisationCode: "h", agencyCode: "1"),
                receiver: CasePackage.Party(organisationCode: "p", agencyCode: "2"),
                agencyCaseNumber: "n",
                createdAt: "2026-11-21T00:00:00+08:00"
            ),
            body: CasePackage.Body(
                caseInfo: CasePackage.CaseInfo(name: "c", category: "criminal", division: "330106", filedOn: "2026-11-01"),
                persons: [persons[0]]
            )
        )
        let batch = CustodyBatch(persons: ["A": "甲", "B": "乙"], receipted: [])
        #expect(batch.receive(receipt) == .receipts(personKeys: ["A"], completes: false))
        #expect(CustodyBatch(persons: batch.persons, receipted: ["B"]).receive(receipt) == .receipts(personKeys: ["A"], completes: true))
        guard case .refused(let twice) = CustodyBatch(persons: batch.persons, receipted: ["A"]).receive(receipt) else {
            Issue.record("a second receipt for 甲 was taken")
            return
        }
        #expect(twice.code == .custodyAlreadyReceipted && twice.location == "/CasePackage/Body/Persons/Person[1]")
        receipt.body.persons = []
        guard case .refused(let nobody) = batch.receive(receipt) else {
            Issue.record("a receipt for nobody was taken")
            return
        }
        #expect(nobody.code == .custodyNoPerson)
    }
}
