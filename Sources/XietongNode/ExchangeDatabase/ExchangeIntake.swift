import Foundation
import Logging
import XietongCore
import XietongHTTP
import XietongStore

/// Takes the packages a business system writes into its exchange database's `xt_outbound` (issue 24): reads new rows
/// by their change column from a durable watermark, sends each through the node as if it had been POSTed, and writes
/// the outcome back. Handles the failures of incremental sync that ZJ-7.1.2.3 lists:
/// - (a) a row re-keyed in an upgrade is recognised by its content and not sent again;
/// - (b), (c) a row outside the rules or the code sets is refused with its findings written back; a corrected row
///   (a new change value) goes through;
/// - (d) a broken increment (the change column went backwards, rows written below the watermark, a restored copy) is
///   detected, reconciled against the ledger of rows read, and alarmed;
/// - (e) a schema change stops intake (`ExchangeDatabaseConnector.watchSchema`).
///
/// Each step is repeatable: the node answers a package it holds with its first receipt, so a crash between sending
/// and recording sends nothing twice, and the watermark moves only after the rows below it are recorded.
struct ExchangeIntake {
    let engine: NodeEngine
    let exchange: ExchangeDatabase
    let settings: NodeConfiguration.ExchangeDatabaseSettings

    static let page = 50

    var connection: ExchangeConnection { self.engine.exchange }

    func run() async {
        await self.engine.loop.run { now in
            guard self.connection.snapshot.intakeMayRun else { return .sleep(.milliseconds(500)) }
            do {
                return try await self.round(now)
            } catch {
                self.engine.logger.warning("exchange database intake failed; trying again", metadata: ["xietong.error": "\(error)"])
                return .sleep(.seconds(2))
            }
        }
    }

    func round(_ now: Date) async throws -> WorkerLoop.Next {
        var progress = try await self.engine.store.exchangeProgress()
        if let watermark = progress.position {
            let increment = try await self.exchange.increment(watermark: watermark)
            let verdict = IncrementCheck.judge(
                watermark: watermark.changeSeq,
                tableMax: increment.tableMax,
                rowsAtOrBelow: increment.rowsAtOrBelow,
                expectedAtOrBelow: progress.rowsAtOrBelow
            )
            if verdict != .inOrder {
                try await self.repair(verdict, watermark: watermark, now: now)
                progress = try await self.engine.store.exchangeProgress()
            }
        }
        let due = progress.reconciledAt.flatMap(Timestamp.date).map { now.timeIntervalSince($0) >= self.settings.reconcileIntervalSeconds } ?? true
        if due {
            var missed = 0
            if let watermark = progress.position { missed = try await self.reconcile(upTo: watermark) }
            try await self.engine.store.markExchangeReconciled(at: Timestamp.string(now))
            if missed > 0 {
                try await self.alarm(
                    LocalizedText(
                        zh: "定期核对发现增量遗漏的 \(missed) 行，已补发",
                        en: "the periodic reconciliation found \(missed) rows the increment had skipped, and sent them"
                    ),
                    now: now
                )
            }
        }
        let rows = try await self.exchange.rows(after: progress.position, limit: Self.page)
        var position = progress.position
        if let last = rows.last {
            // Counted right after the reading, before the (slower) sending: a row committed late from now on shows
            // as one more row at or below the watermark at the next round.
            let counted = try await self.exchange.increment(watermark: last.position)
            for row in rows { try await self.take(row, now: now) }
            position = last.position
            try await self.engine.store.setExchangeProgress(last.position, rowsAtOrBelow: counted.rowsAtOrBelow, at: Timestamp.string(now))
        }
        let lag = try await self.exchange.lag(after: position)
        self.connection.update {
            $0.lag = lag
            $0.watermark = position
            $0.lastReadAt = Timestamp.string(now)
        }
        return rows.count == Self.page ? .again : .sleep(.milliseconds(Int64(self.settings.pollIntervalSeconds * 1000)))
    }

