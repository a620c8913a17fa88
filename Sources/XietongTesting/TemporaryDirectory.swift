public import Foundation

/// A directory under the system's temporary folder, removed when the test is done with it.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "xietong-test") throws {
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> URL { self.url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: self.url) }
}
