import Foundation
import Testing

@testable import XietongCore

/// Receipts, hops, feed entries and deliveries are read by `JSONReader`, not Foundation's decoder: they must read
/// the same values from the same bytes, and refuse what Foundation refuses.
struct JSONReaderTests {
    static func foundation<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }

    static func reader<T: JSONReadable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        JSONReader.decode(type, from: bytes)
    }

    static let awkward = CanonicalJSONWriterTests.awkward

    static func receipt(_ round: Int) -> Receipt {
        let text = Self.awkward[round % Self.awkward.count]
        let findings = (0..<(round % 3)).map { CanonicalJSONWriterTests.finding(text, line: $0 == 0 ? nil : round - 100) }
        var receipt = Receipt(
            packageId: "7c925c02-d369-4019-9fd7-b6bf5e4db40a",
            status: round % 2 == 0 ? .accepted : .refused,
            unifiedCaseCode: round % 3 == 0 ? nil : "20261120110133010600010100000902",
            codeAssigned: round % 4 == 0,
            findings: findings,
            statusURL: round % 2 == 0 ? nil : "/v1/packages/\(text)"
        )
        receipt.hubSignature = round % 3 == 1 ? "MEUCIQ+/=" : nil
        receipt.hops = round % 4 == 0 ? nil : Hop.allCases.prefix(round % 4).map { CanonicalJSONWriterTests.event(text, hop: $0, findings: findings) }
        return receipt
    }

    static func delivery(_ round: Int) -> Delivery {
        let text = Self.awkward[round % Self.awkward.count]
        return Delivery(
            packageId: "5d1c7c1e-8f0e-4a52-b7d4-2c1e3f0a9b11",
            sender: "330106000101",
            receiver: "330106000201",
            flow: "arrest",
            messageType: "arrest.request",
            unifiedCaseCode: text,
            agencyCaseNumber: "杭西公（刑）字〔2026〕10001号",
            contentSHA256: String(repeating: "ab", count: 32),
            contentSize: round * 1_000_003,
            attachments: (0..<(round % 3)).map {
                Delivery.File(sha256: String(repeating: "c\($0)", count: 32), size: $0 << 40, name: text, mediaType: "application/pdf")
            },
            acceptedAt: "2026-11-21T17:02:31.166996Z",
            content: round % 2 == 0 ? nil : Data("<CasePackage>\(text)</CasePackage>".utf8).base64EncodedString(),
            signature: round % 3 == 0
                ? nil : PackageSignature(signer: "330106000101", certificate: "-----BEGIN CERTIFICATE-----\n\(text)\n", signature: "MEU=")
        )
    }

    @Test func readsWhatFoundationReadsFromCanonicalJSON() throws {
        for round in 0..<120 {
            let receipt = Self.receipt(round)
            let bytes = CanonicalJSON.bytes(receipt)
            #expect(Self.reader(Receipt.self, bytes) == receipt)
            #expect(Self.reader(Receipt.self, bytes) == Self.foundation(Receipt.self, bytes))

            let delivery = Self.delivery(round)
            let deliveryBytes = Array(try CanonicalJSON.encode(delivery))
            #expect(Self.reader(Delivery.self, deliveryBytes) == delivery)

            let entries = [
                FeedEntry(seq: round + 1, delivery: delivery),
                FeedEntry(
                    seq: round + 2,
                    event: CanonicalJSONWriterTests.event(Self.awkward[round % Self.awkward.count], hop: .delivered, findings: nil)
                ),
                FeedEntry(
                    seq: round + 3,
                    treeHead: Evidence.TreeHead(treeSize: round, rootHash: String(repeating: "0f", count: 32), timestamp: "2026-11-21T00:00:00Z")
                ),
            ]
            let entryBytes = Array(try CanonicalJSON.encode(entries))
            #expect(Self.reader([FeedEntry].self, entryBytes) == entries)
        }
    }

    /// What other writers may send: whitespace, escapes Foundation does not write (`\/`, `\u` for any character,
    /// surrogate pairs), fields in any order, unknown fields, and `null` for an absent optional.
    @Test func readsAnyValidSpellingOfTheSameValue() throws {
        let text = """
             {
              "unknown" : {"nested": [1, -2.5e3, true, false, null, "x\\"y", {}, []]},
              "status":"accepted" , "packageId" : "a\\/b\\u00e9\\ud83d\\ude00\\u6848\\n",
              "codeAssigned" : true, "receivedAt": "t", "findings" : [ ],
              "unifiedCaseCode": null, "hops": null, "statusURL" :"\\/v1"
            }\t\r
            """
        let bytes = Array(text.utf8)
        let expected = Receipt(packageId: "a/bé😀案\n", status: .accepted, codeAssigned: true, receivedAt: "t", statusURL: "/v1")
        #expect(Self.reader(Receipt.self, bytes) == expected)
        #expect(Self.foundation(Receipt.self, bytes) == expected)
    }

    @Test func integersReadAsFoundationReadsThem() throws {
        for number in ["0", "-0", "42", "-7", "9223372036854775807", "-9223372036854775808", "1.0", "1e3", "2.5E+1", "-1.0e0"] {
            let bytes = Array(#"{"sha256":"a","size":\#(number),"name":"n","mediaType":"m"}"#.utf8)
            let read = Self.reader(Delivery.File.self, bytes)
            #expect(read != nil, "\(number)")
            #expect(read == Self.foundation(Delivery.File.self, bytes), "\(number)")
        }
        for number in ["1.5", "9223372036854775808", "1e30", "01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN"] {
            let bytes = Array(#"{"sha256":"a","size":\#(number),"name":"n","mediaType":"m"}"#.utf8)
            #expect(Self.reader(Delivery.File.self, bytes) == nil, "\(number)")
            #expect(Self.foundation(Delivery.File.self, bytes) == nil, "\(number)")
        }
    }

    /// Broken or incomplete input is refused, never half read: the same inputs Foundation refuses.
    @Test func refusesWhatFoundationRefuses() throws {
        let valid = #"{"packageId":"p","hop":"delivered","at":"t","organisation":"o","detail":"d"}"#
        #expect(Self.reader(PackageEvent.self, Array(valid.utf8)) != nil)
        let broken: [String] = [
            "", " ", "null", "[]", "{", "{}",
            #"{"packageId":"p","hop":"delivered","at":"t"}"#,  // a required field missing
            #"{"packageId":"p","hop":"sideways","at":"t","organisation":"o"}"#,  // not a hop
            #"{"packageId":null,"hop":"delivered","at":"t","organisation":"o"}"#,  // null for a required string
            #"{"packageId":1,"hop":"delivered","at":"t","organisation":"o"}"#,  // a number for a string
            #"{"packageId":"p" "hop":"delivered","at":"t","organisation":"o"}"#,  // a missing comma
            #"{packageId:"p","hop":"delivered","at":"t","organisation":"o"}"#,  // an unquoted key
            valid + "x", valid + "{}", String(valid.dropLast()),
            #"{"packageId":"p\q","hop":"delivered","at":"t","organisation":"o"}"#,  // an unknown escape
            #"{"packageId":"p\u12","hop":"delivered","at":"t","organisation":"o"}"#,  // a short \u escape
            #"{"packageId":"\ud83d","hop":"delivered","at":"t","organisation":"o"}"#,  // a lone high surrogate
            #"{"packageId":"\ude00x","hop":"delivered","at":"t","organisation":"o"}"#,  // a lone low surrogate
            "{\"packageId\":\"p\tq\",\"hop\":\"delivered\",\"at\":\"t\",\"organisation\":\"o\"}",  // a raw tab
            #"{"packageId":"p","hop":"delivered","at":"t","organisation":"o","x":tru}"#,  // a broken skipped value
        ]
        for text in broken {
            #expect(Self.reader(PackageEvent.self, Array(text.utf8)) == nil, "\(text)")
            #expect(Self.foundation(PackageEvent.self, Array(text.utf8)) == nil, "\(text)")
        }
        // Foundation tolerates trailing commas; RFC 8259 does not, and neither does the reader.
        for text in [
            #"{"packageId":"p","hop":"delivered","at":"t","organisation":"o",}"#,
            #"{"packageId":"p","hop":"delivered","at":"t","organisation":"o","x":[1,]}"#,
        ] {
            #expect(Self.reader(PackageEvent.self, Array(text.utf8)) == nil, "\(text)")
        }
        // Bytes that are not UTF-8, inside a string.
        var invalid = Array(#"{"packageId":"p"#.utf8) + [0xC3, 0x28] + Array(#"","hop":"delivered","at":"t","organisation":"o"}"#.utf8)
        #expect(Self.reader(PackageEvent.self, invalid) == nil)
        #expect(Self.foundation(PackageEvent.self, invalid) == nil)
        invalid = Array(valid.utf8)
        // Every prefix of a valid value is refused.
        for end in 0..<invalid.count {
            #expect(Self.reader(PackageEvent.self, Array(invalid[..<end])) == nil, "\(end)")
        }
    }

    /// A type that does not read itself is left to Foundation's decoder.
    @Test func otherTypesFallBackToFoundation() throws {
        let head = Evidence.TreeHead(treeSize: 3, rootHash: "ab", timestamp: "t", signature: "s", certificate: nil, publicKey: "k")
        #expect(JSONReader.decode(Evidence.TreeHead.self, from: Array(try JSONEncoder().encode(head))) == head)
        #expect(JSONReader.decode([String].self, from: Array(#"["a","b"]"#.utf8)) == ["a", "b"])
        #expect(JSONReader.decode([String].self, from: Array(#"["a","#.utf8)) == nil)
    }

    /// An answer of which one field matters (the hub's feed page, its hop-report outcomes): that field is read
    /// wherever it stands, the others skipped, and its absence refused.
    @Test func oneFieldOfAnObjectIsReadAndItsAbsenceRefused() throws {
        func outcomes(_ json: String) throws -> [String] {
            var reader = JSONReader(Array(json.utf8))
            return try reader.readObject(field: "outcomes", as: [String].self)
        }
        #expect(try outcomes(#"{"outcomes":["recorded","invalid"]}"#) == ["recorded", "invalid"])
        #expect(try outcomes(#"{"next":{"a":[1,null]},"outcomes":[],"more":true}"#) == [])
        #expect(throws: JSONReader.Failure.self) { try outcomes(#"{"outcome":["recorded"]}"#) }
        #expect(throws: JSONReader.Failure.self) { try outcomes(#"{"outcomes":[1]}"#) }
    }
}
