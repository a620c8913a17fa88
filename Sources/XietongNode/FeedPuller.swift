import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// Reads this organisation's feed from the hub (ZJ-7.2.3 b): fetches each package and its attachments, verifies
/// them, stores them durably, and only then moves its cursor. After a crash it starts again from the cursor;
/// storing is idempotent, so nothing is lost and nothing is stored twice.
struct FeedPuller: NamedService {
    let engine: NodeEngine

    func run() async throws {
        var cursor = (try? await self.engine.store.feedCursor()) ?? 0
        // The node's positions are the hub's plus the offset, which grows when a restored hub's feed is read again
        // from where it and the node's part (issue 19); `boots`: the hub runs that may have written the entry at the
        // cursor, so that the hub can tell whether it still holds it.
        var offset = (try? await self.engine.store.feedOffset()) ?? 0
        var boots = (try? await self.engine.store.feedRuns(containing: cursor - offset)) ?? []
        var failures = 0
        await self.engine.loop.run { _ in
            if let wait = self.engine.whileTheHubIsDown { return wait }
            do {
                let after = cursor - offset
                let known = boots
                // The feed moves: a poll begins (readiness counts it stalled only when none begins or answers for a
                // minute, so that a long page of large dossiers does not make a busy node unready).
                self.engine.hub.link.feedMoved(at: self.engine.clock.now())
                var entries: [FeedEntry]
                switch try await cancelWhenGracefulShutdown({ try await self.engine.hub.feed(after: after, boots: known, wait: 20) }) {
                case .diverged(let runs):
                    (offset, boots) = try await self.rewind(cursor: cursor, offset: offset, sent: known, hubRuns: runs)
                    return .again
                case .entries(let page):
                    entries = page
                }
                self.engine.hub.link.feedMoved(at: self.engine.clock.now())
                try await self.engine.store.noteRuns(entries.compactMap { entry in entry.boot.map { ($0, entry.seq) } })
                let lastBoots = entries.last.map { $0.boot.map { [$0] } ?? [] }
                for index in entries.indices { entries[index].seq += offset }
                var index = 0
                while index < entries.count {
                    // A run of status events is applied in one transaction, together with the cursor.
                    let events = entries[index...].prefix { $0.kind == .event }
                    if !events.isEmpty {
                        let last = events.last!.seq
                        await self.engine.announce(
                            NodeStore.Recorded(events: try await self.engine.store.apply(events.compactMap(\.event), cursor: last))
                        )
                        cursor = last
                        index += events.count
                        continue
                    }
                    // A run of deliveries is fetched and checked one by one, then stored in one transaction with the
                    // cursor (one durable commit for the run); a refusal first stores what came before it.
                    let deliveries = entries[index...].prefix { $0.kind == .delivery }
                    if !deliveries.isEmpty {
                        var batch: [(delivery: Delivery, seq: Int, content: [UInt8])] = []
                        for entry in deliveries {
                            // The package's trace goes on from the hub's span that stored it (issue 22).
                            let receive = self.engine.tracing.start(
                                "xietong.node.receive",
                                packageId: entry.delivery?.packageId,
                                continuing: entry.delivery?.traceparent,
                                kind: .consumer
                            )
                            let prepared: Prepared
                            do {
                                prepared = try await self.prepare(entry)
                                receive.end()
                            } catch {
                                receive.end(error: error)
                                throw error
                            }
                            switch prepared {
                            case .ready(var delivery, let content):
                                delivery.traceparent = receive.traceparent ?? delivery.traceparent
                                batch.append((delivery, entry.seq, content))
                            case .stored: break
                            case .refuse(let delivery, let finding):
                                try await self.store(batch, cursor: batch.last?.seq)
                                batch = []
                                try await self.refuse(delivery, cursor: entry.seq, finding)
                            }
                        }
                        try await self.store(batch, cursor: deliveries.last!.seq)
                        cursor = deliveries.last!.seq
                        index += deliveries.count
                        continue
                    }
                    try await self.process(entries[index])
                    cursor = entries[index].seq
                    index += 1
                }
                if let lastBoots { boots = lastBoots }
                failures = 0
                return .again
            } catch  where Task.isCancelled {
                // Stopping: a cancelled poll arrives as the client's failure, not as a CancellationError.
                return .stop
            } catch {
                // The page may have been applied in part: the runs of the entry now at the cursor, as recorded.
                boots = (try? await self.engine.store.feedRuns(containing: cursor - offset)) ?? boots
                failures += 1
                if failures % 10 == 1 {
                    self.engine.logger.warning("cannot read the feed from the hub; retrying", metadata: ["xietong.error": "\(error)"])
                }
                // The backoff ends early when the hub answers again (HubWatch).
                return .wait(for: HubLink.returned, upTo: .seconds(self.engine.retry.delay(afterAttempt: failures)))
            }
        }
    }

