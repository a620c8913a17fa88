import Foundation
import Testing
import XietongCore
import XietongTesting

/// Hardened parsing: hostile XML is refused with a clear, specific finding and never crashes. Each test parses
/// with the package limits a hub uses.
@Suite struct HostileXMLTests {
    func refusal(_ xml: String) -> Finding? {
        self.refusal(bytes: Array(xml.utf8))
    }

    func refusal(bytes: [UInt8]) -> Finding? {
        let report = Fixtures.check(bytes: bytes, attachments: false)
        return report.errors.first
    }

    static let externalEntities: [String] = [
        // External general entity (classic XXE).
        #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#,
        // External entity by PUBLIC identifier.
        #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x PUBLIC "-//X//Y" "http://127.0.0.1:1/x">]><r>&x;</r>"#,
        // External parameter entity (out-of-band exfiltration).
        #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><r/>"#,
        // External DTD subset.
        #"<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><r/>"#,
        // Unparsed entity with a notation.
        #"<?xml version="1.0"?><!DOCTYPE r [<!NOTATION n SYSTEM "x"><!ENTITY u SYSTEM "x" NDATA n>]><r a="u"/>"#,
        // A DOCTYPE after a comment is still a DOCTYPE.
        #"<!-- hi --><!DOCTYPE r><r/>"#,
    ]

    @Test(arguments: Self.externalEntities)
    func externalEntitiesOfEveryKindAreRefused(xml: String) throws {
        let finding = try #require(self.refusal(xml))
        #expect(finding.code == .xmlDoctype)
        #expect(finding.message.en.contains("DOCTYPE"))
        #expect(finding.message.zh.contains("DTD"))
    }

    @Test func anEntityReferenceWithoutADTDIsRefused() throws {
        let finding = try #require(self.refusal("<r>&xxe;</r>"))
        #expect(finding.code == .xmlEntity)
        #expect(finding.message.en.contains("&xxe;"))
    }

    @Test func theBillionLaughsIsRefusedAtItsDoctype() throws {
        var dtd = "<!ENTITY lol0 \"lol\">"
        for level in 1...9 {
            dtd += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let finding = try #require(self.refusal("<?xml version=\"1.0\"?><!DOCTYPE lolz [\(dtd)]><lolz>&lol9;</lolz>"))
        #expect(finding.code == .xmlDoctype)
    }

    @Test func quadraticBlowupIsRefused() throws {
        let big = String(repeating: "A", count: 50_000)
        let finding = try #require(self.refusal("<!DOCTYPE r [<!ENTITY a \"\(big)\">]><r>" + String(repeating: "&a;", count: 50_000) + "</r>"))
        #expect(finding.code == .xmlDoctype)
    }

    @Test func xincludeIsRefused() throws {
        let finding = try #require(
            self.refusal(#"<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>"#)
        )
        #expect(finding.code == .xmlXInclude)
    }

    @Test func processingInstructionsAreRefused() throws {
        let finding = try #require(self.refusal(#"<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:1/x.xsl"?><r/>"#))
        #expect(finding.code == .xmlProcessingInstruction)
    }

    @Test func deepNestingIsRefusedWithoutRecursion() throws {
        let depth = 100_000
        let xml = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let finding = try #require(self.refusal(xml))
        #expect(finding.code == .xmlLimit)
        #expect(finding.message.en.contains("nested deeper than 64"))
    }

    @Test func tooManyElementsAndAttributesAreRefused() throws {
        var limits = XMLLimits.casePackage
        limits.maxElements = 1000
        let many = "<r>" + String(repeating: "<a/>", count: 1001) + "</r>"
        #expect(throws: XMLError.self) { try XMLDocumentParser.parse(Array(many.utf8), limits: limits) }
        let attributes = (0..<40).map { " a\($0)=\"1\"" }.joined()
        let finding = try #require(self.refusal("<r\(attributes)/>"))
        #expect(finding.code == .xmlLimit)
        #expect(finding.message.en.contains("more than 32 attributes"))
    }

    @Test func aHugeTextNodeIsRefusedFromAStreamWithoutReadingItAll() throws {
        // 200 MB of text, produced lazily: the parser must stop at its limit, long before the end.
        func source() -> XMLRepeatedBytes { XMLRepeatedBytes(prefix: "<r>", repeating: 0x41, count: 200 << 20, suffix: "</r>") }
        do {
            _ = try XMLDocumentParser.parse(source())
            Issue.record("a 200 MB text node was accepted")
        } catch {
            #expect(error.code == .xmlLimit)
        }
        var limits = XMLLimits.casePackage
        limits.maxDocumentBytes = 256 << 20
        do {
            _ = try XMLDocumentParser.parse(source(), limits: limits)
            Issue.record("a 200 MB text node was accepted")
        } catch {
            #expect(error.code == .xmlLimit)
            #expect(error.message.en.contains("text node exceeds"))
        }
    }

    @Test func truncatedDocumentsAreRefusedAtEveryCutPoint() throws {
        let bytes = Array(Fixtures.example("arrestApproval.arrestRequest").utf8)
        var cut = 1
        while cut < bytes.count - 1 {
            let report = Fixtures.check(bytes: Array(bytes.prefix(cut)), attachments: false)
            #expect(!report.isAccepted, "accepted a package cut at byte \(cut)")
            cut += 37
        }
        let finding = try #require(self.refusal(bytes: Array(bytes.prefix(bytes.count / 2))))
        #expect(finding.code == .xmlTruncated)
        #expect(finding.message.en.contains("truncated"))
    }

    @Test func randomBytesNeverCrash() {
        var generator = SeededGenerator(seed: 20_261_121)
        for length in [0, 1, 2, 3, 10, 100, 1000, 10_000] {
            for _ in 0..<50 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(!Fixtures.check(bytes: bytes, attachments: false).isAccepted)
            }
        }
    }

