import Foundation
import NIOCore
import XietongCore
import XietongStore

/// Delivers incoming packages into the exchange database's inbound tables (issue 24): the XML, the files (inline up
/// to the limit, else where to fetch them at the node), and the structured data as rows (ZJ-7.1.2.2.1), in one
/// transaction. The node marks the package delivered only after it commits; a package written before a crash is
/// recognised by its id and left as it is, so each arrives exactly once.
struct ExchangeDatabaseTarget: DeliveryTarget {
    let engine: NodeEngine
    let inlineLimit: Int

    func deliver(_ item: NodeStore.InboxItem, content: [UInt8]) async throws {
        let exchange = try self.engine.exchange.inboundDatabase()
        let delivery = item.delivery
        let package = self.engine.checker.check(XMLBytes(content), attachments: nil).package
        var files: [ExchangeDatabase.InboundFile] = []
        for (file, attachmentId) in Self.pair(delivery, package) {
            let inline: [UInt8]? =
                file.size <= self.inlineLimit
                ? try await self.engine.blobs.chunks(file.sha256).reduce(into: [UInt8]()) { $0.append(contentsOf: $1.readableBytesView) } : nil
            files.append(
                ExchangeDatabase.InboundFile(
                    attachmentId: attachmentId,
                    name: file.name,
                    mediaType: file.mediaType,
                    size: file.size,
                    sha256: file.sha256,
                    content: inline,
                    nodePath: "/api/v1/inbox/\(delivery.packageId)/attachments/\(file.sha256)"
                )
            )
        }
        _ = try await exchange.deliver(delivery, seq: item.feedSeq, receivedAt: item.storedAt, xml: content, package: package, files: files)
    }

    /// Each delivered file with its attachment id. The delivery lists the files in the manifest's order, and two
    /// attachments may have the same bytes, so each is paired by its position (its hash checked), not found by hash;
    /// a file that does not pair keeps a unique id made of its position and hash.
    static func pair(_ delivery: Delivery, _ package: CasePackage?) -> [(file: Delivery.File, attachmentId: String)] {
        delivery.attachments.enumerated().map { index, file in
            let declared = package.flatMap { package in
                index < package.attachments.count && package.attachments[index].sha256.lowercased() == file.sha256.lowercased()
                    ? package.attachments[index] : nil
            }
            return (file, declared?.id ?? "\(index + 1)-\(file.sha256)")
        }
    }
}
