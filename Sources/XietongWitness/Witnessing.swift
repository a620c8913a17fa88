import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// What a witness does (issue 23, SZ-3): every round it reads the hub's latest signed head, checks the hub's
/// signature, copies the leaves it lacks into its mirror (hashing each itself), and checks that the head's root is the
/// root of its mirror at that size. A head that passes is countersigned with the witness's key and handed to the hub,
/// which serves it with the head to nodes and peer hubs that require witnesses. A head that does not match (the hub
/// rewrote or forked its log, or shrank it) raises the witness's alarm and is never countersigned; the mirror keeps
/// what it copied before, so no later head can make it follow a rewrite.
struct Witnessing: NamedService {
    let name: String
    let hubOrganisation: String
    let client: HubClient
    let store: WitnessStore
    let signer: HubSigner
    let trust: TrustStore?
    let loop: WorkerLoop
    let interval: Double
    let logger: Logger

    func run() async throws {
        var failures = 0
        await self.loop.run { now in
            do {
                try await self.round(at: now)
                failures = 0
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return .stop }
                failures += 1
                if failures % 10 == 1 {
                    self.logger.warning("cannot witness the hub's log now; retrying 暂时无法见证中心平台的证据日志", metadata: ["xietong.error": "\(error)"])
                }
            }
            return .sleep(.milliseconds(Int64(self.interval * 1000)))
        }
    }

    func round(at now: Date) async throws {
        let (status, body) = try await self.client.send(self.client.request("/v1/evidence/tree-head", method: .GET), timeout: .seconds(10))
        guard status != 404 else { return }  // no head signed yet
        guard status == 200, let head = HubClient.decode(Evidence.TreeHead.self, body) else {
            throw HubClient.Failure(status: status, message: String(decoding: body.prefix(300), as: UTF8.self))
        }
        let last = try await self.store.lastChecked()
        // Hand in a countersignature the hub did not confirm (a crash, the hub down) first; a hub that refuses it does
        // not stop the witness from judging what the hub serves now.
        if let last, !last.delivered {
            do {
                try await self.deliver(last.cosignature, of: last.head)
            } catch {
                self.logger.warning("the hub did not take a countersignature", metadata: ["xietong.error": "\(error)"])
            }
        }
        guard head.treeSize > (last?.head.treeSize ?? 0) else {
            if let last, head.treeSize == last.head.treeSize, head.rootHash != last.head.rootHash {
                try await self.alarm(
                    LocalizedText(
                        zh: "中心平台的树头（\(head.treeSize) 条）与已见证的同长度树头根哈希不同：历史记录被改写或分叉",
                        en:
                            "the hub's head (size \(head.treeSize)) has another root than the head of that size this witness countersigned: its history was rewritten or forked"
                    ),
                    head,
                    at: now
                )
            } else if let last, head.treeSize < last.head.treeSize {
                try await self.alarm(
                    LocalizedText(
                        zh: "中心平台的树头变小了：\(head.treeSize) < 已见证的 \(last.head.treeSize)",
                        en: "the hub's log shrank: size \(head.treeSize) after the witnessed \(last.head.treeSize)"
                    ),
                    head,
                    at: now
                )
            }
            return
        }
        do throws(TrustError) {
            _ = try await head.verifySignature(trust: self.trust, hub: self.hubOrganisation, pinnedKey: last?.head.publicKey)
        } catch {
            return try await self.alarm(error.message, head, at: now)
        }
        // Copy what the mirror lacks, a page at a time, and judge the head by the mirror alone.
        var mirrored = try await self.store.size()
        while mirrored < head.treeSize {
            let count = min(head.treeSize - mirrored, 1000)
            let (status, body) = try await self.client.send(
                self.client.request("/v1/evidence/leaves?from=\(mirrored)&count=\(count)", method: .GET),
                timeout: .seconds(30)
            )
            guard status == 200, let leaves = HubClient.decode([MirroredLeaf].self, body), !leaves.isEmpty else {
                throw HubClient.Failure(status: status, message: String(decoding: body.prefix(300), as: UTF8.self))
            }
            try await self.store.append(leaves.map { ($0.index, $0.leaf) })
            mirrored += leaves.count
        }
        let root = try await self.store.tree(size: mirrored).root(size: head.treeSize)
        guard Hex.string(root) == head.rootHash else {
            return try await self.alarm(
                LocalizedText(
                    zh: "中心平台的树头（\(head.treeSize) 条）与见证方镜像的日志不一致：历史记录被改写或分叉",
                    en: "the hub's head (size \(head.treeSize)) does not match the log this witness mirrored: its history was rewritten or forked"
                ),
                head,
                at: now
            )
        }
        let cosignature = try self.signer.cosign(head, as: self.name, at: Timestamp.string(now))
        try await self.store.keep(head, cosignature: cosignature)
        try await self.deliver(cosignature, of: head)
    }

    struct MirroredLeaf: Decodable {
        var index: Int
        var leaf: String
    }

    struct Countersigned: Encodable {
        var treeSize: Int
        var rootHash: String
        var cosignature: Evidence.Cosignature
    }

    /// Hands a countersignature to the hub and records that it has it.
    func deliver(_ cosignature: Evidence.Cosignature, of head: Evidence.TreeHead) async throws {
        var request = self.client.request("/v1/evidence/cosignatures", method: .POST)
        request.headers.add(name: "Content-Type", value: "application/json")
        let json = try CanonicalJSON.encode(Countersigned(treeSize: head.treeSize, rootHash: head.rootHash, cosignature: cosignature))
        request.body = .bytes(ByteBuffer(bytes: json))
        let (status, body) = try await self.client.send(request, timeout: .seconds(10))
        guard status == 200 else { throw HubClient.Failure(status: status, message: String(decoding: body.prefix(300), as: UTF8.self)) }
        try await self.store.delivered(size: head.treeSize)
        self.logger.debug("countersigned a tree head", metadata: ["xietong.tree_size": "\(head.treeSize)"])
    }

    func alarm(_ detail: LocalizedText, _ head: Evidence.TreeHead, at now: Date) async throws {
        self.logger.error(
            "witness alarm: the hub's evidence log does not match this witness's copy 见证告警",
            metadata: ["xietong.tree_size": "\(head.treeSize)", "xietong.problem": "\(detail.en)"]
        )
        try await self.store.raise(detail, head: head, at: Timestamp.string(now))
    }
}
