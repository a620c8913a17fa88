import Foundation
public import XietongCore
public import XietongStore
public import XietongTrust

/// `xietong audit verify` (issue 6): recomputes the evidence log from the hub's database and names any tampering —
/// a leaf missing or altered, an event row edited, deleted or added behind the log's back, an interior node changed,
/// a signed tree head the log no longer matches.
public enum EvidenceAudit {
    public struct Problem: Sendable, Codable, Hashable, CustomStringConvertible {
        /// Stable: `evidence.leaf-missing`, `evidence.leaf-altered`, `evidence.event-altered`, `evidence.event-deleted`,
        /// `evidence.event-unlogged`, `evidence.node-altered`, `evidence.tree-head-mismatch`,
        /// `evidence.tree-head-signature`; and (issue 19) `evidence.content-altered` (a package's stored bytes are not
        /// the ones the log recorded), `evidence.attachment-altered` / `evidence.attachment-missing`,
        /// `evidence.unsigned-leaves` (leaves no signed head covers), `evidence.log-truncated` and
        /// `evidence.log-rewritten` (against tree heads kept elsewhere, by the nodes).
        public var code: String
        public var message: LocalizedText

        public var description: String { "\(self.code): \(self.message.zh) / \(self.message.en)" }
    }

    public struct Report: Sendable, Codable {
        public var leaves: Int
        public var events: Int
        public var treeHeads: Int
        public var problems: [Problem]
    }

    /// A stored package's bytes, hashed now, beside what was recorded of them, and its attachments in the blob store.
    public struct Content: Sendable {
        public var packageId: String
        /// The SHA-256 of the bytes stored now.
        public var actual: String
        /// The SHA-256 in the package's row.
        public var recorded: String
        /// Each attachment: its SHA-256 and that of the blob stored under it now (nil when there is none).
        public var attachments: [(sha256: String, actual: String?)]
    }

    /// Every stored package's bytes and attachments, hashed (`blobs` nil: attachments are not checked). Read a page
    /// of packages at a time, so that a hub of millions of packages is audited in bounded memory; a package whose
    /// bytes are gone is there with an empty hash.
    public static func contents(store: HubStore, blobs: BlobStore?, page: Int = 500) async throws -> [Content] {
        var contents: [Content] = []
        var after = ""
        while true {
            let rows = try await store.database.execute(
                """
                SELECT p.package_key, p.package_id, p.content_sha256, c.content
                FROM packages p LEFT JOIN package_contents c ON c.package_key = p.package_key
                WHERE p.package_key > $1 ORDER BY p.package_key LIMIT $2
                """,
                [.text(after), .integer(page)]
            )
            guard let last = rows.last?.string("package_key") else { return contents }
            after = last
            var attachments: [String: [String]] = [:]
            if blobs != nil {
                let keys = rows.compactMap { $0.string("package_key") }
                let placeholders = keys.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
                for row in try await store.database.execute(
                    "SELECT package_id, sha256 FROM package_attachments WHERE package_key IN (\(placeholders)) ORDER BY attachment_id",
                    keys.map { .text($0) }
                ) {
                    attachments[row.string("package_id") ?? "", default: []].append(row.string("sha256") ?? "")
                }
            }
            for row in rows {
                let id = row.string("package_id") ?? ""
                let files = (attachments[id] ?? []).map { sha256 -> (sha256: String, actual: String?) in
                    guard let blobs, blobs.size(sha256) != nil else { return (sha256, nil) }
                    return (sha256, (try? BlobStore.hash(fileAt: blobs.url(sha256), direct: false))?.sha256 ?? "")
                }
                contents.append(
                    Content(
                        packageId: id,
                        actual: row.bytes("content").map { ContentHash.sha256($0) } ?? "",
                        recorded: row.string("content_sha256") ?? "",
                        attachments: files
                    )
                )
            }
        }
    }

    /// Audits a hub's database. `trust` checks tree heads signed with the hub's certificate; heads signed with an
    /// evidence key must all carry the same key. `blobs`: the hub's blob store, whose files are hashed against the
    /// attachments' hashes. `keptHeads`: tree heads the nodes kept (`GET /api/v1/evidence` of each node), against
    /// which a truncated or rolled-back log is named.
    public static func audit(
        store: HubStore,
        trust: TrustStore?,
        hub: String,
        blobs: BlobStore? = nil,
        keptHeads: [Evidence.TreeHead] = []
    ) async throws -> Report {
        let database = store.database
        let leaves = try await database.execute("SELECT leaf_index, package_id, hop, leaf, leaf_hash FROM evidence_leaves ORDER BY leaf_index", [])
            .map { Leaf(index: $0.int("leaf_index") ?? -1, leaf: $0.string("leaf") ?? "", hash: $0.string("leaf_hash") ?? "") }
        let nodes = try await database.execute("SELECT level, idx, hash FROM evidence_nodes ORDER BY level, idx", []).compactMap {
            row -> (level: Int, index: Int, hash: String)? in
            guard let level = row.int("level"), let index = row.int("idx") else { return nil }
            return (level, index, row.string("hash") ?? "")
        }
        return try await self.check(
            leaves: leaves,
            events: try await store.allEvents(),
            nodes: nodes,
            heads: try await store.treeHeads(),
            trust: trust,
            hub: hub,
            contents: try await self.contents(store: store, blobs: blobs),
            keptHeads: keptHeads
        )
    }

