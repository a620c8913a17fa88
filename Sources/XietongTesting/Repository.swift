public import Foundation

/// Paths inside this repository, for tests that read shipped files (examples, docs, schemas).
public enum Repository {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func url(_ relativePath: String) -> URL { self.root.appendingPathComponent(relativePath) }

    public static var examples: URL { self.url("examples/packages") }

    /// The `xietong` executable built for this test run.
    public static var executable: URL {
        let candidates = [".build/debug/xietong", ".build/release/xietong"].map { self.url($0) }
        let built = Bundle.main.bundleURL.appendingPathComponent("xietong")
        return ([built] + candidates).first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
}
