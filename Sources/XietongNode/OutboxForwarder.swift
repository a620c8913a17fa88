import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// Forwards the outbox to the hub (ZJ-7.2.3 a), lane by lane. A lane sends the packages at its head together, in
/// order, in one request, and records the hub's receipts in one transaction; on failure it retries the same packages
/// with backoff and jitter. Nothing leaves the outbox before the hub's receipt is recorded, so a crash at any moment
/// only causes a resend, which the hub recognises.
struct OutboxForwarder: NamedService {
    let engine: NodeEngine
    static let batchLimit = 32

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for lane in 0..<self.engine.configuration.lanes {
                group.addTask { await self.runLane(lane) }
            }
        }
    }

    func runLane(_ lane: Int) async {
        let signal = NodeEngine.Signal.outbox(lane)
        await self.engine.loop.run { now in
            if let wait = self.engine.whileTheHubIsDown { return wait }
            do {
                let version = await self.engine.version(of: signal)
                let batch = try await self.engine.store.pendingBatch(lane: lane, now: Timestamp.string(now), limit: Self.batchLimit)
                guard !batch.isEmpty else {
                    // Nothing pending, or the head is waiting for its retry time.
                    let waiting = try await self.engine.store.nextPending(lane: lane, now: Timestamp.string(now)) != nil
                    return .wait(for: signal, upTo: waiting ? .milliseconds(50) : .seconds(5), since: version)
                }
                try await self.forward(batch)
                return .again
            } catch {
                self.engine.logger.warning("outbox lane failed", metadata: ["xietong.lane": "\(lane)", "xietong.error": "\(error)"])
                return .sleep(.milliseconds(200))
            }
        }
    }

    func forward(_ batch: [NodeStore.OutboxItem]) async throws {
        // One span per package and attempt, continuing the trace stored with it in the outbox (issue 22).
        let spans = batch.map { item in
            let span = self.engine.tracing.start("xietong.node.forward", packageId: item.packageId, continuing: item.traceparent, kind: .producer)
            span?.set("xietong.attempt", String(item.attempts + 1))
            return span
        }
        do {
            // A failed attempt (retried later) ends the spans as failed too.
            let failure = try await self.forward(batch, spans: spans)
            for span in spans { span.end(error: failure) }
        } catch {
            for span in spans { span.end(error: error) }
            throw error
        }
    }

    /// Hands the batch to the hub: nil when the hub took it, else the failure after which it is tried again later.
    func forward(_ batch: [NodeStore.OutboxItem], spans: [PackageSpan?]) async throws -> HubClient.Failure? {
        do {
            for item in batch {
                for file in item.attachments {
                    try await self.engine.hub.ensureBlob(file.sha256, size: file.size, from: self.engine.blobs)
                }
            }
            // Each package goes with the node's signature over its bytes and attachment hashes (issue 6).
            let signatures = try self.engine.identity.map { identity throws(TrustError) in
                try batch.map { item throws(TrustError) in
                    try PackageSignature.sign(
                        packageId: item.packageId,
                        content: item.content,
                        attachmentSHA256s: item.attachments.map(\.sha256),
                        by: identity
                    )
                }
            }
            // A package sent again to a restored hub that lost it goes with the hub's receipt for it (issue 19).
            let replays = batch.contains { $0.hubReceipt != nil } ? batch.map(\.hubReceipt) : nil
            let traceparents = spans.contains { $0 != nil } ? spans.map(\.traceparent) : nil
            let (receipts, certificate) = try await self.engine.hub.send(
                packages: batch.map(\.content),
                signatures: signatures,
                replays: replays,
                traceparents: traceparents
            )
            // The hub's signature on each receipt: kept with it as the node's proof of hand-over (issue 6).
            if let trust = self.engine.identity?.trust {
                for receipt in receipts {
                    do throws(TrustError) {
                        guard let signature = receipt.hubSignature, let certificate else {
                            throw TrustError(.badSignature, zh: "回执没有中心平台签名", en: "the receipt has no hub signature")
                        }
                        _ = try await trust.verifySignature(
                            signature,
                            over: receipt.signedBytes,
                            certificatePEM: certificate,
                            organisation: self.engine.configuration.hub.organisation
                        )
                    } catch {
                        throw HubClient.Failure(
                            status: nil,
                            message: "the hub's receipt for \(receipt.packageId) does not verify: \(error.message.en)"
                        )
                    }
                }
            }
            // The hub's hops (or its refusal) are recorded from the receipts, and shown on the WebSocket (ZJ-5.2.2 b).
            await self.engine.announce(
                NodeStore.Recorded(events: try await self.engine.store.settle(zip(batch, receipts).map { ($0.packageId, $1) }))
            )
            self.count(batch, receipts)
            return nil
        } catch let failure as HubClient.Failure {
            let head = batch[0]
            let delay = self.engine.retry.delay(afterAttempt: head.attempts)
            try await self.engine.store.retryLater(packageId: head.packageId, at: self.engine.later(delay), error: failure.description)
            self.engine.metrics.count(.retries, [("queue", "outbox"), ("reason", failure.status.map { "hub_status_\($0)" } ?? "hub_unreachable")])
            if head.attempts % 10 == 0 {
                self.engine.logger.warning(
                    "hub unreachable; packages wait in the outbox",
                    metadata: ["xietong.package": "\(head.packageId)", "xietong.attempts": "\(head.attempts + 1)", "xietong.error": "\(failure)"]
                )
            }
            return failure
        }
    }

    /// Counts the hub's answers for a batch, and how long each package waited in the outbox for it.
    func count(_ batch: [NodeStore.OutboxItem], _ receipts: [Receipt]) {
        let now = self.engine.clock.now()
        for (item, receipt) in zip(batch, receipts) {
            let code = receipt.status == .accepted ? "none" : receipt.findings.first { $0.severity == .error }?.code.rawValue ?? "none"
            self.engine.metrics.count(
                .packages,
                [("hop", "forward"), ("outcome", receipt.status == .accepted ? "forwarded" : "refused"), ("code", code)]
            )
            if let accepted = Timestamp.date(item.acceptedAt) {
                self.engine.metrics.observe(.hopDuration, [("hop", "forward")], .seconds(max(now.timeIntervalSince(accepted), 0)))
            }
        }
    }
}
