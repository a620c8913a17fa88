import Foundation
import Hummingbird
import Logging
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

// What a hub restored from an older copy of its database answers the nodes that moved on since (issue 19): where
// their feed and its own part, which of their packages it no longer holds, and what they sent again.
extension HubController {
    /// The answer to a feed read whose cursor this hub does not hold (409 `feed.diverged`): the runs of the hub
    /// that wrote the feed, so that the node can find the last entry it read that this hub still has.
    struct Diverged: Encodable {
        let error = "feed.diverged"
        let message: [String: String]
        let runs: [FeedRun]
    }

    /// When the node names the hub run of the entry at its cursor (`boots`, comma-separated) and this hub does not
    /// hold that entry, the 409 that says so; otherwise nil and the feed is read as usual.
    func divergence(_ request: Request, node: String, after: Int) async throws -> Response? {
        guard let text = request.uri.queryParameters.get("boots"), !text.isEmpty else { return nil }
        let boots = text.split(separator: ",").prefix(16).map(String.init)
        if try await self.store.feedHolds(organisation: node, seq: after, boots: boots) { return nil }
        let runs = try await self.store.feedRuns(organisation: node)
        self.logger.warning(
            "a node's feed cursor is past what this hub holds: was the hub restored from an older copy?",
            metadata: ["xietong.node": "\(node)", "xietong.cursor": "\(after)", "xietong.runs": "\(runs.count)"]
        )
        return HTTPJSON.response(
            Diverged(
                message: [
                    "zh": "中心平台没有本节点队列位置 \(after) 的记录：中心平台可能已从较早的备份恢复，请从双方共有的最后位置继续",
                    "en":
                        "this hub does not hold position \(after) of the node's feed as the node read it: the hub may have been restored from an older copy; resume after the last position both hold",
                ],
                runs: runs
            ),
            status: .conflict
        )
    }

    struct HeldRequest: Decodable {
        var packageIds: [String]
    }

    struct HeldAnswer: Encodable {
        /// The ids asked about that the hub holds no package of, sent or received by the asking node.
        var missing: [String]
    }

    /// `POST /v1/packages/held` `{"packageIds": […]}` (1 to 1,000 ids of packages the node sent or received): which
    /// of them the hub does not hold. A node asks after it finds the hub restored, and sends the missing ones again.
    func heldPackages(_ request: Request) async throws -> Response {
        guard let node = self.node(request) else { throw Self.unauthorised }
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let asked = try? JSONDecoder().decode(HeldRequest.self, from: Data(body.readableBytesView)),
            (1...1000).contains(asked.packageIds.count)
        else {
            throw APIError(
                .heldInvalid,
                zh: "需要 {\"packageIds\": [...]}，1 至 1000 个数据包编号",
                en: "expected {\"packageIds\": [...]} with 1 to 1,000 package ids"
            )
        }
        return HTTPJSON.response(HeldAnswer(missing: try await self.store.missingPackages(asked.packageIds, organisation: node)))
    }

    /// The replays of a batch the hub itself signed, for packages of the sending node; any other is dropped (and
    /// its package taken as new), so a node cannot choose a code or a time for a package by sending a receipt.
    func verifiedReplays(_ replays: [Receipt?]?, from node: String) -> [Receipt?]? {
        guard let replays else { return nil }
        return replays.map { receipt in
            guard let receipt else { return nil }
            guard self.signer.signed(receipt) else {
                self.logger.warning(
                    "a replayed package's receipt is not this hub's; taking the package as new",
                    metadata: ["xietong.node": "\(node)", "xietong.package": "\(receipt.packageId)"]
                )
                return nil
            }
            return receipt
        }
    }

    /// `GET /v1/admin/replays`: the packages nodes sent again after a restore, each with the time the hub first
    /// received it (administrator).
    func adminReplays(_ request: Request) async throws -> Response {
        guard await self.adminOrConsole(request) else { throw Self.adminOnly }
        return HTTPJSON.response(try await self.store.replays())
    }
}
