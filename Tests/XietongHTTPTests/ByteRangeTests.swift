import Testing
import XietongHTTP

/// Range requests as RFC 9110 has them (issue 24): a node answers `Range` on a stored attachment with one part of it
/// (206), a range outside the file with 416, and whatever it cannot read or chooses not to serve (several ranges) with
/// the whole file; `If-Range`, `If-None-Match` and `If-Match` against the file's SHA-256 as its strong entity tag.
@Suite struct ByteRangeTests {
    static let size = 1000
    static let sha256 = "9c0f80544b8998960e4079a5533f2c31aee8402aa2ee0069abb7c18c340388f3"

    struct Case: Sendable, CustomTestStringConvertible {
        let range: String
        let answer: ByteRange.Answer
        init(_ range: String, _ answer: ByteRange.Answer) {
            self.range = range
            self.answer = answer
        }
        var testDescription: String { "Range: \(self.range)" }
    }

    static func part(_ first: Int, _ last: Int) -> ByteRange.Answer { .part(ByteRange(first: first, last: last)) }

    /// One range, of each form, against a file of 1,000 bytes.
    static let oneRange = [
        Case("bytes=0-499", part(0, 499)),
        Case("bytes=500-999", part(500, 999)),
        Case("bytes=0-0", part(0, 0)),
        Case("bytes=999-999", part(999, 999)),
        // To the end: `first-`, and a last byte past the end is the end.
        Case("bytes=500-", part(500, 999)),
        Case("bytes=999-", part(999, 999)),
        Case("bytes=0-5000", part(0, 999)),
        Case("bytes=0-99999999999999999999999999", part(0, 999)),
        // The last n bytes; all of them when n is more than the file.
        Case("bytes=-500", part(500, 999)),
        Case("bytes=-1", part(999, 999)),
        Case("bytes=-1000", part(0, 999)),
        Case("bytes=-2000", part(0, 999)),
        // The unit in any case, white space around the list's elements, and empty elements.
        Case("Bytes=10-20", part(10, 20)),
        Case("BYTES=10-20", part(10, 20)),
        Case("bytes= 10-20 ", part(10, 20)),
        Case("bytes=\t10-20", part(10, 20)),
        Case("bytes=10-20,", part(10, 20)),
        Case("bytes=,10-20, ,", part(10, 20)),
        // Nothing of the file: 416.
        Case("bytes=1000-", .unsatisfiable),
        Case("bytes=1000-2000", .unsatisfiable),
        Case("bytes=5000-6000", .unsatisfiable),
        Case("bytes=-0", .unsatisfiable),
        Case("bytes=99999999999999999999999999-", .unsatisfiable),
    ]

    @Test(arguments: oneRange)
    func oneRangeIsThatPartOrUnsatisfiable(_ test: Case) {
        #expect(ByteRange.answer(size: Self.size, eTag: Self.sha256, range: test.range) == test.answer)
    }

    /// What cannot be read is ignored (RFC 9110 §14.2): the whole file, never 416.
    static let malformed = [
        "", "bytes", "bytes=", "bytes=,", "bytes=abc", "bytes=5", "bytes=-", "bytes=20-10", "bytes=--5", "bytes=1-2-3", "bytes=+1-2",
        "bytes=0x10-20", "bytes=1 0-20", "bytes=１-2", "bytes=0-10;x", "bytes =0-10", "items=0-10", "=0-10", "0-10", "bytes=-5-",
        "bytes=0-10,abc",
    ]

    @Test(arguments: malformed)
    func aRangeThatCannotBeReadIsIgnored(_ range: String) {
        #expect(ByteRange.specs(range) == nil)
        #expect(ByteRange.answer(size: Self.size, eTag: Self.sha256, range: range) == .whole)
    }

    /// Several ranges: the whole file (the server may ignore `Range`; no multipart body is written), even where none
    /// of them is in the file.
    @Test(arguments: ["bytes=0-10,20-30", "bytes=0-10, -5", "bytes=0-,0-", "bytes=2000-3000,4000-"])
    func severalRangesGetTheWholeFile(_ range: String) {
        #expect((ByteRange.specs(range)?.count ?? 0) > 1)
        #expect(ByteRange.answer(size: Self.size, eTag: Self.sha256, range: range) == .whole)
    }

    @Test func theRangesAreReadInTheirOrderAndForm() {
        #expect(ByteRange.specs("bytes=0-10, 20-, -5") == [.from(first: 0, last: 10), .from(first: 20, last: nil), .suffix(length: 5)])
        #expect(ByteRange.specs("bytes=-99999999999999999999") == [.suffix(length: Int.max)])
    }

