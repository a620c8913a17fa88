/// Finds the file behind an entry of the attachments manifest and reports its size and SHA-256, so that the
/// manifest can be checked against the files (ZJ-7.1.2.2). `validate` resolves by location relative to the
/// package file; the node and the hub resolve by SHA-256 in their blob stores.
public protocol AttachmentResolver: Sendable {
    func inspect(_ attachment: CasePackage.Attachment) -> AttachmentInspection
}

public enum AttachmentInspection: Sendable, Hashable {
    case found(size: Int, sha256: String)
    case missing
    case unreadable(reason: String)
    /// The location is of a kind this resolver does not fetch (for example a remote URL during `validate`).
    case notVerifiable
}
