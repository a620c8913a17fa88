public import Foundation

/// Data files shipped inside XietongCore: the default flow catalog, code sets and XML schemas.
public enum BundledData {
    /// The folder holding the shipped data files.
    public static var directory: URL {
        Bundle.module.bundleURL.appendingPathComponent("Resources")
    }

    public static func url(_ relativePath: String) -> URL {
        self.directory.appendingPathComponent(relativePath)
    }

    static func read(_ relativePath: String) throws(ConfigurationError) -> Data {
        do {
            return try Data(contentsOf: self.url(relativePath))
        } catch {
            throw ConfigurationError(
                .unreadable,
                file: relativePath,
                path: "",
                zh: "安装不完整：缺少内置数据文件",
                en: "incomplete installation: the bundled data file is missing (\(error.localizedDescription))"
            )
        }
    }
}
