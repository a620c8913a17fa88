public import Foundation
public import XietongCore

/// Resolves manifest locations relative to a directory (the package file's folder, or a node's upload area),
/// streaming each file through SHA-256 so that a dossier of any size is checked in constant memory.
/// Remote URLs are reported as not verifiable here.
public struct FileAttachmentResolver: AttachmentResolver {
    public let base: URL

    public init(base: URL) {
        self.base = base.standardizedFileURL
    }

    public func inspect(_ attachment: CasePackage.Attachment) -> AttachmentInspection {
        self.inspect(location: attachment.location)
    }

    public func inspect(location: String) -> AttachmentInspection {
        if location.contains("://") {
            guard location.hasPrefix("file://"), let url = URL(string: location) else { return .notVerifiable }
            return Self.hash(url)
        }
        let url = self.base.appendingPathComponent(location).standardizedFileURL
        guard url.path.hasPrefix(self.base.path + "/") else {
            return .unreadable(reason: "outside the package directory")
        }
        return Self.hash(url)
    }

    /// Size and SHA-256 of a file.
    public static func hash(_ url: URL) -> AttachmentInspection {
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        do {
            let (sha256, size) = try BlobStore.hash(fileAt: url)
            return .found(size: size, sha256: sha256)
        } catch {
            return .unreadable(reason: error.localizedDescription)
        }
    }
}
