/// Finds an attachment named in the manifest and reports its size and SHA-256, so that the manifest can be checked
/// against the files (ZJ-7.1.2.2). The file-system resolver lives in XietongStore; the hub's blob store is another.
public protocol AttachmentResolver: Sendable {
    func inspect(location: String) -> AttachmentInspection
}

public enum AttachmentInspection: Sendable, Hashable {
    case found(size: Int, sha256: String)
    case missing
    case unreadable(reason: String)
    /// The location is of a kind this resolver does not fetch (for example a remote URL during `validate`).
    case notVerifiable
}