    /// A broken increment (ZJ-7.1.2.3 d).
    /// - Rows at or below the watermark that were not there before (late commits, old timestamps): every row at or
    ///   below it is compared with the ledger, and the missed ones are sent.
    /// - The change column went backwards (a reset sequence, a restored copy): new rows may reuse the keys and the
    ///   change values of rows read before, with other content, which no comparison of keys and values can tell. The
    ///   table is read again from its start; `take` passes over a row only when its key, change value and content's
    ///   hash are all as read, and content sent before is recognised by its hash and not sent again.
    /// Then the administrator is told.
    func repair(_ verdict: IncrementCheck, watermark: ExchangeDatabase.Position, now: Date) async throws {
        if case .wentBackwards = verdict {
            try await self.engine.store.setExchangeProgress(nil, rowsAtOrBelow: nil, at: Timestamp.string(now))
            try await self.alarm(
                LocalizedText(
                    zh: verdict.text.zh + "；已从头重新读取全表，已发送过的内容不会重发",
                    en: verdict.text.en + "; the table is read again from its start, and content sent before is not sent again"
                ),
                now: now
            )
            return
        }
        let missed = try await self.reconcile(upTo: watermark)
        let counted = try await self.exchange.increment(watermark: watermark)
        try await self.engine.store.setExchangeProgress(watermark, rowsAtOrBelow: counted.rowsAtOrBelow, at: Timestamp.string(now))
        try await self.alarm(
            LocalizedText(
                zh: verdict.text.zh + "；已核对全表，补发 \(missed) 行",
                en: verdict.text.en + "; reconciled the whole table and sent \(missed) missed rows"
            ),
            now: now
        )
    }

    func alarm(_ detail: LocalizedText, now: Date) async throws {
        try await self.engine.store.raise(ExchangeAlarm(at: Timestamp.string(now), kind: .brokenIncrement, detail: detail))
        self.engine.metrics.count(.exchangeAlarms, [("kind", ExchangeAlarm.Kind.brokenIncrement.rawValue)])
        self.engine.logger.error("exchange database: broken increment", metadata: ["xietong.detail": "\(detail.en)"])
    }

    /// Compares every row at or below `watermark` with the ledger of rows read, a page at a time, and takes those
    /// never read or changed since; returns how many it took.
    func reconcile(upTo watermark: ExchangeDatabase.Position) async throws -> Int {
        var after: ExchangeDatabase.Position? = nil
        var taken = 0
        while true {
            let keys = try await self.exchange.keys(after: after, upTo: watermark, limit: 500)
            guard let last = keys.last else { return taken }
            after = ExchangeDatabase.Position(changeSeq: last.changeSeq, rowKey: last.rowKey)
            let read = try await self.engine.store.readRows(keys.map(\.rowKey))
            for key in keys where read[key.rowKey]?.changeSeq != key.changeSeq {
                guard let row = try await self.exchange.row(key.rowKey) else { continue }
                if try await self.take(row, now: self.engine.clock.now()) { taken += 1 }
            }
        }
    }

    /// Takes one row: sends its package (or recognises content sent before), writes the outcome to the exchange
    /// database, and records the row in the ledger. False when the ledger has the row with this change value and
    /// content already.
    @discardableResult
    func take(_ row: ExchangeDatabase.OutboundRow, now: Date) async throws -> Bool {
        let sha256 = ContentHash.sha256(row.xml)
        if let read = try await self.engine.store.readRows([row.rowKey])[row.rowKey], read.changeSeq == row.changeSeq, read.contentSHA256 == sha256 {
            return false
        }
        let at = Timestamp.string(now)
        let status: ExchangeDatabase.OutboundStatus
        if let sent = try await self.engine.store.exchangeSent(contentSHA256: sha256) {
            // The same content again: not sent again (ZJ-7.1.2.3 a).
            let outcome = try await ExchangeOutcome.of(sent.packageId, store: self.engine.store)
            let rekeyed = sent.rowKey != row.rowKey
            status = ExchangeDatabase.OutboundStatus(
                rowKey: row.rowKey,
                changeSeq: row.changeSeq,
                packageId: sent.packageId,
                contentSHA256: sha256,
                state: rekeyed ? .repeat : .accepted,
                unifiedCaseCode: outcome.unifiedCaseCode,
                lastHop: outcome.lastHop?.rawValue,
                receipt: outcome.receipt,
                repeatOf: rekeyed ? sent.rowKey : nil
            )
            if rekeyed {
                self.engine.metrics.count(.exchangeRows, [("outcome", "repeat")])
                self.engine.logger.notice(
                    "exchange database: a row re-keyed in an upgrade was recognised and not sent again",
                    metadata: ["xietong.row": "\(row.rowKey)", "xietong.first_row": "\(sent.rowKey)", "xietong.package": "\(sent.packageId)"]
                )
            } else if try await self.exchange.hasStatus(row.rowKey) {
                // Touched without a change: its outcome stands as written (the hops loop keeps it current).
                try await self.engine.store.recordExchangeRow(status, at: at)
                return true
            }
        } else {
            status = try await self.send(row, sha256: sha256)
        }
        try await self.exchange.write(status, at: at)
        try await self.engine.store.recordExchangeRow(status, at: at)
        return true
    }

