public import Foundation

/// Decodes the JSON data files an IT centre edits (organisation registry, catalog overrides, code sets) and
/// turns decoding failures into a `ConfigurationError` that names the entry, for example `organisations[2].kind`.
public enum DataFileDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String? = nil) throws(ConfigurationError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw Self.configurationError(error).inFile(file ?? "")
        } catch let error as ConfigurationError {
            // A value's own check while it decodes (an enum's valid values, say).
            throw file.map { error.inFile($0) } ?? error
        } catch {
            throw ConfigurationError(
                .syntax,
                file: file,
                path: "",
                zh: "无法解析 JSON：\(error)",
                en: "not valid JSON: \(error)"
            )
        }
    }

    /// Reads and decodes a file; with `shape`, every key is checked against it first (an unknown key, a typo, is an
    /// error with the nearest valid key; a syntax error is named by line and column).
    public static func decode<T: Decodable>(_ type: T.Type, contentsOf url: URL, shape: SettingsShape? = nil) throws(ConfigurationError) -> T {
        let data = try self.read(url)
        try shape?.check(Array(data), file: url.path)
        return try self.decode(type, from: data, file: url.path)
    }

    /// Reads a data file, turning a failure into a `ConfigurationError` that names it.
    public static func read(_ url: URL) throws(ConfigurationError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ConfigurationError(
                .unreadable,
                file: url.path,
                path: "",
                zh: "无法读取文件：\(error.localizedDescription)",
                en: "cannot read the file: \(error.localizedDescription)"
            )
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }

    static func configurationError(_ error: DecodingError) -> ConfigurationError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = Self.path(context.codingPath + [key])
            return ConfigurationError(
                .missingField,
                path: path,
                zh: "缺少必填字段“\(key.stringValue)”",
                en: "the required field '\(key.stringValue)' is missing"
            )
        case .typeMismatch(let type, let context):
            return ConfigurationError(
                .invalidValue,
                path: Self.path(context.codingPath),
                zh: "类型错误，应为 \(type)",
                en: "wrong type, expected \(type)"
            )
        case .valueNotFound(let type, let context):
            return ConfigurationError(.missingField, path: Self.path(context.codingPath), zh: "缺少值，应为 \(type)", en: "missing value, expected \(type)")
        case .dataCorrupted(let context):
            let detail = (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
            return ConfigurationError(
                context.codingPath.isEmpty ? .syntax : .invalidValue,
                path: Self.path(context.codingPath),
                zh: "数据无效：\(detail)",
                en: "invalid data: \(detail)"
            )
        @unknown default:
            return ConfigurationError(.syntax, path: "", zh: "无法解析", en: "cannot decode: \(error)")
        }
    }
}
