import Foundation
import Testing
import XietongCore
import XietongTesting

/// ZJ-7.1.2.1, GZ-4, GS-2: a corrupted copy of an example is refused with the specific finding, at the right place,
/// in Chinese and English.
@Suite struct QualityCheckTests {
    let arrestRequest = Fixtures.example("arrestApproval.arrestRequest")

    @Test func theUntouchedExampleIsAccepted() {
        let report = Fixtures.check(self.arrestRequest)
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.package?.envelope.messageType == "arrestRequest")
    }

    @Test func aMissingRequiredFieldIsRefused() throws {
        let xml = self.arrestRequest.replacingOnce("<AgencyCaseNumber>杭西公（刑）字〔2026〕1002号</AgencyCaseNumber>\n", with: "")
        let report = Fixtures.check(xml)
        let finding = try #require(report.finding(.schemaMissingElement))
        #expect(report.errorCodes == ["schema.missing-element"])
        #expect(finding.location == "/CasePackage/Envelope/AgencyCaseNumber")
        #expect(finding.message.zh.contains("AgencyCaseNumber"))
        #expect(finding.message.en.contains("required"))
    }

    @Test func anEmptyRequiredValueIsRefused() throws {
        let xml = self.arrestRequest.replacingOnce("<Name>张某某</Name>", with: "<Name>   </Name>")
        let report = Fixtures.check(xml)
        #expect(report.finding(.schemaEmptyValue)?.location == "/CasePackage/Body/Persons/Person[1]/Name")
    }

    @Test func aValueOutsideItsCodeSetIsRefused() throws {
        let xml = self.arrestRequest.replacingOnce("<Gender>1</Gender>", with: "<Gender>3</Gender>")
        let report = Fixtures.check(xml)
        let finding = try #require(report.finding(.codesetGender))
        #expect(finding.location == "/CasePackage/Body/Persons/Person[1]/Gender")
        #expect(finding.message.en.contains("GB/T 2261.1"))
    }

    @Test func anUnknownDivisionIsRefused() {
        let xml = self.arrestRequest.replacingOnce("<Division>330106</Division>", with: "<Division>339999</Division>")
        #expect(Fixtures.check(xml).finding(.codesetDivision)?.location == "/CasePackage/Body/Case/Division")
    }

    @Test func aBadIdCardChecksumIsRefused() throws {
        let xml = self.arrestRequest.replacingOnce("330106199003151236", with: "330106199003151235")
        let report = Fixtures.check(xml)
        let finding = try #require(report.finding(.idCardChecksum))
        #expect(finding.location == "/CasePackage/Body/Persons/Person[1]/IdCardNumber")
        #expect(finding.message.en.contains("expected 6"))
    }

    @Test func anIdCardThatContradictsTheBirthDateIsRefused() {
        let xml = self.arrestRequest.replacingOnce("<BirthDate>1990-03-15</BirthDate>", with: "<BirthDate>1991-03-15</BirthDate>")
        #expect(Fixtures.check(xml).finding(.idCardMismatch)?.location == "/CasePackage/Body/Persons/Person[1]/BirthDate")
    }

    @Test func aReceiverKindTheMessageDoesNotAllowIsRefused() throws {
        // An arrest request goes to the procuratorate; here it is addressed to the court.
        let xml = self.arrestRequest
            .replacingOnce(
                "<OrganisationCode>330106000201</OrganisationCode>\n      <AgencyCode>1201</AgencyCode>",
                with: "<OrganisationCode>330106000301</OrganisationCode>\n      <AgencyCode>1301</AgencyCode>"
            )
        let report = Fixtures.check(xml)
        let finding = try #require(report.finding(.receiverKind))
        #expect(report.errorCodes == ["consistency.receiver-kind"])
        #expect(finding.location == "/CasePackage/Envelope/Receiver/OrganisationCode")
        #expect(finding.message.zh.contains("检察机关"))
    }

    @Test func aSenderKindTheMessageDoesNotAllowIsRefused() {
        // A court cannot ask for arrest approval; the unified code must then name the court too.
        let xml = self.arrestRequest
            .replacingOnce(
                "<OrganisationCode>330106000101</OrganisationCode>\n      <AgencyCode>1101</AgencyCode>",
                with: "<OrganisationCode>330106000301</OrganisationCode>\n      <AgencyCode>1301</AgencyCode>"
            )
        let report = Fixtures.check(xml)
        #expect(report.errorCodes.contains("consistency.sender-kind"))
        #expect(report.errorCodes.contains("consistency.case-code-sender"))
    }

    @Test func anUnregisteredOrganisationIsRefused() {
        let xml = self.arrestRequest.replacingOnce(
            "<OrganisationCode>330106000201</OrganisationCode>",
            with: "<OrganisationCode>330106009999</OrganisationCode>"
        )
        #expect(Fixtures.check(xml).finding(.codesetOrganisation)?.location == "/CasePackage/Envelope/Receiver/OrganisationCode")
    }

    @Test func aWrongAgencyCodeIsRefused() {
        let xml = self.arrestRequest.replacingOnce("<AgencyCode>1201</AgencyCode>", with: "<AgencyCode>1202</AgencyCode>")
        #expect(Fixtures.check(xml).finding(.codesetAgencyCode)?.location == "/CasePackage/Envelope/Receiver/AgencyCode")
    }

    @Test func anUnknownFlowOrMessageTypeIsRefused() {
        let unknownFlow = self.arrestRequest.replacingOnce("<Flow>arrestApproval</Flow>", with: "<Flow>arrestApprovals</Flow>")
        #expect(Fixtures.check(unknownFlow).errorCodes == ["codeset.flow"])
        let unknownMessage = self.arrestRequest.replacingOnce("<MessageType>arrestRequest</MessageType>", with: "<MessageType>protest</MessageType>")
        #expect(Fixtures.check(unknownMessage).errorCodes == ["codeset.message-type"])
    }

    @Test func aReplyWithoutInReplyToIsRefused() {
        let decision = Fixtures.example("arrestApproval.arrestDenialDecision")
        let line = decision.split(separator: "\n").first { $0.contains("<InReplyTo>") }!
        let xml = decision.replacingOnce(String(line) + "\n", with: "")
        #expect(Fixtures.check(xml).errorCodes == ["consistency.reply-without-request"])
    }

    @Test func anAttachmentHashMismatchIsRefused() throws {
        // Change the first hex digit of the recorded SHA-256: the file no longer matches the manifest.
        let hashStart = try #require(self.arrestRequest.range(of: "<SHA256>")).upperBound
        let digit = self.arrestRequest[hashStart] == "0" ? "1" : "0"
        let altered = self.arrestRequest.replacingCharacters(in: hashStart..<self.arrestRequest.index(after: hashStart), with: digit)
        let report = Fixtures.check(altered)
        let finding = try #require(report.finding(.attachmentHash))
        #expect(report.errorCodes == ["attachment.hash-mismatch"])
        #expect(finding.location == "/CasePackage/Attachments/Attachment[1]/SHA256")
    }

    @Test func anAttachmentSizeMismatchAndAMissingFileAreRefused() {
        let size = self.arrestRequest.replacingOnce("<Size>", with: "<Size>1")
        #expect(Fixtures.check(size).errorCodes.contains("attachment.size-mismatch"))
        let missing = self.arrestRequest.replacingOnce("attachments/arrestApproval.arrestRequest.pdf", with: "attachments/no-such-file.pdf")
        #expect(Fixtures.check(missing).errorCodes == ["attachment.missing"])
    }

    @Test(arguments: ["../../etc/passwd", "/etc/passwd", "attachments/../../secret.pdf", "C:\\Windows\\win.ini"])
    func attachmentLocationsCannotEscapeThePackage(location: String) {
        let xml = self.arrestRequest.replacingOnce("attachments/arrestApproval.arrestRequest.pdf", with: location)
        #expect(Fixtures.check(xml).errorCodes.contains("attachment.unsafe-name"))
    }

    @Test func attachmentNamesMustBePlainFileNames() {
        let xml = self.arrestRequest.replacingOnce("<Name>提请批准逮捕.pdf</Name>", with: "<Name>../提请批准逮捕.pdf</Name>")
        #expect(Fixtures.check(xml).errorCodes.contains("attachment.unsafe-name"))
    }

    @Test func datesOutOfOrderAreRefused() {
        let xml = self.arrestRequest.replacingOnce("<FiledOn>2026-11-02</FiledOn>", with: "<FiledOn>2026-12-02</FiledOn>")
        #expect(Fixtures.check(xml).finding(.dateOrder)?.location == "/CasePackage/Body/Case/FiledOn")
        let future = self.arrestRequest.replacingOnce("2026-11-20T08:07:00+08:00", with: "2027-11-20T08:07:00+08:00")
        #expect(Fixtures.check(future, now: Date(timeIntervalSince1970: 1_795_000_000)).errorCodes.contains("consistency.date-order"))
    }

    /// The package's dates are China calendar dates; a creation time written in another zone counts on its China day
    /// (a package created at 00:30 in Hangzhou, written as 16:30 UTC the day before, may be filed "today").
    @Test func datesAreComparedWithTheChinaDayOfTheCreationTime() {
        for createdAt in ["2026-11-20T16:30:00Z", "2026-11-20T11:30:00-05:00", "2026-11-21T00:30:00+08:00", "2026-11-21T00:30:00"] {
            let created = self.arrestRequest.replacingOnce("2026-11-20T08:07:00+08:00", with: createdAt)
            let filedThatDay = created.replacingOnce("<FiledOn>2026-11-02</FiledOn>", with: "<FiledOn>2026-11-21</FiledOn>")
            #expect(Fixtures.check(filedThatDay).isAccepted, "\(createdAt): \(Fixtures.check(filedThatDay).findings)")
            let filedNextDay = created.replacingOnce("<FiledOn>2026-11-02</FiledOn>", with: "<FiledOn>2026-11-22</FiledOn>")
            #expect(Fixtures.check(filedNextDay).finding(.dateOrder)?.message.zh.contains("晚于数据包创建日期 2026-11-21") == true, "\(createdAt)")
        }
        // 15:59 UTC is still the 20th in China.
        let early = self.arrestRequest.replacingOnce("2026-11-20T08:07:00+08:00", with: "2026-11-20T15:59:00Z")
            .replacingOnce("<FiledOn>2026-11-02</FiledOn>", with: "<FiledOn>2026-11-21</FiledOn>")
        #expect(Fixtures.check(early).finding(.dateOrder)?.location == "/CasePackage/Body/Case/FiledOn")
    }

    @Test func theUnifiedCodeMustBelongToTheSender() {
        let xml = self.arrestRequest.replacingOnce("20261120110133010600010100000002", with: "20261120120133010600020100000001")
        #expect(Fixtures.check(xml).errorCodes == ["consistency.case-code-sender"])
        let invalidDate = self.arrestRequest.replacingOnce("20261120110133010600010100000002", with: "20261332110133010600010100000003")
        #expect(Fixtures.check(invalidDate).errorCodes == ["codeset.unified-case-code"])
    }

    @Test func danglingReferencesAndDuplicateIdsAreRefused() {
        let dangling = self.arrestRequest.replacingOnce("<Charge personRef=\"p1\">", with: "<Charge personRef=\"p9\">")
        #expect(Fixtures.check(dangling).finding(.dangling)?.location == "/CasePackage/Body/Charges/Charge[1]/@personRef")
        let badRef = self.arrestRequest.replacingOnce("<AttachmentRef>a1</AttachmentRef>", with: "<AttachmentRef>a2</AttachmentRef>")
        #expect(Fixtures.check(badRef).errorCodes == ["consistency.dangling-reference"])
    }

    @Test func elementsOutOfOrderAndUnknownElementsAreRefused() {
        let unknown = self.arrestRequest.replacingOnce("</Documents>\n", with: "</Documents>\n    <Secret>x</Secret>\n")
        #expect(Fixtures.check(unknown).finding(.schemaUnexpectedElement)?.location == "/CasePackage/Body/Secret")
    }

    @Test func aFieldOfALaterStandardVersionIsRefusedInAnEarlierOne() throws {
        // Person/Ethnicity came with standard version 1.1 (GZ-8); a 1.0 package cannot carry it.
        let batch = Fixtures.example("custodyTransfer.custodyTransferOut")
        #expect(Fixtures.check(batch).isAccepted)
        let downgraded = batch.replacingOnce("standardVersion=\"1.1\"", with: "standardVersion=\"1.0\"")
        let report = Fixtures.check(downgraded)
        #expect(report.finding(.schemaUnexpectedElement)?.location == "/CasePackage/Body/Persons/Person[1]/Ethnicity")
    }

    @Test func anOlderStandardVersionStillWorks() {
        // GZ-8: senders on 1.0 keep working after 1.1 is rolled out.
        #expect(Fixtures.check(self.arrestRequest).package?.standardVersion == "1.0")
    }

    @Test func anUnknownStandardVersionIsRefused() {
        let xml = self.arrestRequest.replacingOnce("standardVersion=\"1.0\"", with: "standardVersion=\"9.0\"")
        let report = Fixtures.check(xml)
        #expect(report.errorCodes == ["schema.version-unsupported"])
        #expect(report.errors.first?.message.en.contains("1.0, 1.1") == true)
    }

    @Test func aWrongRootOrNamespaceIsRefused() {
        let xml = self.arrestRequest.replacingOnce("urn:xietong:case-package:1", with: "urn:other")
        #expect(Fixtures.check(xml).errorCodes == ["schema.root"])
    }
}

