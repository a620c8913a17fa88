import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// After the feed found the hub restored from an older copy of its database (issue 19), checks this node's packages
/// against it: every package this node sent and the hub had accepted, and every package it received from the feed
/// entries the hub lost. What it sent that the hub no longer holds goes back to the head of its lane with the hub's
/// signed receipt, so the hub stores it as first received (its code and time kept); what it received that the hub
/// lost is recorded as waiting for its sender, and its hops are owed to the hub again when it arrives. The check
/// records how far it went, so a restart goes on from there; `GET /api/v1/hub-restores` shows the outcome.
struct HubRestoreCheck: NamedService {
    let engine: NodeEngine
    static let page = 500

    func run() async throws {
        var failures = 0
        await self.engine.loop.run { _ in
            let version = await self.engine.version(of: NodeEngine.Signal.restore)
            do {
                // A store that cannot be read is a failure to retry, not "no restore to check".
                guard let restore = try await self.engine.store.unfinishedRestore() else {
                    return .wait(for: NodeEngine.Signal.restore, upTo: .seconds(3600), since: version)
                }
                if let wait = self.engine.whileTheHubIsDown { return wait }
                try await self.check(restore)
                failures = 0
                return .again
            } catch {
                failures += 1
                if failures % 10 == 1 {
                    self.engine.logger.warning(
                        "cannot check this node's packages against the restored hub; retrying",
                        metadata: ["xietong.error": "\(error)"]
                    )
                }
                return .wait(for: HubLink.returned, upTo: .seconds(self.engine.retry.delay(afterAttempt: failures)))
            }
        }
    }

    func check(_ restore: HubRestore) async throws {
        var checkedTo = restore.sentCheckedTo
        var resent = 0
        while !Task.isShuttingDownGracefully {
            let sent = try await self.engine.store.forwardedPackages(after: checkedTo, limit: Self.page)
            guard let last = sent.last else { break }
            let missing = try await self.engine.hub.missing(sent)
            let lanes = try await self.engine.store.resend(
                missing,
                restore: restore.restoreId,
                checkedTo: last,
                at: Timestamp.string(self.engine.clock.now())
            )
            for lane in lanes { await self.engine.notifier.notify(NodeEngine.Signal.outbox(lane)) }
            resent += missing.count
            checkedTo = last
        }
        guard !Task.isShuttingDownGracefully else { return }
        var lost: [String] = []
        var held: [String] = []
        let received = try await self.engine.store.receivedPackages(from: restore.lostFrom, to: restore.lostTo)
        for start in stride(from: 0, to: received.count, by: Self.page) {
            let ids = Array(received[start..<min(start + Self.page, received.count)])
            let missing = Set(try await self.engine.hub.missing(ids))
            lost += ids.filter { missing.contains($0) }
            held += ids.filter { !missing.contains($0) }
        }
        try await self.engine.store.finishRestore(restore.restoreId, missing: lost, held: held, at: Timestamp.string(self.engine.clock.now()))
        await self.engine.notifier.notify(NodeEngine.Signal.reports)
        self.engine.logger.error(
            "checked this node's packages against the restored hub 已核对恢复后的中心平台",
            metadata: [
                "xietong.restore": "\(restore.restoreId)", "xietong.sent_again": "\(resent)",
                "xietong.received_awaiting_sender": "\(lost.count)", "xietong.received_reported_again": "\(held.count)",
            ]
        )
    }
}
