import Foundation
public import XietongCore
public import XietongStore

// What every reader of a hub's feed does with a delivery (a node reading its own feed, a hub reading a peer's link
// feed, issue 23): take its bytes (inline, else fetched) and check them against the SHA-256 the queuing hub recorded,
// and fetch its attachments into the reader's blob store.
extension HubClient {
    /// A delivery's bytes as the queuing hub recorded them, or the finding that refuses it. `hub` names that hub in
    /// the finding (中心平台 the hub, 对端中心平台 the peer hub). Throws when they cannot be fetched now.
    public enum DeliveredContent: Sendable {
        case content([UInt8])
        case mismatch(Finding)
    }

    public func content(of delivery: Delivery, hub: LocalizedText) async throws(Failure) -> DeliveredContent {
        let content: [UInt8]
        if let inline = delivery.content.flatMap({ Data(base64Encoded: $0) }) {
            content = [UInt8](inline)
        } else {
            content = try await self.content(of: delivery.packageId)
        }
        let digest = ContentHash.sha256(content)
        guard digest == delivery.contentSHA256 else {
            return .mismatch(
                Finding(
                    .contentMismatch,
                    at: "/",
                    zh: "从\(hub.zh)取得的数据包内容与其记录的 SHA-256 不符",
                    en: "the package's bytes from \(hub.en) do not match the SHA-256 it recorded (expected \(delivery.contentSHA256), got \(digest))"
                )
            )
        }
        return .content(content)
    }

    /// Fetches a delivery's attachments into `blobs`: nil when all are there, else the finding that refuses it (the
    /// hub answered that it cannot give one). Throws on a passing failure, so that the delivery is read again.
    public func attachments(of delivery: Delivery, into blobs: BlobStore, hub: LocalizedText) async throws(Failure) -> Finding? {
        for file in delivery.attachments {
            // (Written without `catch … where`: that form crashes the Swift 6.3 compiler with typed throws.)
            var failed: Failure?
            do {
                try await self.download(file.sha256, into: blobs)
            } catch {
                failed = error
            }
            if let failure = failed {
                guard failure.isPermanent else { throw failure }
                return Finding(
                    .attachmentUnavailable,
                    at: "/CasePackage/Attachments",
                    zh: "无法从\(hub.zh)取得附件“\(file.name)”：\(failure.message)",
                    en: "the attachment '\(file.name)' could not be fetched from \(hub.en): \(failure.message)"
                )
            }
        }
        return nil
    }

    /// How a node's reader names its hub in findings.
    public static let ownHub = LocalizedText(zh: "中心平台", en: "the hub")
    /// How a hub's link reader names the peer hub.
    public static let peerHub = LocalizedText(zh: "对端中心平台", en: "the peer hub")
}
