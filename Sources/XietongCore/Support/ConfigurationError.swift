/// A bad entry in a configuration or data file (organisation registry, flow catalog, code set), with the file,
/// the path of the entry inside it, and a message in Chinese and English.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { self.rawValue }

        public static let unreadable = Code(rawValue: "config.unreadable")
        public static let syntax = Code(rawValue: "config.syntax")
        public static let format = Code(rawValue: "config.format")
        public static let missingField = Code(rawValue: "config.missing-field")
        public static let invalidValue = Code(rawValue: "config.invalid-value")
        public static let duplicate = Code(rawValue: "config.duplicate")
        public static let unknownReference = Code(rawValue: "config.unknown-reference")
        /// A key no setting has (a typo): named with the nearest valid key (issue 19).
        public static let unknownKey = Code(rawValue: "config.unknown-key")
        /// The port to listen on is taken by another process, or may not be bound.
        public static let portUnavailable = Code(rawValue: "config.port-unavailable")
        /// A file the configuration names (a certificate, a key) is missing or unreadable.
        public static let missingFile = Code(rawValue: "config.missing-file")
        /// A node with no business-system credentials that does not say it is open (development only).
        public static let openNode = Code(rawValue: "config.open-node")
    }

    public var code: Code
    /// The file, when the data came from one.
    public var file: String?
    /// Where in the file, for example `organisations[3].agencyCode`.
    public var path: String
    public var message: LocalizedText

    public init(_ code: Code, file: String? = nil, path: String, _ message: LocalizedText) {
        self.code = code
        self.file = file
        self.path = path
        self.message = message
    }

    public init(_ code: Code, file: String? = nil, path: String, zh: String, en: String) {
        self.init(code, file: file, path: path, LocalizedText(zh: zh, en: en))
    }

    public func inFile(_ file: String) -> ConfigurationError {
        var copy = self
        copy.file = file
        return copy
    }

    public var description: String {
        let place = [self.file, self.path.isEmpty ? nil : self.path].compactMap { $0 }.joined(separator: ": ")
        return "\(self.code) at \(place): \(self.message.zh) / \(self.message.en)"
    }
}

extension ConfigurationError {
    /// A yes/no environment variable: `true`/`false`, `1`/`0`, `on`/`off`, `yes`/`no`.
    public static func flag(_ name: String, _ value: String) throws(ConfigurationError) -> Bool {
        switch value.lowercased() {
        case "true", "1", "on", "yes": return true
        case "false", "0", "off", "no": return false
        default:
            throw ConfigurationError(.invalidValue, path: name, zh: "应为 true 或 false：\(value)", en: "expected true or false: \(value)")
        }
    }

    /// A finite number read from a setting or an environment variable (`name`): at least 0 (a size), or above 0
    /// when `zero` is not allowed (a number of seconds).
    public static func number(_ name: String, _ value: String, file: String? = nil, allowsZero: Bool = true) throws(ConfigurationError) -> Double {
        guard let number = Double(value), number.isFinite, allowsZero ? number >= 0 : number > 0 else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: name,
                zh: allowsZero ? "应为不小于 0 的数：\(value)" : "应为大于 0 的数：\(value)",
                en: allowsZero ? "expected a number of at least 0: \(value)" : "expected a number above 0: \(value)"
            )
        }
        return number
    }

    /// A port to listen on, from `name` (`listen.port`, `XIETONG_NODE_PORT`, `--port`): 0 (any free one) to 65535.
    public static func port(_ name: String, _ value: Int?, text: String? = nil, file: String? = nil) throws(ConfigurationError) -> Int {
        guard let value, (0...65535).contains(value) else {
            let shown = text ?? value.map(String.init) ?? ""
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: name,
                zh: "端口无效：\(shown)（应为 0–65535）",
                en: "not a port number: \(shown) (0–65535)"
            )
        }
        return value
    }

    /// Decodes one of an enumeration's values, or fails naming the valid ones (a bad `mode` used to show the
    /// decoder's own text and no values).
    public static func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, from decoder: any Decoder) throws -> T
    where T.RawValue == String {
        let text = try decoder.singleValueContainer().decode(String.self)
        if let value = T(rawValue: text) { return value }
        let valid = T.allCases.map(\.rawValue).joined(separator: ", ")
        throw ConfigurationError(
            .invalidValue,
            path: DataFileDecoder.path(decoder.codingPath),
            zh: "无效的取值“\(text)”；可选值：\(valid)",
            en: "not a valid value: '\(text)'; valid values: \(valid)"
        )
    }
}