    /// The hub does not hold the entry at the cursor: it was restored from an older copy of its database (issue 19).
    /// Reads on after the last entry both hold, with the node's own positions going on from the cursor, and starts
    /// the check of this node's packages against the restored hub (HubRestoreCheck). Returns the new offset and runs.
    func rewind(cursor: Int, offset: Int, sent: [String], hubRuns: [FeedRun]) async throws -> (offset: Int, boots: [String]) {
        let hubCursor = cursor - offset
        let resume = FeedLineage.resume(hub: hubRuns, node: try await self.engine.store.feedRuns(), cursor: hubCursor)
        if resume.after == hubCursor {
            // Nothing lost: the runs sent were out of date (a page applied in part). The same runs again would loop.
            guard resume.boots != sent else {
                throw HubClient.Failure(status: 409, message: "the hub does not hold feed position \(hubCursor) under the runs this node read")
            }
            return (offset, resume.boots)
        }
        let newOffset = try await self.engine.store.rewindFeed(cursor: cursor, hubCursor: hubCursor, resumeAfter: resume.after, at: Timestamp.now())
        self.engine.logger.error(
            "the hub no longer holds what this node read of its feed: it was restored from an older copy. Reading its feed again from where the two part, and checking this node's packages against it 中心平台已从较早的备份恢复",
            metadata: [
                "xietong.hub_cursor": "\(hubCursor)", "xietong.resumed_after": "\(resume.after)",
                "xietong.lost_entries": "\(hubCursor - resume.after)",
            ]
        )
        await self.engine.notifier.notify(NodeEngine.Signal.restore)
        return (newOffset, resume.boots)
    }

    func process(_ entry: FeedEntry) async throws {
        if let reminder = entry.reminder {
            if try await self.engine.store.store(reminder, feedSeq: entry.seq) {
                await self.engine.broadcaster.publish(reminder)
            }
            return
        }
        if let notice = entry.booking {
            if try await self.engine.store.store(notice, feedSeq: entry.seq) {
                await self.engine.broadcaster.publish(notice)
            }
            return
        }
        if let head = entry.treeHead {
            try await self.check(head, feedSeq: entry.seq)
            return
        }
        // An entry of a kind this node does not know (a newer hub): pass over it.
        try await self.engine.store.setFeedCursor(entry.seq)
    }

    enum Prepared {
        /// Fetched and verified, with its attachments: to store.
        case ready(Delivery, [UInt8])
        /// Stored before (a resend of the feed after a crash).
        case stored
        /// To refuse, with the reason.
        case refuse(Delivery, Finding)
    }