    func send(_ row: ExchangeDatabase.OutboundRow, sha256: String) async throws -> ExchangeDatabase.OutboundStatus {
        let packageId = self.engine.checker.check(XMLBytes(row.xml), attachments: nil).package?.envelope.packageId
        var status = ExchangeDatabase.OutboundStatus(
            rowKey: row.rowKey,
            changeSeq: row.changeSeq,
            packageId: packageId,
            contentSHA256: sha256,
            state: .refused
        )
        if let packageId {
            let unreadable = try await self.load(attachmentsOf: packageId)
            guard unreadable.isEmpty else {
                status.findings = unreadable
                self.engine.countSubmit(refusedBy: unreadable)
                self.engine.metrics.count(.exchangeRows, [("outcome", "refused")])
                return status
            }
        }
        switch try await self.engine.send(row.xml) {
        case .accepted(let receipt, _):
            status.state = .accepted
            status.receipt = receipt
            status.findings = receipt.findings
            status.unifiedCaseCode = receipt.unifiedCaseCode
            status.lastHop = Hop.acceptedByNode.rawValue
            status.packageId = receipt.packageId
            self.engine.metrics.count(.exchangeRows, [("outcome", "accepted")])
        case .refused(let receipt):
            status.findings = receipt.findings
            status.receipt = receipt
            self.engine.metrics.count(.exchangeRows, [("outcome", "refused")])
        }
        return status
    }

    /// Puts the package's outbound attachments into the node's blob store (where its XML's hashes find them), one at a
    /// time; the files that cannot be read, as findings.
    func load(attachmentsOf packageId: String) async throws -> [Finding] {
        var findings: [Finding] = []
        for id in try await self.exchange.attachmentIds(of: packageId) {
            guard let attachment = try await self.exchange.attachment(of: packageId, id: id) else { continue }
            let location = "\(ExchangeDatabaseLayout.outboundAttachments)[package_id=\(packageId), attachment_id=\(id)]"
            if let content = attachment.content {
                _ = try await self.engine.blobs.write(content)
            } else if let path = attachment.path {
                if let problem = self.settings.refusal(ofPath: path) {
                    findings.append(Finding(.attachmentUnreadable, at: location + ".file_path", problem))
                    continue
                }
                do {
                    _ = try await self.engine.blobs.write(FileChunks(url: URL(fileURLWithPath: path), direct: false))
                } catch {
                    findings.append(
                        Finding(
                            .attachmentUnreadable,
                            at: location + ".file_path",
                            zh: "无法读取文件 \(path)：\(error)",
                            en: "cannot read \(path): \(error)"
                        )
                    )
                }
            } else {
                findings.append(
                    Finding(.attachmentUnreadable, at: location, zh: "content 与 file_path 均为空", en: "neither content nor file_path is set")
                )
            }
        }
        return findings
    }
}

/// What the node knows of a package it sent: its hub receipt, its unified case code, its newest hop. One place for the
/// exchange database's status rows and hop rows.
struct ExchangeOutcome {
    var receipt: Receipt?
    var unifiedCaseCode: String?
    var lastHop: Hop?
    var events: [PackageEvent]

    static func of(_ packageId: String, store: NodeStore) async throws -> ExchangeOutcome {
        let receipt = try await store.hubReceipt(of: packageId)
        let events = try await store.events(of: packageId)
        return ExchangeOutcome(
            receipt: receipt,
            unifiedCaseCode: receipt?.unifiedCaseCode ?? events.last { $0.hop == .coded }?.detail,
            lastHop: events.max { $0.at < $1.at }?.hop,
            events: events
        )
    }
}