/// Normalisation (ZJ-7.1.2.1 b): the package is accepted after full-width codes, stray white space and other date
/// formats are unified, and each change is reported.
@Suite struct NormalisationTests {
    let arrestRequest = Fixtures.example("arrestApproval.arrestRequest")

    @Test func fullWidthCodesBecomeHalfWidth() throws {
        let xml = self.arrestRequest.replacingOnce(
            "<IdCardNumber>330106199003151236</IdCardNumber>",
            with: "<IdCardNumber>３３０１０６１９９００３１５１２３６</IdCardNumber>"
        )
        let report = Fixtures.check(xml)
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.package?.body.persons.first?.idCardNumber == "330106199003151236")
        #expect(report.finding(.normaliseWidth)?.severity == .info)
    }

    @Test(arguments: ["2026/11/2", "2026.11.02", "2026年11月2日", "20261102", " 2026-11-02 "])
    func datesAreUnified(date: String) throws {
        let xml = self.arrestRequest.replacingOnce("<FiledOn>2026-11-02</FiledOn>", with: "<FiledOn>\(date)</FiledOn>")
        let report = Fixtures.check(xml)
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.package?.body.caseInfo.filedOn == "2026-11-02")
    }

    @Test func dateTimesWithoutAZoneAreTakenAsChinaTime() {
        let xml = self.arrestRequest.replacingOnce("2026-11-20T08:07:00+08:00", with: "2026-11-20 08:07:00")
        let report = Fixtures.check(xml)
        #expect(report.isAccepted)
        #expect(report.package?.envelope.createdAt == "2026-11-20T08:07:00+08:00")
    }

    @Test func whiteSpaceIsTrimmedAndALowerCaseCheckLetterUpperCased() {
        let xml = self.arrestRequest.replacingOnce("<Gender>1</Gender>", with: "<Gender>\n          1\n        </Gender>")
        let report = Fixtures.check(xml)
        #expect(report.isAccepted)
        #expect(report.finding(.normaliseWhitespace)?.location == "/CasePackage/Body/Persons/Person[1]/Gender")
    }

    @Test func ideographicSpacesAroundAValueAreTrimmedToo() {
        let xml = self.arrestRequest.replacingOnce("<Gender>1</Gender>", with: "<Gender>\u{3000}1\u{3000}\t</Gender>")
        let report = Fixtures.check(xml)
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.finding(.normaliseWhitespace)?.location == "/CasePackage/Body/Persons/Person[1]/Gender")
        let untouched = Fixtures.check(self.arrestRequest)
        #expect(untouched.finding(.normaliseWhitespace) == nil)
    }

    @Test func normalisedOutputMatchesTheGoldenFile() throws {
        let input = try String(contentsOf: Bundle.module.url(forResource: "Golden/normalise-input", withExtension: "xml")!, encoding: .utf8)
        let expected = try String(contentsOf: Bundle.module.url(forResource: "Golden/normalise-output", withExtension: "xml")!, encoding: .utf8)
        let report = Fixtures.check(input)
        let package = try #require(report.package)
        #expect(report.isAccepted, "\(report.findings)")
        #expect(CasePackageWriter.xml(package) == expected)
        #expect(
            report.findings.filter { $0.severity == .info }.map(\.code.rawValue).sorted() == [
                "normalise.date", "normalise.date", "normalise.full-width", "normalise.whitespace",
            ]
        )
    }
}

