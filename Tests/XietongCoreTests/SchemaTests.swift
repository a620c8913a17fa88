import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// The XSDs in docs/schema/ are the ones the validator loads, and an independent XSD validator (libxml2's xmllint)
/// agrees with ours on the shipped examples and on corrupted copies.
@Suite struct SchemaTests {
    @Test func thePublishedSchemasAreTheBundledOnes() throws {
        for version in SchemaSet.bundledVersions {
            let published = try Data(contentsOf: Repository.url("docs/schema/case-package-\(version).xsd"))
            let bundled = try Data(contentsOf: BundledData.url("schema/case-package-\(version).xsd"))
            #expect(published == bundled)
        }
    }

    @Test func bothVersionsLoad() throws {
        let schemas = try SchemaSet.bundled()
        #expect(schemas.versions == ["1.0", "1.1", "1.2", "1.3"])
        #expect(schemas["1.3"]?.complexType("BodyType")?.sequence.map(\.name).contains("Sentences") == true)
        #expect(schemas["1.2"]?.complexType("BodyType")?.sequence.map(\.name).contains("Sentences") == false)
        #expect(schemas["1.2"]?.complexType("CaseType")?.sequence.map(\.name).contains("Procedure") == true)
        #expect(schemas["1.1"]?.complexType("PersonType")?.sequence.map(\.name).contains("Ethnicity") == true)
        #expect(schemas["1.0"]?.complexType("PersonType")?.sequence.map(\.name).contains("Ethnicity") == false)
    }

    @Test func unsupportedXSDConstructsAreRefusedRatherThanMisread() {
        let xsd =
            #"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x" version="1"><xs:element name="r" type="T"/><xs:complexType name="T"><xs:choice/></xs:complexType></xs:schema>"#
        #expect(throws: ConfigurationError.self) { try PackageSchema(xsd: Array(xsd.utf8), file: "x.xsd") }
    }

    static var xmllint: URL? {
        ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].map(URL.init(fileURLWithPath:)).first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    func xmllintAccepts(_ file: URL, version: String) async throws -> Bool {
        let result = try await ChildProcess.run(
            Self.xmllint!.path,
            ["--noout", "--nonet", "--schema", Repository.url("docs/schema/case-package-\(version).xsd").path, file.path]
        )
        return result.status == 0
    }

