import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

// The node's view of the evidence log (issue 6, SZ-3): the last tree head it checked and kept, any alarms, and a
// package's evidence receipt from the hub, verified here.
extension NodeController {
    struct EvidenceView: Codable {
        var treeHead: Evidence.TreeHead?
        var alarms: [EvidenceAlarm]
    }

    func evidence() async throws -> Response {
        HTTPJSON.response(EvidenceView(treeHead: try await self.engine.store.latestTreeHead(), alarms: try await self.engine.store.evidenceAlarms()))
    }

    struct VerifiedReceipt: Codable {
        var receipt: Evidence.Receipt
        /// Every inclusion proof leads to the head's root, the head's signature holds, and the head is consistent
        /// with the last one this node kept.
        var verified: Bool
        var problems: [LocalizedText]
    }

    func packageEvidence(_ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        let reply: (status: Int, body: [UInt8])
        do {
            reply = try await self.engine.hub.evidence(of: packageId)
        } catch {
            throw APIError(.hubUnreachable, zh: "无法连接平台中心", en: "the hub cannot be reached: \(error.message)")
        }
        guard reply.status == 200, let receipt = try? JSONDecoder().decode(Evidence.Receipt.self, from: Data(reply.body)) else {
            return Response(
                status: .init(code: reply.status),
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: reply.body))
            )
        }
        var problems: [LocalizedText] = []
        if !receipt.proofsHold {
            problems.append(LocalizedText(zh: "包含证明与树头的根哈希不符", en: "an inclusion proof does not lead to the tree head's root"))
        }
        let kept = try await self.engine.store.latestTreeHead()
        do throws(TrustError) {
            _ = try await receipt.treeHead.verifySignature(
                trust: self.engine.identity?.trust,
                hub: self.engine.configuration.hub.organisation,
                pinnedKey: kept?.publicKey
            )
        } catch {
            problems.append(error.message)
        }
        if let kept {
            let (older, newer) = kept.treeSize <= receipt.treeHead.treeSize ? (kept, receipt.treeHead) : (receipt.treeHead, kept)
            if (try? await self.engine.extends(older, to: newer)) != true {
                problems.append(LocalizedText(zh: "该树头与本节点保存的树头不一致", en: "the receipt's tree head is not consistent with the head this node kept"))
            }
        }
        return HTTPJSON.response(VerifiedReceipt(receipt: receipt, verified: problems.isEmpty, problems: problems))
    }
}