/// Similar duplicate records (ZJ-7.1.2.1 a, GZ-7).
@Suite struct DuplicateTests {
    @Test func theSameMessageAboutTheSameCaseUnderANewIdIsFlagged() throws {
        let original = Fixtures.example("arrestApproval.arrestRequest")
        let resent = original.replacingOnce("6f69d192-b078-5b1f-a722-0c3e55b70336", with: "6f69d192-b078-5b1f-a722-0c3e55b70337")
        var index: DuplicateIndex? = DuplicateIndex()
        let first = Fixtures.checker.check(XMLBytes(Array(original.utf8)), duplicates: &index)
        let second = Fixtures.checker.check(XMLBytes(Array(resent.utf8)), duplicates: &index)
        #expect(first.findings.filter { $0.code == .duplicateSimilar }.isEmpty)
        let finding = try #require(second.finding(.duplicateSimilar))
        #expect(finding.severity == .warning)
        #expect(finding.message.en.contains("6f69d192-b078-5b1f-a722-0c3e55b70336"))
    }

    @Test func aReusedPackageIdWithOtherContentIsAnError() {
        let original = Fixtures.example("arrestApproval.arrestRequest")
        let altered = original.replacingOnce("张某某盗窃案", with: "张某某抢劫案")
        var index: DuplicateIndex? = DuplicateIndex()
        _ = Fixtures.checker.check(XMLBytes(Array(original.utf8)), duplicates: &index)
        let again = Fixtures.checker.check(XMLBytes(Array(original.utf8)), duplicates: &index)
        let reused = Fixtures.checker.check(XMLBytes(Array(altered.utf8)), duplicates: &index)
        #expect(again.isAccepted)
        #expect(reused.errorCodes == ["duplicate.package-id"])
    }
}