    /// Standard 1.2 adds `Case/Procedure` (issue 20): a 1.2 package may name its procedure, a 1.1 package may not, and
    /// xmllint agrees with the validator on both.
    @Test func aProcedureIsPartOfStandard12Only() async throws {
        let directory = try TemporaryDirectory()
        let example = Fixtures.example("firstInstancePublicProsecution.indictment")
        let withProcedure = example.replacingOccurrences(of: "</FiledOn>", with: "</FiledOn>\n      <Procedure>fastTrack</Procedure>")
        for (version, valid) in [("1.2", true), ("1.1", false)] {
            let xml = withProcedure.replacingOccurrences(of: "standardVersion=\"1.0\"", with: "standardVersion=\"\(version)\"")
            let report = Fixtures.checker.check(XMLBytes(Array(xml.utf8)))
            #expect(!report.findings.contains { $0.code.rawValue.hasPrefix("schema.") } == valid, "version \(version)")
            if valid { #expect(report.package?.body.caseInfo.procedure == "fastTrack") }
            if Self.xmllint != nil {
                let file = directory.file("package-\(version).xml")
                try Data(xml.utf8).write(to: file)
                #expect(try await self.xmllintAccepts(file, version: version) == valid, "xmllint on version \(version)")
            }
        }
    }

    /// Standard 1.3 adds `Case/InvolvedAmount` and `Body/Sentences` (issue 26, similar cases): a 1.3 judgment may carry
    /// them, a 1.2 one may not, an amount with three decimals or a negative term is refused, and xmllint agrees with
    /// the validator on each. A sentence of a person the package does not list is a dangling reference.
    @Test func sentencesAndTheAmountArePartOfStandard13Only() async throws {
        let directory = try TemporaryDirectory()
        let made = Precedents.Case(number: 7, charges: ["盗窃罪"], amountYuan: "52000.5", measures: ["arrest"], termMonths: 42, probationMonths: 48)
        let xml = CasePackageWriter.xml(Precedents.package(made, judged: true))
        #expect(xml.contains("<InvolvedAmount>52000.5</InvolvedAmount>") && xml.contains("<Penalty>fixedTermImprisonment</Penalty>"))
        let cases: [(String, String, Bool)] = [
            ("1.3", xml, true),
            ("1.2", xml.replacingOnce("standardVersion=\"1.3\"", with: "standardVersion=\"1.2\""), false),
            ("1.3", xml.replacingOnce("<InvolvedAmount>52000.5<", with: "<InvolvedAmount>52000.555<"), false),
            // The amount's two patterns are alternatives: whole yuan is as valid as yuan and fen.
            ("1.3", xml.replacingOnce("<InvolvedAmount>52000.5<", with: "<InvolvedAmount>52000<"), true),
            ("1.3", xml.replacingOnce("<InvolvedAmount>52000.5<", with: "<InvolvedAmount>52000.<"), false),
            ("1.3", xml.replacingOnce("<TermMonths>42<", with: "<TermMonths>-42<"), false),
            ("1.3", xml.replacingOnce("<Penalty>fixedTermImprisonment<", with: "<Penalty>caning<"), false),
        ]
        for (index, (version, text, valid)) in cases.enumerated() {
            let report = Fixtures.checker.check(XMLBytes(Array(text.utf8)))
            #expect(!report.findings.contains { $0.code.rawValue.hasPrefix("schema.") } == valid, "case \(index)")
            if valid {
                #expect(report.package?.body.sentences.first?.termMonths == 42 && report.package?.body.caseInfo.involvedAmount != nil)
            }
            if Self.xmllint != nil {
                let file = directory.file("package-\(index).xml")
                try Data(text.utf8).write(to: file)
                #expect(try await self.xmllintAccepts(file, version: version) == valid, "xmllint on case \(index)")
            }
        }
        let dangling = xml.replacingOnce("<Sentence personRef=\"p1\">", with: "<Sentence personRef=\"p9\">")
        let report = Fixtures.checker.check(XMLBytes(Array(dangling.utf8)))
        #expect(report.findings.contains { $0.location == "/CasePackage/Body/Sentences/Sentence[1]/@personRef" })
    }

    @Test func xmllintAgreesWithTheValidator() async throws {
        guard Self.xmllint != nil else {
            // .ci/run installs libxml2-utils, so CI always runs this comparison.
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "xmllint is missing in CI")
            return
        }
        let directory = try TemporaryDirectory()
        let valid = Fixtures.example("arrestApproval.arrestRequest")
        let cases: [(String, Bool)] = [
            (valid, true),
            (valid.replacingOnce("<AgencyCaseNumber>杭西公（刑）字〔2026〕1002号</AgencyCaseNumber>\n", with: ""), false),
            (valid.replacingOnce("<Gender>1</Gender>", with: "<Gender>M</Gender>"), false),
            (valid.replacingOnce("<Kind>criminalDetention</Kind>", with: "<Kind>houseArrest</Kind>"), false),
            (valid.replacingOnce("<Size>", with: "<Size>-"), false),
            (valid.replacingOnce("<FiledOn>2026-11-02</FiledOn>", with: "<FiledOn>2026-02-30</FiledOn>"), false),
            (valid.replacingOnce("</Documents>\n", with: "</Documents>\n    <Secret>x</Secret>\n"), false),
            (valid.replacingOnce(" role=\"suspect\"", with: ""), false),
        ]
        for (index, (xml, expected)) in cases.enumerated() {
            let file = directory.file("case-\(index).xml")
            try Data(xml.utf8).write(to: file)
            #expect(try await self.xmllintAccepts(file, version: "1.0") == expected, "xmllint on case \(index)")
            let ours = Fixtures.checker.check(XMLBytes(Array(xml.utf8))).findings.contains { $0.code.rawValue.hasPrefix("schema.") }
            #expect(ours == !expected, "our validator on case \(index)")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: Repository.examples.path) where name.hasSuffix(".xml") {
            // The version attribute is ASCII in every encoding the examples use.
            let text = String(decoding: try Data(contentsOf: Repository.examples.appendingPathComponent(name)), as: UTF8.self)
            let version = ["1.3", "1.2", "1.1"].first { text.contains("standardVersion=\"\($0)\"") } ?? "1.0"
            #expect(try await self.xmllintAccepts(Repository.examples.appendingPathComponent(name), version: version), "xmllint refused \(name)")
        }
    }
}

/// Vendors match on finding codes, so every code is documented.
@Suite struct FindingCodeDocumentationTests {
    @Test func everyFindingCodeIsInTheProtocolDocument() throws {
        let protocolText = try String(contentsOf: Repository.url("docs/protocol.md"), encoding: .utf8)
        for code in FindingCode.all {
            #expect(protocolText.contains("`\(code.rawValue)`"), "docs/protocol.md does not document \(code.rawValue)")
        }
        #expect(Set(FindingCode.all).count == FindingCode.all.count)
    }
}
