import Foundation
import Testing
import XietongCore
import XietongTesting

/// ZJ-7.1.1: the 32-digit unified code, dossier codes against the case, and GB 11643 identity numbers.
@Suite struct UnifiedCaseCodeTests {
    @Test func theStandardsExampleParsesIntoItsParts() throws {
        let code = try UnifiedCaseCode("20170507136633010100000112345678")
        #expect(code.date == CalendarDate(year: 2017, month: 5, day: 7))
        #expect(code.agencyCode == "1366")
        #expect(code.organisationCode == "330101000001")
        #expect(code.sequence == 12_345_678)
    }

    @Test func codesAreBuiltFromTheirParts() throws {
        let code = try UnifiedCaseCode(
            date: CalendarDate(year: 2026, month: 11, day: 21)!,
            agencyCode: "1101",
            organisationCode: "330106000101",
            sequence: 42
        )
        #expect(code.rawValue == "20261121110133010600010100000042")
        #expect(try UnifiedCaseCode(code.rawValue) == code)
    }

    @Test(arguments: [
        ("2017050713663301010000011234567", "code.format"),
        ("2017050713663301010000011234567X", "code.format"),
        ("20170230136633010100000112345678", "code.date"),
        ("20170507136633010100000100000000", "code.sequence"),
    ])
    func invalidCodesAreRefused(text: String, expected: String) {
        #expect(throws: CodeError.self) { try UnifiedCaseCode(text) }
        do {
            _ = try UnifiedCaseCode(text)
        } catch {
            #expect(error.code.rawValue == expected)
        }
    }

    @Test func partsOutOfRangeAreRefused() {
        let day = CalendarDate(year: 2026, month: 1, day: 1)!
        #expect(throws: CodeError.self) { try UnifiedCaseCode(date: day, agencyCode: "11", organisationCode: "330106000101", sequence: 1) }
        #expect(throws: CodeError.self) { try UnifiedCaseCode(date: day, agencyCode: "1101", organisationCode: "33010600010", sequence: 1) }
        #expect(throws: CodeError.self) {
            try UnifiedCaseCode(date: day, agencyCode: "1101", organisationCode: "330106000101", sequence: 100_000_000)
        }
    }

    @Test func volumesFilesAndPagesAreCodedAgainstTheCase() throws {
        let caseCode = try UnifiedCaseCode("20261121110133010600010100000042")
        #expect(try DossierCode(caseCode: caseCode, volume: 1).description == "20261121110133010600010100000042-001")
        #expect(try DossierCode(caseCode: caseCode, volume: 2, file: 13).description == "20261121110133010600010100000042-002-013")
        let page = try DossierCode(caseCode: caseCode, volume: 2, file: 13, page: 157)
        #expect(page.description == "20261121110133010600010100000042-002-013-0157")
        #expect(try DossierCode(page.description) == page)
        #expect(throws: CodeError.self) { try DossierCode(caseCode: caseCode, volume: 0) }
        #expect(throws: CodeError.self) { try DossierCode(caseCode: caseCode, volume: 1, page: 3) }
        #expect(throws: CodeError.self) { try DossierCode("20261121110133010600010100000042-1-2") }
    }
}

@Suite struct IdentityNumberTests {
    @Test func theStandardsExampleIsValid() throws {
        // The example number of GB 11643-1999.
        let number = try #require(ResidentIDNumber("11010519491231002X"))
        #expect(number.birthDate == CalendarDate(year: 1949, month: 12, day: 31))
        #expect(number.genderCode == "2")
    }

    @Test func problemsAreNamed() {
        #expect(ResidentIDNumber.problem(in: "110105194912310021") == .checksum(expected: "X"))
        #expect(ResidentIDNumber.problem(in: "99010519491231002X") == .province)
        #expect(ResidentIDNumber.problem(in: "110105194902300021") == .birthDate)
        #expect(ResidentIDNumber.problem(in: "11010519491231002") == .format)
        #expect(ResidentIDNumber.problem(in: "11010519491231002x") == .format)
    }

    @Test func generatedFixturesAreValid() {
        for order in 1...50 {
            let male = IdentityNumbers.make(birth: "19900315", order: order, male: true)
            #expect(ResidentIDNumber(male)?.genderCode == "1")
            #expect(ResidentIDNumber(IdentityNumbers.make(birth: "20000229", order: order, male: false))?.genderCode == "2")
        }
    }
}

/// Exchange timestamps are fixed-width UTC with microseconds, so that they sort as text, and read back.
@Suite struct TimestampTests {
    @Test func timestampsAreFixedWidthUTCAndRoundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_795_282_200.123456)
        #expect(Timestamp.string(date) == "2026-11-21T17:30:00.123456Z")
        #expect(Timestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        let parsed = try #require(Timestamp.date(Timestamp.string(date)))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.000_01)
    }

    /// The formatter-free readings agree with Foundation's calendar and ISO 8601 formatter.
    @Test func theFastReadingsAgreeWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, 1_795_283_999, 1_795_284_000, 1_795_283_999.999, -1, -86_400 * 365.0, 951_782_400, 4_102_444_799]
        instants += (0..<2000).map { _ in
            Double(Int.random(in: -2_000_000_000...4_000_000_000, using: &generator)) + Double.random(in: 0..<1, using: &generator)
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            #expect(CalendarDate(chinaDayOf: date) == CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!), "\(instant)")
            let text = Timestamp.string(date)
            let fast = try #require(Timestamp.date(text))
            #expect(abs(fast.timeIntervalSince1970 - instant) < 0.000_002, "\(text)")
            let whole = formatter.string(from: Date(timeIntervalSince1970: instant.rounded(.down)))
            #expect(Timestamp.date(whole) == formatter.date(from: whole), "\(whole)")
        }
        #expect(Timestamp.date("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.date("2026-11-21T10:00:00+08:00") == formatter.date(from: "2026-11-21T10:00:00+08:00"))
    }
}