    /// Fetches a delivery's bytes and attachments and checks them against the hub's record and the sender's
    /// signature. Throws on a passing failure (the hub unreachable), so that the feed is read again.
    func prepare(_ entry: FeedEntry) async throws -> Prepared {
        guard var delivery = entry.delivery else { return .stored }
        if try await self.engine.store.hasInbox(delivery.packageId) {
            // Lost by a restored hub and sent again by its sender: the hub is owed this node's hops again (issue 19).
            if try await self.engine.store.recovered(delivery.packageId, at: Timestamp.string(self.engine.clock.now())) {
                await self.engine.notifier.notify(NodeEngine.Signal.reports)
            }
            return .stored
        }
        let fetched = try await self.engine.hub.content(of: delivery, hub: HubClient.ownHub)
        // Not kept twice: the bytes are stored on their own.
        delivery.content = nil
        let content: [UInt8]
        switch fetched {
        case .content(let bytes): content = bytes
        case .mismatch(let finding): return .refuse(delivery, finding)
        }
        let digest = delivery.contentSHA256
        // The sender's signature, checked again here: the hub cannot alter a package unnoticed (issue 6).
        if let trust = self.engine.identity?.trust {
            var problem: Finding?
            if let signature = delivery.signature {
                do throws(TrustError) {
                    try await signature.verify(
                        packageId: delivery.packageId,
                        contentSHA256: digest,
                        attachmentSHA256s: delivery.attachments.map(\.sha256),
                        sender: delivery.sender,
                        trust: trust
                    )
                } catch {
                    problem = PackageSignature.finding(error)
                }
            } else {
                problem = PackageSignature.finding(
                    .signatureMissing,
                    LocalizedText(zh: "收到的数据包没有发送方签名", en: "the package arrived without its sender's signature")
                )
            }
            if let problem {
                self.engine.logger.warning(
                    "refused a package whose signature does not verify",
                    metadata: ["xietong.package": "\(delivery.packageId)", "xietong.finding": "\(problem.message.en)"]
                )
                return .refuse(delivery, problem)
            }
        }
        if let finding = try await self.engine.hub.attachments(of: delivery, into: self.engine.blobs, hub: HubClient.ownHub) {
            return .refuse(delivery, finding)
        }
        return .ready(delivery, content)
    }

    /// Stores verified deliveries, their hops and the cursor in one transaction, then tells who waits.
    func store(_ batch: [(delivery: Delivery, seq: Int, content: [UInt8])], cursor: Int?) async throws {
        guard let cursor else { return }
        // Each package's span of storing it here; the stored context is the one its push to the business system
        // continues (issue 22).
        var batch = batch
        var spans: [PackageSpan] = []
        for index in batch.indices {
            let delivery = batch[index].delivery
            if let span = self.engine.tracing.start("xietong.node.store", packageId: delivery.packageId, continuing: delivery.traceparent) {
                batch[index].delivery.traceparent = span.traceparent
                spans.append(span)
            }
        }
        let recorded: NodeStore.Recorded
        do {
            recorded = try await self.engine.store.store(batch, cursor: cursor)
            for span in spans { span.end() }
        } catch {
            for span in spans { span.end(error: error) }
            throw error
        }
        let now = self.engine.clock.now()
        for entry in batch {
            self.engine.metrics.count(.packages, [("hop", "receive"), ("outcome", "received"), ("code", "none")])
            if let accepted = Timestamp.date(entry.delivery.acceptedAt) {
                self.engine.metrics.observe(.hopDuration, [("hop", "receive")], .seconds(max(now.timeIntervalSince(accepted), 0)))
            }
        }
        await self.engine.announce(recorded)
        if !batch.isEmpty { await self.engine.notifyDelivery(ofCases: batch.map(\.delivery.unifiedCaseCode)) }
    }

    func refuse(_ delivery: Delivery, cursor: Int, _ finding: Finding) async throws {
        self.engine.logger.warning(
            "incoming package refused",
            metadata: ["xietong.package": "\(delivery.packageId)", "xietong.finding": "\(finding.code)"]
        )
        self.engine.metrics.count(.packages, [("hop", "receive"), ("outcome", "refused"), ("code", finding.code.rawValue)])
        await self.engine.announce(try await self.engine.store.refuseIncoming(delivery, findings: [finding], cursor: cursor))
    }
}