    /// A leaf as stored: its index, its text and its recorded hash (hex).
    public struct Leaf: Sendable, Codable, Hashable {
        public var index: Int
        public var leaf: String
        public var hash: String

        public init(index: Int, leaf: String, hash: String) {
            self.index = index
            self.leaf = leaf
            self.hash = hash
        }
    }

    /// The checks, on what was read from a database or from a running hub (which gives no event rows or nodes).
    public static func check(
        leaves: [Leaf],
        events: [PackageEvent]?,
        nodes: [(level: Int, index: Int, hash: String)],
        heads: [Evidence.TreeHead],
        trust: TrustStore?,
        hub: String,
        contents: [Content] = [],
        keptHeads: [Evidence.TreeHead] = []
    ) async throws -> Report {
        var problems: [Problem] = []
        func problem(_ code: String, _ zh: String, _ en: String) { problems.append(Problem(code: code, message: LocalizedText(zh: zh, en: en))) }

        // The leaves, recomputed from their text.
        var hashes: [[UInt8]] = []
        var logged: [String: (index: Int, leaf: String)] = [:]
        /// The package hashes the log recorded with the receipts.
        var loggedContent: [String: String] = [:]
        for row in leaves {
            let index = row.index
            let recorded = try? JSONDecoder().decode(PackageEvent.self, from: Data(row.leaf.utf8))
            let packageId = recorded?.packageId ?? "?"
            let hop = recorded?.hop.rawValue ?? "?"
            while hashes.count < index {
                problem("evidence.leaf-missing", "证据日志缺少第 \(hashes.count) 条记录", "leaf \(hashes.count) of the evidence log is missing")
                hashes.append(MerkleTree.emptyRoot)
            }
            let leaf = row.leaf
            let hash = MerkleTree.leafHash(Array(leaf.utf8))
            if Hex.string(hash) != row.hash {
                problem(
                    "evidence.leaf-altered",
                    "第 \(index) 条记录（数据包 \(packageId)，环节 \(hop)）已被改动，与记录的哈希不符",
                    "leaf \(index) (package \(packageId), hop \(hop)) was altered: it no longer hashes to its recorded hash"
                )
            }
            hashes.append(hash)
            logged["\(packageId)|\(hop)"] = (index, leaf)
            if let recorded, let sha256 = Evidence.contentSHA256(of: recorded) { loggedContent[recorded.packageId] = sha256 }
        }

        // Every event row against its leaf, and every leaf against its event row.
        var seen: Set<String> = []
        for event in events ?? [] {
            let key = "\(event.packageId)|\(event.hop.rawValue)"
            seen.insert(key)
            guard let entry = logged[key] else {
                problem(
                    "evidence.event-unlogged",
                    "事件（数据包 \(event.packageId)，环节 \(event.hop.rawValue)）不在证据日志中：它是绕过中心平台写入的",
                    "the event (package \(event.packageId), hop \(event.hop.rawValue)) is not in the evidence log: it was written behind the hub's back"
                )
                continue
            }
            if String(decoding: Evidence.leaf(event), as: UTF8.self) != entry.leaf {
                problem(
                    "evidence.event-altered",
                    "事件（数据包 \(event.packageId)，环节 \(event.hop.rawValue)，第 \(entry.index) 条）已被改动：现为 \(String(decoding: Evidence.leaf(event), as: UTF8.self))，记录为 \(entry.leaf)",
                    "the event (package \(event.packageId), hop \(event.hop.rawValue), leaf \(entry.index)) was edited: it reads \(String(decoding: Evidence.leaf(event), as: UTF8.self)) but the log recorded \(entry.leaf)"
                )
            }
        }
        for (key, entry) in logged.sorted(by: { $0.value.index < $1.value.index }) where events != nil && !seen.contains(key) {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            problem(
                "evidence.event-deleted",
                "事件（数据包 \(parts[0])，环节 \(parts.count > 1 ? parts[1] : "")，第 \(entry.index) 条）已从数据库中删除",
                "the event (package \(parts[0]), hop \(parts.count > 1 ? parts[1] : ""), leaf \(entry.index)) was deleted from the database"
            )
        }

        // The tree: stored interior nodes, and every signed head.
        let tree = MerkleTree.inMemory(leafHashes: hashes)
        for (level, index, stored) in nodes {
            let width = 1 << level
            guard (index + 1) * width <= hashes.count else { continue }
            if Hex.string(try await tree.hash(index * width, (index + 1) * width)) != stored {
                problem(
                    "evidence.node-altered",
                    "证据日志的内部节点（层 \(level)，序号 \(index)）与记录不符",
                    "the evidence log's interior node (level \(level), index \(index)) does not match its leaves"
                )
            }
        }
        // Every signed head: the nodes' kept ones first, then the hub's own. A log cut back below a head a node kept,
        // or rewritten under one, is named even when the hub's own heads were removed with it.
        var pinned: String?
        for (head, kept) in keptHeads.map({ ($0, true) }) + heads.map({ ($0, false) }) {
            let whose = kept ? LocalizedText(zh: "节点保存的树头", en: "a tree head a node kept") : LocalizedText(zh: "树头", en: "the tree head")
            do throws(TrustError) {
                pinned = try await head.verifySignature(trust: trust, hub: hub, pinnedKey: pinned) ?? pinned
            } catch {
                problem(
                    "evidence.tree-head-signature",
                    "\(whose.zh)（\(head.treeSize) 条，\(head.timestamp)）签名无效：\(error.message.zh)",
                    "\(whose.en) (size \(head.treeSize), \(head.timestamp)) has no valid signature: \(error.message.en)"
                )
                // A kept head is the auditor's evidence: one that does not verify proves nothing either way.
                if kept { continue }
            }
            guard head.treeSize <= hashes.count else {
                problem(
                    kept ? "evidence.log-truncated" : "evidence.tree-head-mismatch",
                    "\(whose.zh)（\(head.timestamp)）有 \(head.treeSize) 条记录，中心平台现仅有 \(hashes.count) 条：日志被截短或回退",
                    "\(whose.en) (\(head.timestamp)) covers \(head.treeSize) leaves, but the hub's log has only \(hashes.count): it was cut back or rolled back"
                )
                continue
            }
            if Hex.string(try await tree.root(size: head.treeSize)) != head.rootHash {
                problem(
                    kept ? "evidence.log-rewritten" : "evidence.tree-head-mismatch",
                    "前 \(head.treeSize) 条记录的根哈希与\(whose.zh)（中心平台 \(head.timestamp) 签名）不符：历史记录被改写",
                    "the first \(head.treeSize) leaves no longer hash to the root of \(whose.en) (signed by the hub at \(head.timestamp)): history was rewritten"
                )
            }
        }
        // Leaves no signature covers: anything may have been appended there, a forged event with a well-hashed leaf
        // among it. A hub signs a last head when it stops, so a stopped hub has none; a running one (audited over
        // HTTP, `events` nil) always has the few since its last head, which are not named.
        let signed = (heads + keptHeads).map(\.treeSize).max() ?? 0
        if events != nil && hashes.count > signed {
            problem(
                "evidence.unsigned-leaves",
                "第 \(signed) 至 \(hashes.count - 1) 条记录不在任何签名树头之内，无法证明其未被伪造",
                "leaves \(signed) to \(hashes.count - 1) are covered by no signed tree head: nothing proves they were not forged"
            )
        }

        // Every stored package's bytes against the hash the log recorded with its receipt, and its attachments.
        for content in contents {
            let expected = loggedContent[content.packageId] ?? content.recorded
            if content.actual.isEmpty {
                problem(
                    "evidence.content-missing",
                    "数据包 \(content.packageId) 的内容已从数据库中删除",
                    "the bytes of package \(content.packageId) were deleted from the database"
                )
            } else if content.actual != expected || content.actual != content.recorded {
                problem(
                    "evidence.content-altered",
                    "数据包 \(content.packageId) 的存储内容已被改动：其 SHA-256 为 \(content.actual)，证据日志记录的是 \(expected)",
                    "the stored bytes of package \(content.packageId) were altered: they hash to \(content.actual), the evidence log recorded \(expected)"
                )
            }
            for file in content.attachments {
                guard let actual = file.actual else {
                    problem(
                        "evidence.attachment-missing",
                        "数据包 \(content.packageId) 的附件 \(file.sha256) 不在文件存储中",
                        "the attachment \(file.sha256) of package \(content.packageId) is not in the blob store"
                    )
                    continue
                }
                if actual != file.sha256 {
                    problem(
                        "evidence.attachment-altered",
                        "数据包 \(content.packageId) 的附件 \(file.sha256) 已被改动：其 SHA-256 现为 \(actual)",
                        "the attachment \(file.sha256) of package \(content.packageId) was altered: it now hashes to \(actual)"
                    )
                }
            }
        }
        return Report(leaves: hashes.count, events: events?.count ?? 0, treeHeads: heads.count, problems: problems)
    }
}
