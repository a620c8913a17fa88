import Foundation
import Testing
import XietongCore

/// Configuration files are checked key by key before they are decoded (issue 19): an unknown key names its path
/// and the nearest valid key, and a syntax error its line and column.
struct SettingsShapeTests {
    static let shape = SettingsShape.object([
        "listen": .fields("host", "port"),
        "users": .array(.fields("name", "role", "tokenSHA256")),
        "lanes": .value,
    ])

    static func error(_ text: String) -> ConfigurationError? {
        do {
            try Self.shape.check(Array(text.utf8), file: "node.json")
            return nil
        } catch {
            return error
        }
    }

    @Test func aKnownFileIsAccepted() {
        #expect(Self.error(#"{"listen":{"host":"h","port":1},"users":[{"name":"a","role":"officer","tokenSHA256":"x"}],"lanes":2}"#) == nil)
    }

    @Test func anUnknownKeyIsNamedWhereItIsWithTheNearestValidOne() throws {
        let top = try #require(Self.error(#"{"lisen":{}}"#))
        #expect(top.code == .unknownKey && top.path == "lisen" && top.file == "node.json")
        #expect(top.message.en == "unknown key 'lisen'; did you mean 'listen'?" && top.message.zh.contains("listen"))
        let nested = try #require(Self.error(#"{"users":[{"name":"a"},{"nmae":"b"}]}"#))
        #expect(nested.path == "users[1].nmae" && nested.message.en.contains("did you mean 'name'"))
        // Nothing near: the valid keys are listed.
        let far = try #require(Self.error(#"{"listen":{"address":"h"}}"#))
        #expect(far.path == "listen.address" && far.message.en.contains("the valid keys are: host, port"))
    }

    @Test func theNearestKeyToleratesCaseSwapsAndASlip() {
        #expect(SettingsShape.nearest("adminTokne", in: ["adminToken", "users"]) == "adminToken")
        #expect(SettingsShape.nearest("BUSINESSSYSTEMS", in: ["businessSystems", "apiKeys"]) == "businessSystems")
        #expect(SettingsShape.nearest("maxPackageAgeDay", in: ["maxPackageAgeDays", "alertAfterSeconds"]) == "maxPackageAgeDays")
        #expect(SettingsShape.nearest("zzz", in: ["listen"]) == nil)
    }

    @Test func aSyntaxErrorIsNamedByLineAndColumn() throws {
        let broken = try #require(Self.error("{\n  \"listen\": {\"host\": \"杭州\",, }\n}"))
        #expect(broken.code == .syntax && broken.path == "line 2, column 27", "\(broken)")
        let trailing = try #require(Self.error("{}\n}"))
        #expect(trailing.path == "line 2, column 1" && trailing.message.en.contains("text after the value"))
    }
}