    @Test func withoutRangeOrForAnEmptyFile() {
        #expect(ByteRange.answer(size: Self.size, eTag: Self.sha256, range: nil) == .whole)
        // An empty file has no byte to send: any range is unsatisfiable (RFC 9110 §14.1.1).
        #expect(ByteRange.answer(size: 0, eTag: Self.sha256, range: "bytes=0-") == .unsatisfiable)
        #expect(ByteRange.answer(size: 0, eTag: Self.sha256, range: "bytes=-5") == .unsatisfiable)
        #expect(ByteRange.answer(size: 0, eTag: Self.sha256, range: nil) == .whole)
    }

    @Test func theHeadersSayTheRangeTheSizeAndTheTag() {
        let range = ByteRange(first: 500, last: 999)
        #expect(range.count == 500)
        #expect(range.contentRange(of: 1000) == "bytes 500-999/1000")
        #expect(ByteRange.unsatisfiable(of: 1000) == "bytes */1000")
        #expect(ByteRange.entityTag(Self.sha256) == "\"\(Self.sha256)\"")
    }

    /// `If-Range` (RFC 9110 §13.1.5): the range only while the file is the one the client had, by its strong tag;
    /// otherwise the whole file, and never 416.
    @Test func ifRangeSendsThePartOnlyForTheSameStrongTag() {
        let tag = ByteRange.entityTag(Self.sha256)
        func answer(_ ifRange: String, _ range: String = "bytes=100-199") -> ByteRange.Answer {
            ByteRange.answer(size: Self.size, eTag: Self.sha256, range: range, ifRange: ifRange)
        }
        #expect(answer(tag) == Self.part(100, 199))
        #expect(answer(" \(tag) ") == Self.part(100, 199))
        #expect(answer("\"\(String(Self.sha256.reversed()))\"") == .whole)
        #expect(answer("W/\(tag)") == .whole)
        #expect(answer("\"\"") == .whole)
        #expect(answer("\"") == .whole)
        // A date: no `Last-Modified` is sent, so none matches.
        #expect(answer("Sun, 06 Dec 2026 08:00:00 GMT") == .whole)
        #expect(answer("\"other\"", "bytes=5000-") == .whole)
        #expect(answer(tag, "bytes=5000-") == .unsatisfiable)
    }

    /// `If-None-Match` (§13.1.2): weak comparison; a tag it names is 304, for a range too.
    @Test func ifNoneMatchNamingTheTagIsNotModified() {
        let tag = ByteRange.entityTag(Self.sha256)
        func answer(_ ifNoneMatch: String) -> ByteRange.Answer {
            ByteRange.answer(size: Self.size, eTag: Self.sha256, range: "bytes=0-9", ifNoneMatch: ifNoneMatch)
        }
        for named in [tag, "W/\(tag)", "\"a\", \(tag)", "\"a\",W/\(tag) , \"b\"", "*", " * "] {
            #expect(answer(named) == .notModified, "If-None-Match: \(named)")
        }
        for other in ["\"a\"", "\"a\", W/\"b\"", "\"\(Self.sha256.uppercased())\""] {
            #expect(answer(other) == Self.part(0, 9), "If-None-Match: \(other)")
        }
        // Unreadable: ignored.
        for unreadable in [Self.sha256, "\"a", "\"a\" \"b\"", "W/a", ""] {
            #expect(answer(unreadable) == Self.part(0, 9), "If-None-Match: \(unreadable)")
        }
    }

    /// `If-Match` (§13.1.1): strong comparison; a list that does not name the tag is 412, before anything else.
    @Test func ifMatchNotNamingTheTagFailsThePrecondition() {
        let tag = ByteRange.entityTag(Self.sha256)
        func answer(_ ifMatch: String, ifNoneMatch: String? = nil) -> ByteRange.Answer {
            ByteRange.answer(size: Self.size, eTag: Self.sha256, range: "bytes=0-9", ifMatch: ifMatch, ifNoneMatch: ifNoneMatch)
        }
        for named in [tag, "*", "\"a\", \(tag)"] {
            #expect(answer(named) == Self.part(0, 9), "If-Match: \(named)")
        }
        for other in ["W/\(tag)", "\"a\"", "\"a\", \"b\""] {
            #expect(answer(other) == .preconditionFailed, "If-Match: \(other)")
        }
        #expect(answer("\"a\"", ifNoneMatch: tag) == .preconditionFailed)
        #expect(answer("not a tag") == Self.part(0, 9))
    }
}
