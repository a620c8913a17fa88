import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongStore

/// Forwards the outbox to the hub (ZJ-7.2.3 a), lane by lane. Within a lane packages go strictly in order, and a
/// package is retried with backoff and jitter until the hub answers; nothing leaves the outbox before the hub's
/// receipt is recorded, so a crash at any moment only causes a resend, which the hub recognises.
struct OutboxForwarder: Service {
    let engine: NodeEngine

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for lane in 0..<self.engine.configuration.lanes {
                group.addTask { await self.runLane(lane) }
            }
        }
    }

    func runLane(_ lane: Int) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                guard let next = try await self.engine.store.nextPending(lane: lane, now: Timestamp.now()) else {
                    await self.engine.pause(NodeEngine.Signal.outbox(lane), seconds: 5)
                    continue
                }
                guard next.due else {
                    await self.engine.pause(NodeEngine.Signal.outbox(lane), seconds: 0.05)
                    continue
                }
                try await self.forward(next.item)
            } catch {
                self.engine.logger.warning("outbox lane failed", metadata: ["xietong.lane": "\(lane)", "xietong.error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func forward(_ item: NodeStore.OutboxItem) async throws {
        do {
            for file in item.attachments {
                try await self.engine.hub.ensureBlob(file.sha256, size: file.size, from: self.engine.blobs)
            }
            let receipt = try await self.engine.hub.send(package: item.content)
            try await self.engine.store.settle(packageId: item.packageId, hubReceipt: receipt)
            if receipt.status == .refused {
                await self.engine.broadcaster.publish(
                    PackageEvent(
                        packageId: item.packageId,
                        hop: .refused,
                        organisation: self.engine.configuration.organisation,
                        detail: "hub",
                        findings: receipt.findings
                    )
                )
            }
        } catch let failure as HubClient.Failure {
            let delay = self.engine.retry.delay(afterAttempt: item.attempts)
            try await self.engine.store.retryLater(packageId: item.packageId, at: self.engine.later(delay), error: failure.description)
            if item.attempts % 10 == 0 {
                self.engine.logger.warning(
                    "hub unreachable; the package waits in the outbox",
                    metadata: ["xietong.package": "\(item.packageId)", "xietong.attempts": "\(item.attempts + 1)", "xietong.error": "\(failure)"]
                )
            }
        }
    }
}
