import Foundation
import Testing

@testable import XietongCore

/// Receipts, hops and findings are written by `CanonicalJSONWriter`, not Foundation's encoder; what they give is
/// signed, hashed into the evidence log and stored, so it must be byte for byte what Foundation gives.
struct CanonicalJSONWriterTests {
    static let foundation: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Every control character, the characters JSON escapes, slashes, Chinese, characters outside the BMP and the
    /// separators some encoders escape.
    static let awkward: [String] = [
        "", " ", "\"", "\\", "/", "\\/", "</script>", "a\"b\\c/d", "\u{7F}", "\u{80}", "\u{2028}\u{2029}", "\u{FEFF}",
        "杭西公（刑）字〔2026〕10001号", "😀 e\u{301}", "tab\tnew\nline\rfeed\u{0C}back\u{08}",
        String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self), "end\u{0}",
    ]

    static func finding(_ text: String, line: Int?) -> Finding {
        Finding(.schemaInvalidValue, .warning, at: "/CasePackage/\(text)", line: line, zh: "“\(text)”不符合格式", en: "'\(text)' does not match")
    }

    static func event(_ text: String, hop: Hop, findings: [Finding]?) -> PackageEvent {
        PackageEvent(
            packageId: "8a30969c-5e19-4e0b-9e93-dc2880d2354c",
            hop: hop,
            at: "2026-11-21T17:02:31.159973Z",
            organisation: "330100000001",
            detail: text.isEmpty ? nil : text,
            findings: findings
        )
    }

    @Test func stringsAreEscapedExactlyAsFoundationDoes() throws {
        for text in Self.awkward {
            let event = Self.event(text, hop: .returned, findings: nil)
            let text = LocalizedText(zh: text, en: text)
            #expect(CanonicalJSON.bytes(event) == Array(try Self.foundation.encode(event)), "\(text.en.unicodeScalars.map(\.value))")
            #expect(CanonicalJSON.bytes(text) == Array(try Self.foundation.encode(text)))
        }
    }

    @Test func receiptsHopsAndFindingsGiveFoundationsBytes() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let text = Self.awkward[round % Self.awkward.count]
            let findings = (0..<(round % 3)).map { Self.finding(text, line: $0 == 0 ? nil : round - 100) }
            let hops = Hop.allCases.shuffled(using: &generator).prefix(round % 4).map {
                Self.event(text, hop: $0, findings: round % 2 == 0 ? findings : nil)
            }
            var receipt = Receipt(
                packageId: round % 5 == 0 ? "" : "7c925c02-d369-4019-9fd7-b6bf5e4db40a",
                status: round % 2 == 0 ? .accepted : .refused,
                unifiedCaseCode: round % 3 == 0 ? nil : "20261120110133010600010100000902",
                codeAssigned: round % 4 == 0,
                receivedAt: "2026-11-21T17:02:31.166996Z",
                findings: findings,
                statusURL: round % 6 == 0 ? nil : "/v1/packages/\(round)?a=\(text)"
            )
            receipt.hops = round % 7 == 0 ? nil : hops
            receipt.hubSignature = round % 2 == 0 ? nil : "MEUCIQD+/=="
            #expect(CanonicalJSON.bytes(receipt) == Array(try Self.foundation.encode(receipt)))
            #expect(Array(try CanonicalJSON.encode([receipt])) == Array(try Self.foundation.encode([receipt])))
            for event in hops { #expect(Evidence.leaf(event) == Array(try Self.foundation.encode(event))) }
        }
    }

    /// A delivery is stored at the hub and the receiving node, and hop reports travel as arrays.
    @Test func deliveriesAndArraysGiveFoundationsBytes() throws {
        for round in 0..<120 {
            let delivery = JSONReaderTests.delivery(round)
            #expect(CanonicalJSON.bytes(delivery) == Array(try Self.foundation.encode(delivery)))
            let events = Hop.allCases.prefix(round % 5).map { Self.event(Self.awkward[round % Self.awkward.count], hop: $0, findings: nil) }
            #expect(CanonicalJSON.bytes(events) == Array(try Self.foundation.encode(events)))
            #expect(Array(try CanonicalJSON.encode(events)) == Array(try Self.foundation.encode(events)))
        }
    }

    @Test func whatItWritesDecodesToTheSameValue() throws {
        var receipt = Receipt(packageId: "p", status: .accepted, findings: [Self.finding("x\"y", line: 3)], statusURL: "/s")
        receipt.hops = [Self.event("a\nb", hop: .coded, findings: nil)]
        #expect(try JSONDecoder().decode(Receipt.self, from: CanonicalJSON.encode(receipt)) == receipt)
    }
}
