/// An 18-character citizen identity number (公民身份号码) of GB 11643-1999: a 6-digit address code, an 8-digit
/// birth date, a 3-digit order code whose parity gives the sex, and an ISO 7064 MOD 11-2 check character.
public struct ResidentIDNumber: Sendable, Hashable, CustomStringConvertible {
    public enum Problem: Sendable, Hashable {
        case format
        case province
        case birthDate
        case checksum(expected: Character)
    }

    public let rawValue: String

    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
    /// The first two digits of GB/T 2260 provincial-level codes.
    static let provinces: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82",
    ]

    /// The check character for the first 17 digits; nil unless they are 17 ASCII digits.
    public static func checkCharacter(for first17: String) -> Character? {
        // Read from the bytes: every person of every package is checked.
        let bytes = first17.utf8
        guard bytes.count == 17 else { return nil }
        var sum = 0
        for (position, byte) in bytes.enumerated() {
            let digit = byte &- 0x30
            guard digit <= 9 else { return nil }
            sum += Int(digit) * self.weights[position]
        }
        return self.checkCharacters[sum % 11]
    }

    /// Checks a number, returning the first problem, or nil when it is valid.
    public static func problem(in text: String) -> Problem? {
        let bytes = text.utf8
        guard bytes.count == 18, let last = bytes.last, last &- 0x30 <= 9 || last == UInt8(ascii: "X"),
            let expected = self.checkCharacter(for: String(Substring(text.utf8.dropLast())))
        else { return .format }
        guard self.provinces.contains(String(text.utf8.prefix(2))!) else { return .province }
        guard CalendarDate(compact: String(text.utf8.dropFirst(6).prefix(8))!) != nil else { return .birthDate }
        return Character(Unicode.Scalar(last)) == expected ? nil : .checksum(expected: expected)
    }

    public init?(_ text: String) {
        guard Self.problem(in: text) == nil else { return nil }
        self.rawValue = text
    }

    public var birthDate: CalendarDate {
        CalendarDate(compact: String(Array(self.rawValue)[6..<14]))!
    }

    /// GB/T 2261.1 gender code: `1` (odd order code) or `2` (even).
    public var genderCode: String {
        let digit = Array(self.rawValue)[16].wholeNumberValue!
        return digit % 2 == 1 ? "1" : "2"
    }

    public var description: String { self.rawValue }

    /// Builds a valid number for a person born on `birth` (`yyyyMMdd`) in `division`, with an order code whose
    /// parity gives the sex (odd for male, even for female). For fixtures and demonstrations.
    public static func build(division: String, birth: String, order: Int, male: Bool) -> ResidentIDNumber? {
        let adjusted = (order % 2 == 1) == male ? order : order + 1
        let orderText = String(adjusted % 1000)
        let first17 = division + birth + String(repeating: "0", count: 3 - orderText.count) + orderText
        guard let check = self.checkCharacter(for: first17) else { return nil }
        return ResidentIDNumber(first17 + String(check))
    }
}