    @Test func mutatedPackagesNeverCrash() {
        // Flip, drop and duplicate bytes of a valid package: every outcome is a report, never a trap.
        let original = Array(Fixtures.example("custodyTransfer.custodyTransferOut").utf8)
        var generator = SeededGenerator(seed: 7)
        var refused = 0
        for _ in 0..<1500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: index)
                default: bytes.insert(bytes[index], at: index)
                }
            }
            let report = Fixtures.check(bytes: bytes, attachments: false)
            if !report.isAccepted {
                refused += 1
                #expect(report.errors.allSatisfy { !$0.message.zh.isEmpty && !$0.message.en.isEmpty && !$0.location.isEmpty })
            }
        }
        #expect(refused > 1000)
    }

    @Test func malformedMarkupIsReportedWithItsLine() throws {
        let finding = try #require(self.refusal("<r>\n<a>\n</b>\n</r>"))
        #expect(finding.code == .xmlMalformed)
        #expect(finding.line == 3)
        #expect(finding.message.en.contains("</b>"))
    }
}

/// Encodings (ZJ-7.1.2.1 b): GB18030/GBK are transcoded; a declared encoding that does not match the bytes is refused.
@Suite struct EncodingTests {
    let utf8 = Fixtures.example("arrestApproval.arrestRequest")

    @Test func theShippedGB18030ExampleIsTranscodedAndValid() throws {
        let bytes = try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("legalAid.legalAidNotice.gb18030.xml")))
        #expect(String(validating: bytes, as: UTF8.self) == nil, "the example must really be GB18030")
        let report = Fixtures.check(bytes: bytes)
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.package?.body.caseInfo.name == "张某某盗窃案")
    }

    @Test(arguments: ["GB18030", "GBK", "gbk", "GB2312"])
    func gbEncodingsAreTranscoded(encoding: String) {
        let xml = self.utf8.replacingOnce("encoding=\"UTF-8\"", with: "encoding=\"\(encoding)\"")
        let report = Fixtures.check(bytes: GB18030.encode(xml))
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.package?.body.persons.first?.name == "张某某")
    }

    @Test(arguments: ["encoding = 'gb18030'", "encoding\r\n=\t\"GB18030\"", "encoding='Gbk'"])
    func declarationsSpelledOtherwiseAreRead(declaration: String) {
        let xml = self.utf8.replacingOnce("encoding=\"UTF-8\"", with: declaration)
        let report = Fixtures.check(bytes: GB18030.encode(xml))
        #expect(report.isAccepted, "\(report.findings)")
        #expect(report.package?.body.persons.first?.name == "张某某")
    }

    @Test func utf8ContentDeclaredAsGBKIsRefused() throws {
        let xml = self.utf8.replacingOnce("encoding=\"UTF-8\"", with: "encoding=\"GBK\"")
        let report = Fixtures.check(xml)
        let finding = try #require(report.errors.first)
        #expect(finding.code == .xmlEncodingMismatch)
        #expect(finding.message.en.contains("GBK"))
    }

    @Test func gbkContentDeclaredAsUTF8IsRefused() throws {
        let bytes = GB18030.encode(self.utf8)
        let finding = try #require(Fixtures.check(bytes: bytes).errors.first)
        #expect(finding.code == .xmlEncodingMismatch)
        #expect(finding.message.en.contains("not valid UTF-8"))
    }

    @Test func gbkContentWithoutADeclarationIsRefused() throws {
        let bytes = GB18030.encode(self.utf8.replacingOnce("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: ""))
        #expect(try #require(Fixtures.check(bytes: bytes).errors.first).code == .xmlEncodingMismatch)
    }

    @Test(arguments: ["ISO-8859-1", "Big5", "EBCDIC"])
    func unsupportedEncodingsAreRefused(encoding: String) throws {
        let xml = self.utf8.replacingOnce("encoding=\"UTF-8\"", with: "encoding=\"\(encoding)\"")
        let finding = try #require(Fixtures.check(xml).errors.first)
        #expect(finding.code == .xmlEncodingUnsupported)
        #expect(finding.message.en.contains(encoding))
    }

    @Test func utf16IsRefused() throws {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("<r/>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(try #require(Fixtures.check(bytes: bytes).errors.first).code == .xmlEncodingUnsupported)
    }

    @Test func aByteOrderMarkIsAccepted() {
        #expect(Fixtures.check(bytes: [0xEF, 0xBB, 0xBF] + Array(self.utf8.utf8)).isAccepted)
    }

    @Test func overlongAndSurrogateUTF8IsRefused() {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE4, 0xB8]] {
            let bytes = Array("<r>".utf8) + bad + Array("</r>".utf8)
            #expect(Fixtures.check(bytes: bytes).errors.first?.code == .xmlEncodingMismatch)
        }
    }

    @Test func multibyteCharactersSplitAcrossChunksAreDecoded() throws {
        // One-byte chunks force every multi-byte character to straddle a chunk boundary.
        for bytes in [Array(self.utf8.utf8), GB18030.encode(self.utf8.replacingOnce("UTF-8", with: "GB18030"))] {
            let root = try XMLDocumentParser.parse(XMLBytes(bytes, chunkSize: 1))
            #expect(root.child("Body")?.child("Case")?.value("Name") == "张某某盗窃案")
        }
    }
}

/// A small deterministic generator (SplitMix64), so that the fuzz-style tests are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
