public import Foundation
public import Logging
import Synchronization
public import XietongCore

/// How the services write their log (issue 22, item 4): plain lines for people (the default), or one JSON object per
/// line for log pipelines (`XIETONG_LOG_FORMAT=json`). Either goes to standard error, at `XIETONG_LOG_LEVEL`.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json

    /// The format and level the environment asks for; a bad value is a configuration error, named with the values
    /// it takes.
    public static func chosen(
        in environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> (format: LogFormat, level: Logger.Level?) {
        var format = LogFormat.text
        if let text = environment["XIETONG_LOG_FORMAT"] {
            guard let chosen = LogFormat(rawValue: text) else {
                throw ConfigurationError(
                    .invalidValue,
                    path: "XIETONG_LOG_FORMAT",
                    zh: "日志格式无效：\(text)；可选值：text, json",
                    en: "not a log format: \(text); valid values: text, json"
                )
            }
            format = chosen
        }
        var level: Logger.Level?
        if let text = environment["XIETONG_LOG_LEVEL"] {
            guard let chosen = Logger.Level(rawValue: text) else {
                throw ConfigurationError(
                    .invalidValue,
                    path: "XIETONG_LOG_LEVEL",
                    zh: "日志级别无效：\(text)；可选值：\(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))",
                    en: "not a log level: \(text); valid values: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            level = chosen
        }
        return (format, level)
    }

    /// A logger writing to standard error in this format.
    public func logger(_ label: String, level: Logger.Level) -> Logger {
        var logger =
            switch self {
            case .text: Logger(label: label) { StreamLogHandler.standardError(label: $0) }
            case .json: Logger(label: label) { JSONLogHandler(label: $0, write: JSONLogHandler.standardError) }
            }
        logger.logLevel = level
        return logger
    }
}

/// A swift-log handler writing each entry as one JSON object on one line: `time` (UTC, RFC 3339 with milliseconds),
/// `level`, `logger`, `message`, then the metadata's keys, with nested metadata as JSON objects and arrays.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable ([UInt8]) -> Void

    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.label = label
        self.write = write
    }

    /// Whole lines to standard error, one writer at a time, so that lines from several tasks never interleave.
    public static let standardError: @Sendable ([UInt8]) -> Void = { line in
        errorLock.withLock { _ in FileHandle.standardError.write(Data(line)) }
    }
    private static let errorLock = Mutex<Void>(())

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        for (key, value) in merged { fields[key] = Self.json(value) }
        fields["time"] = Self.time(Date())
        fields["level"] = event.level.rawValue
        fields["logger"] = self.label
        fields["message"] = event.message.description
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        line.append(0x0A)
        self.write(Array(line))
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(Self.json)
        case .dictionary(let dictionary): dictionary.mapValues(Self.json)
        }
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
