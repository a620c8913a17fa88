import Foundation
import Logging
import Synchronization
import Testing
import XietongCore
import XietongHTTP

/// The services' log as a log pipeline reads it (issue 22, item 4): one JSON object per line with time, level,
/// logger, message and metadata; a bad level or format is a configuration error naming the values it takes.
@Suite struct LogOutputTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func write(_ bytes: [UInt8]) { self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        var all: [String] { self.lines.withLock { $0 } }
    }

    @Test func eachEntryIsOneJSONObjectOnOneLine() throws {
        let lines = Lines()
        var logger = Logger(label: "xietong.hub") { JSONLogHandler(label: $0, write: lines.write) }
        logger.logLevel = .info
        logger[metadataKey: "organisation"] = "330100000001"
        logger.info("request", metadata: ["http_status": "200", "nested": ["a": "1", "list": ["x", "y"]]])
        logger.debug("not written below the level")
        logger.warning("a message with\na newline and \"quotes\"")
        #expect(lines.all.count == 2)
        for line in lines.all {
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "one line each")
        }
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        #expect(first["message"] as? String == "request")
        #expect(first["level"] as? String == "info")
        #expect(first["logger"] as? String == "xietong.hub")
        #expect(first["http_status"] as? String == "200")
        #expect(first["organisation"] as? String == "330100000001")
        #expect((first["nested"] as? [String: Any])?["list"] as? [String] == ["x", "y"])
        let time = try #require(first["time"] as? String)
        #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[1].utf8)) as? [String: Any])
        #expect(second["message"] as? String == "a message with\na newline and \"quotes\"")
    }

    @Test func theFormatAndLevelAreChosenByTheEnvironment() throws {
        #expect(try LogFormat.chosen(in: [:]).format == .text)
        let chosen = try LogFormat.chosen(in: ["XIETONG_LOG_FORMAT": "json", "XIETONG_LOG_LEVEL": "debug"])
        #expect(chosen.format == .json && chosen.level == .debug)
    }

    @Test(arguments: [("XIETONG_LOG_FORMAT", "xml", "text, json"), ("XIETONG_LOG_LEVEL", "verbose", "trace, debug")])
    func aBadFormatOrLevelIsAConfigurationError(variable: String, value: String, valid: String) {
        #expect {
            try ServiceEnvironment.check([variable: value])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.code == .invalidValue && error.path == variable && error.message.en.contains(valid)
                && error.message.zh.contains(value)
        }
    }
}
