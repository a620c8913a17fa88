import Testing

@testable import XietongCore

/// The schema's patterns are matched without the regular-expression engine; the fast matcher must agree with it
/// on every value, valid or not.
@Suite struct SimplePatternTests {
    static let schemaPatterns = [
        "[a-z][A-Za-z0-9]{0,63}", #"[a-z]+/[A-Za-z0-9.+\-]+"#, #"[A-Za-z_][A-Za-z0-9_.\-]{0,63}"#, #"[A-Za-z0-9._:\-]{1,128}"#,
        "[1-9][0-9]{0,3}", "[1-9][0-9]{0,2}", "[0-9a-f]{64}", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        "[0-9]{6}", "[0-9]{4}", "[0-9]{32}", "[0-9]{17}[0-9X]", "[0-9]{12}", "[0-9]", "[0-9]{2}", "[0-9]{1,15}", #"[0-9]{1,15}\.[0-9]{1,2}"#,
    ]

    @Test func everyPatternOfTheBundledSchemasIsSimple() throws {
        for schema in try SchemaSet.bundled().schemas.values {
            for type in schema.simpleTypes.values {
                for pattern in type.patterns { #expect(SimplePattern(pattern) != nil, "\(pattern)") }
            }
        }
    }

    @Test func patternsWithMoreThanClassesAndQuantifiersAreLeftToTheRegexEngine() {
        for pattern in ["a|b", "(ab)+", #"\d{3}"#, "[^a]", "a.b", "[a-z", "a{2,1}", "中[0-9]"] {
            #expect(SimplePattern(pattern) == nil, "\(pattern)")
        }
    }

    @Test(arguments: schemaPatterns)
    func theFastMatcherAgreesWithTheRegexEngine(pattern: String) throws {
        let simple = try #require(SimplePattern(pattern))
        let regex = try Regex("^(?:\(pattern))$")
        var generator = SeededGenerator(seed: UInt64(pattern.utf8.count))
        let alphabet = Array("09aAfFzZX_.:-/+ 中１")
        var values = ["", "0", "X", "123456", "a/b", "abc", "1" + String(repeating: "0", count: 3), String(repeating: "a", count: 64)]
        values.append("11010519491231002X")
        values.append("6f69d192-b078-5b1f-a722-0c3e55b70336")
        values += ["52000.5", "0.05", "52000.", ".5", "1.234"]
        let digits = Array("0123456789")
        for _ in 0..<3000 {
            let length = Int.random(in: 0...70, using: &generator)
            values.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
            values.append(String((0..<length).map { _ in digits.randomElement(using: &generator)! }))
        }
        var matched = 0
        for value in values {
            let expected = (try? regex.wholeMatch(in: value)) != nil
            #expect(simple.matches(value) == expected, "\(pattern) on '\(value)'")
            if expected { matched += 1 }
        }
        #expect(matched > 0, "no generated value matched \(pattern): the comparison would prove nothing")
    }
}
