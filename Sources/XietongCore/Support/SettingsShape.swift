/// The keys a configuration file may hold, object by object (issue 19, item 4): a typo in a key used to be
/// ignored, so `"businesSystems"` for `businessSystems` started a node open to any caller. Every key is checked
/// against its object's shape before the file is decoded; an unknown key is an error naming its path, with the
/// nearest valid key suggested. A syntax error is named by line and column.
public indirect enum SettingsShape: Sendable {
    /// Any value: its type is the decoder's to check.
    case value
    /// An object with these keys, each of its own shape.
    case object([String: SettingsShape])
    /// An array of values of one shape.
    case array(SettingsShape)

    /// An object whose keys are a type's coding keys; the shapes of nested objects and arrays by key.
    public static func keys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type, _ nested: [String: SettingsShape] = [:]) -> SettingsShape {
        .object(Dictionary(uniqueKeysWithValues: keys.allCases.map { ($0.stringValue, nested[$0.stringValue] ?? .value) }))
    }

    /// An object with exactly these keys, each any value.
    public static func fields(_ names: String...) -> SettingsShape {
        .object(Dictionary(uniqueKeysWithValues: names.map { ($0, .value) }))
    }

    struct Unknown {
        var path: String
        var key: String
        var valid: [String]
    }

    /// Checks JSON text: well formed, and no key its shape does not have.
    public func check(_ bytes: [UInt8], file: String?) throws(ConfigurationError) {
        var reader = JSONReader(bytes)
        var unknown: [Unknown] = []
        do {
            try self.walk(&reader, path: "", unknown: &unknown)
            try reader.finish()
        } catch {
            let (line, column) = Self.lineAndColumn(of: error.offset, in: bytes)
            throw ConfigurationError(
                .syntax,
                file: file,
                path: "line \(line), column \(column)",
                zh: "JSON 语法错误（第 \(line) 行第 \(column) 列）：\(error.reason)",
                en: "JSON syntax error at line \(line), column \(column): \(error.reason)"
            )
        }
        guard let first = unknown.first else { return }
        let place = first.path.isEmpty ? first.key : "\(first.path).\(first.key)"
        if let nearest = Self.nearest(first.key, in: first.valid) {
            throw ConfigurationError(
                .unknownKey,
                file: file,
                path: place,
                zh: "未知的设置项“\(first.key)”，是否应为“\(nearest)”？",
                en: "unknown key '\(first.key)'; did you mean '\(nearest)'?"
            )
        }
        let valid = first.valid.sorted().joined(separator: ", ")
        throw ConfigurationError(
            .unknownKey,
            file: file,
            path: place,
            zh: "未知的设置项“\(first.key)”；可用的设置项：\(valid)",
            en: "unknown key '\(first.key)'; the valid keys are: \(valid)"
        )
    }

    private func walk(_ reader: inout JSONReader, path: String, unknown: inout [Unknown]) throws(JSONReader.Failure) {
        switch self {
        case .value:
            try reader.skipValue()
        case .object(let keys):
            guard try reader.nextByte() == UInt8(ascii: "{") else { return try reader.skipValue() }
            try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                guard let shape = keys[key] else {
                    unknown.append(Unknown(path: path, key: key, valid: Array(keys.keys)))
                    return try reader.skipValue()
                }
                try shape.walk(&reader, path: path.isEmpty ? key : "\(path).\(key)", unknown: &unknown)
            }
        case .array(let element):
            guard try reader.nextByte() == UInt8(ascii: "[") else { return try reader.skipValue() }
            var index = 0
            _ = try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in
                try element.walk(&reader, path: "\(path)[\(index)]", unknown: &unknown)
                index += 1
            }
        }
    }

    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var start = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            start = index + 1
        }
        // Columns count characters, not bytes: a Chinese value before the error counts once per character.
        let column = String(decoding: bytes[start..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return (line, column)
    }

    /// The valid key nearest to `key` (ignoring case), when it is near enough to be a typo of it.
    public static func nearest(_ key: String, in candidates: [String]) -> String? {
        let typed = Array(key.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = Self.distance(typed, Array(candidate.lowercased()))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, typed.count / 3) else { return nil }
        return best.name
    }

    /// Edits (insertions, deletions, substitutions, swaps of neighbours) from one word to another.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
