import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// Signs a head of the evidence log whenever it has grown, at most every `interval` seconds, and sends it to every
/// node (issue 6). Several hub instances may run it: a size is signed once.
struct EvidenceSigner: NamedService {
    let store: HubStore
    let signer: HubSigner
    let nodes: [String]
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        let signer = self.signer
        await periodically(every: self.interval, logger: self.logger, failure: "cannot sign the evidence log's tree head") {
            if let head = try await self.store.signTreeHead(for: self.nodes, sign: { head in try signer.sign(head) }) {
                self.logger.debug("signed a tree head", metadata: ["xietong.tree_size": "\(head.treeSize)"])
            }
        }
    }
}
