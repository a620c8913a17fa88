import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// Signs a head of the evidence log whenever it has grown, at most every `interval` seconds, and sends it to every
/// node (issue 6). Several hub instances may run it: a size is signed once, and a head about every `interval` seconds
/// from whichever instance comes first.
struct EvidenceSigner: NamedService {
    let store: HubStore
    let signer: HubSigner
    let nodes: [String]
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await WorkerLoop(clock: self.store.clock).every(
            .seconds(self.interval),
            logger: self.logger,
            failure: "cannot sign the evidence log's tree head"
        ) { _ in
            try await self.sign(spacing: self.interval * 0.9)
        }
        // A last head on a graceful stop, so that every leaf of a stopped hub is covered by a signature: an audit
        // names leaves after the last signed head as unsigned (issue 19).
        do {
            try await self.sign()
        } catch {
            self.logger.warning("cannot sign the evidence log's last tree head", metadata: ["xietong.error": "\(error)"])
        }
    }

    func sign(spacing: TimeInterval = 0) async throws {
        let signer = self.signer
        if let head = try await self.store.signTreeHead(for: self.nodes, spacing: spacing, sign: { head in try signer.sign(head) }) {
            self.logger.debug("signed a tree head", metadata: ["xietong.tree_size": "\(head.treeSize)"])
        }
    }
}
