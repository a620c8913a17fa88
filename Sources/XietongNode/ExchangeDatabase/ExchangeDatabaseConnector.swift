import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Serves a business system through its exchange database (中间库, issue 24; ZJ-7.1.3.1 b): connects to it, checks
/// its tables against the documented layout (ZJ-7.1.2.3 e), takes the packages the business system writes
/// (`ExchangeIntake`), writes back each one's hops, and reports the packages it marked taken as signed for.
/// Delivery into its inbound tables goes through the node's delivery loop (`ExchangeDatabaseTarget`).
struct ExchangeDatabaseConnector: NamedService {
    let engine: NodeEngine
    let settings: NodeConfiguration.ExchangeDatabaseSettings
    let location: DatabaseURL

    var connection: ExchangeConnection { self.engine.exchange }
    var pollInterval: Duration { .milliseconds(Int64(self.settings.pollIntervalSeconds * 1000)) }

    func run() async throws {
        self.connection.update {
            $0.state = .connecting
            $0.database = self.location.redacted
        }
        guard let exchange = await self.connect() else { return }
        self.connection.open(exchange)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.watchSchema(exchange) }
            group.addTask { await ExchangeIntake(engine: self.engine, exchange: exchange, settings: self.settings).run() }
            group.addTask { await self.writeHops(exchange) }
            if self.engine.configuration.delivery.mode == .exchangeDatabase {
                group.addTask { await self.reportTaken(exchange) }
                group.addTask { await self.reconcileInbound(exchange) }
            }
        }
        self.connection.open(nil)
        await exchange.database.close()
    }

    /// Opens the database, trying again every few seconds while it does not answer: the node serves its other
    /// business systems meanwhile. Nil when the node stops first.
    func connect() async -> ExchangeDatabase? {
        var attempts = 0
        var opened: ExchangeDatabase? = nil
        await self.engine.loop.run { _ in
            do {
                let database = try await self.location.open(migrations: [], logger: self.engine.logger)
                self.engine.logger.info("connected to the exchange database", metadata: ["xietong.database": "\(self.location.redacted)"])
                opened = ExchangeDatabase(database: database)
                return .stop
            } catch {
                let text = LocalizedText(zh: "无法连接中间库：\(error)", en: "cannot connect to the exchange database: \(error)")
                self.connection.update {
                    $0.state = .connecting
                    $0.problems = [text]
                }
                if attempts % 12 == 0 {
                    self.engine.logger.warning(
                        "cannot connect to the exchange database; trying again",
                        metadata: ["xietong.database": "\(self.location.redacted)", "xietong.error": "\(error)"]
                    )
                }
                attempts += 1
                return .sleep(.seconds(5))
            }
        }
        return opened
    }

    /// Compares the tables with the layout every few seconds (ZJ-7.1.2.3 e). A change stops the direction whose
    /// tables it touches, keeps what the node holds, and raises an alarm naming it; when the tables match again, the
    /// direction resumes.
    func watchSchema(_ exchange: ExchangeDatabase) async {
        var reported: [ExchangeSchemaChange]? = nil
        await self.engine.loop.run { now in
            let found: [ExchangeSchemaChange]
            do {
                found = try await exchange.schemaChanges()
            } catch {
                self.connection.update {
                    $0.state = .connecting
                    $0.problems = [LocalizedText(zh: "中间库无法读取：\(error)", en: "the exchange database cannot be read: \(error)")]
                }
                return .sleep(.seconds(5))
            }
            // The inbound tables matter only where the node delivers into them.
            let delivering = self.engine.configuration.delivery.mode == .exchangeDatabase
            let changes = found.filter { $0.direction == .outbound || delivering }
            let outbound = changes.contains { $0.direction == .outbound }
            let inbound = changes.contains { $0.direction == .inbound }
            self.connection.update {
                $0.state = outbound || inbound ? .stopped : .running
                $0.problems = changes.map(\.text)
                $0.outboundStopped = outbound
                $0.inboundStopped = inbound
            }
            if changes != reported {
                let at = Timestamp.string(now)
                do {
                    if !changes.isEmpty {
                        let detail = LocalizedText(
                            zh: "中间库表结构变化，已停止\(outbound ? "发送" : "")\(outbound && inbound ? "和" : "")\(inbound ? "投递" : "")："
                                + changes.map(\.text.zh).joined(separator: "；"),
                            en:
                                "the exchange database's tables changed; stopped \([outbound ? "intake" : nil, inbound ? "delivery" : nil].compactMap { $0 }.joined(separator: " and ")): "
                                + changes.map(\.text.en).joined(separator: "; ")
                        )
                        try await self.engine.store.raise(ExchangeAlarm(at: at, kind: .schemaChanged, detail: detail))
                        self.engine.metrics.count(.exchangeAlarms, [("kind", ExchangeAlarm.Kind.schemaChanged.rawValue)])
                        self.engine.logger.error(
                            "the exchange database's tables changed; intake or delivery stopped",
                            metadata: ["xietong.changes": "\(changes.map(\.text.en).joined(separator: "; "))"]
                        )
                    } else if reported != nil {
                        let detail = LocalizedText(zh: "中间库表结构已恢复，继续收发", en: "the exchange database's tables match the layout again; resumed")
                        try await self.engine.store.raise(ExchangeAlarm(at: at, kind: .schemaRestored, detail: detail))
                        self.engine.logger.notice("the exchange database's tables match the layout again; resumed")
                    }
                    reported = changes
                } catch {
                    self.engine.logger.warning("cannot record the exchange database's alarm", metadata: ["xietong.error": "\(error)"])
                }
            }
            return .sleep(.seconds(min(5, max(self.settings.pollIntervalSeconds, 0.5))))
        }
    }

    /// Copies each sent package's hops into `xt_outbound_hop`, and its newest hop and unified code into its status
    /// rows, until a final hop (signed for, returned, refused). Goes round every unsettled package a page at a time,
    /// so that packages never signed for do not hold back newer ones.
    func writeHops(_ exchange: ExchangeDatabase) async {
        var after: String? = nil
        await self.engine.loop.run { now in
            guard self.connection.snapshot.intakeMayRun else { return .sleep(.seconds(1)) }
            do {
                let page = try await self.engine.store.unsettledExchangeSends(after: after, limit: 200)
                for sent in page {
                    let outcome = try await ExchangeOutcome.of(sent.packageId, store: self.engine.store)
                    guard outcome.events.count > sent.hopsWritten else { continue }
                    try await exchange.write(
                        hops: outcome.events,
                        of: sent.packageId,
                        lastHop: outcome.lastHop,
                        unifiedCaseCode: outcome.unifiedCaseCode,
                        at: Timestamp.string(now)
                    )
                    let settled = outcome.events.contains { Hop.final.contains($0.hop) }
                    try await self.engine.store.noteExchangeHops(contentSHA256: sent.contentSHA256, written: outcome.events.count, settled: settled)
                }
                after = page.count == 200 ? page.last?.contentSHA256 : nil
                return page.count == 200 ? .again : .sleep(self.pollInterval)
            } catch {
                self.engine.logger.warning("cannot write hops to the exchange database", metadata: ["xietong.error": "\(error)"])
                return .sleep(.seconds(2))
            }
        }
    }

    /// Every `reconcileIntervalSeconds`, compares the packages the node delivered with `xt_inbound`, and writes again
    /// those it no longer holds (a restored copy of the exchange database): nothing the node delivered is lost with
    /// it. Written exactly as delivery writes them; the administrator is told.
    func reconcileInbound(_ exchange: ExchangeDatabase) async {
        let target = ExchangeDatabaseTarget(engine: self.engine, inlineLimit: Int(self.settings.inlineAttachmentLimitMB * 1_048_576))
        await self.engine.loop.run { now in
            guard !self.connection.snapshot.inboundStopped, self.connection.snapshot.state == .running else { return .sleep(.seconds(1)) }
            do {
                var after = 0
                var restored = 0
                while true {
                    let page = try await self.engine.store.inbox(afterSeq: after, limit: 500)
                    guard let last = page.last else { break }
                    after = last.feedSeq
                    let delivered = page.filter { $0.state != "stored" }
                    let held = try await exchange.heldInbound(delivered.map(\.packageId))
                    for item in delivered where !held.contains(item.packageId) {
                        guard let (stored, content) = try await self.engine.store.inboxContent(item.packageId) else { continue }
                        try await target.deliver(stored, content: content)
                        restored += 1
                    }
                }
                if restored > 0 {
                    let detail = LocalizedText(
                        zh: "中间库缺少本节点已投递的 \(restored) 个数据包（可能被还原为旧副本），已重新写入",
                        en: "the exchange database lacked \(restored) packages this node had delivered (an older copy restored?); written again"
                    )
                    try await self.engine.store.raise(ExchangeAlarm(at: Timestamp.string(now), kind: .inboundRestored, detail: detail))
                    self.engine.metrics.count(.exchangeAlarms, [("kind", ExchangeAlarm.Kind.inboundRestored.rawValue)])
                    self.engine.logger.error(
                        "exchange database: delivered packages were missing; written again",
                        metadata: ["xietong.count": "\(restored)"]
                    )
                }
                return .sleep(.milliseconds(Int64(self.settings.reconcileIntervalSeconds * 1000)))
            } catch {
                self.engine.logger.warning("cannot compare the exchange database's inbound packages", metadata: ["xietong.error": "\(error)"])
                return .sleep(.seconds(5))
            }
        }
    }

    /// Reports the packages the business system marked taken (`taken_at`) as signed for (签收), then notes that it
    /// did. A crash in between reports again, which the store answers as done already.
    func reportTaken(_ exchange: ExchangeDatabase) async {
        await self.engine.loop.run { now in
            guard !self.connection.snapshot.inboundStopped else { return .sleep(.seconds(1)) }
            do {
                let taken = try await exchange.taken()
                for packageId in taken {
                    if try await self.engine.store.hasInbox(packageId) {
                        let recorded = try await self.engine.store.receiverAction(packageId, hop: .signedFor, reason: nil)
                        await self.engine.announce(recorded)
                    } else {
                        self.engine.logger.warning(
                            "the exchange database marked a package taken that this node never received",
                            metadata: ["xietong.package": "\(packageId)"]
                        )
                    }
                    try await exchange.markSignedReported(packageId, at: Timestamp.string(now))
                }
                return taken.isEmpty ? .sleep(self.pollInterval) : .again
            } catch {
                self.engine.logger.warning("cannot read taken packages from the exchange database", metadata: ["xietong.error": "\(error)"])
                return .sleep(.seconds(2))
            }
        }
    }
}
