import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// The hub keys a package's rows by a time-ordered key of its own, not by the sender's package id (hub migration 9):
/// keys are ordered by time and unique, and packages received before the migration keep everything they had.
@Suite struct PackageKeyTests {
    @Test func keysFollowTheClockAndDoNotRepeat() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        // A hundred keys in each of twenty milliseconds (half a millisecond in, clear of rounding).
        let keys = (0..<2_000).map { PackageKey.next(now: start.addingTimeInterval((Double($0 / 100) + 0.5) / 1000)) }
        #expect(Set(keys).count == keys.count)
        #expect(keys.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        // Keys of a later millisecond sort after every key of an earlier one.
        for index in stride(from: 100, to: keys.count, by: 100) {
            #expect(keys[index - 100..<index].allSatisfy { $0 < keys[index] })
        }
        // A key made before the migration sorts before every new one, and can never equal one.
        #expect(PackageKey.legacy("ffffffffffffffffffffffffffffffff") < PackageKey.next(now: Date(timeIntervalSince1970: 0)))
    }

    static let bytes = Array("<CasePackage>案情</CasePackage>".utf8)
    static let hub = "330100000001"
    static let sender = "330106000101"
    static let receiver = "330106000201"

    static func event(_ hop: Hop, organisation: String = Self.hub) -> PackageEvent {
        PackageEvent(packageId: "p-old", hop: hop, at: "2026-11-20T01:00:0\(hop == .receivedByHub ? 0 : 1)Z", organisation: organisation)
    }

    /// A new hub database with the migrations before `version` applied, and where it is (to open it again upgraded).
    static func hub(
        before version: Int,
        backend: StoreBackend,
        in directory: TemporaryDirectory
    ) async throws -> (any SQLDatabase, DatabaseURL) {
        let location = try await backend.newLocation(in: directory)
        let database = try await location.open(
            migrations: [Migrations.codeSequences] + HubSchema.migrations.prefix { $0.version < version },
            logger: StoreBackend.logger
        )
        return (database, location)
    }

    /// Inserts a package as a hub at version 9 had it: with `key` (legacy or new), one person, one hop, a flow step
    /// opening its own instance, an open time limit of that instance, and a link from its case code.
    static func insertAtVersion9(_ id: String, key: String, caseCode: String, into database: any SQLDatabase) async throws {
        try await database.execute(
            """
            INSERT INTO packages (package_id, sender_org, receiver_org, idempotency_key, flow, message_type, unified_case_code,
                code_assigned, agency_case_number, standard_version, case_name, case_category, division, similarity_key,
                content_sha256, content_size, created_at, received_at, receipt, package_key)
            VALUES ($1, $2, $3, $1, 'arrestApproval', 'arrestRequest', $4, 0, 'n', '1.1', 'case', 'criminal', '330106', $1,
                's', 1, '2026-11-20T09:00:00+08:00', '2026-11-20T01:00:00Z', '{}', $5)
            """,
            [.text(id), .text(Self.sender), .text(Self.receiver), .text(caseCode), .text(key)]
        )
        try await database.execute(
            """
            INSERT INTO package_persons (package_id, person_id, role, name, id_card_number, gender, birth_date)
            VALUES ($1, 'p1', 'suspect', '张某某', NULL, '1', '1990-03-15')
            """,
            [.text(id)]
        )
        try await database.execute(
            """
            INSERT INTO package_events (package_key, hop, package_id, at, organisation)
            VALUES ($1, 'receivedByHub', $2, '2026-11-20T01:00:00Z', $3)
            """,
            [.text(key), .text(id), .text(Self.hub)]
        )
        try await database.execute(
            """
            INSERT INTO flow_instances (instance_id, case_code, flow, opened_at, last_step_at)
            VALUES ($1, $2, 'arrestApproval', '2026-11-20T01:00:00Z', '2026-11-20T01:00:00Z')
            """,
            [.text(id), .text(caseCode)]
        )
        try await database.execute(
            """
            INSERT INTO flow_steps (package_id, instance_id, message_type, sender_org, receiver_org, at)
            VALUES ($1, $1, 'arrestRequest', $2, $3, '2026-11-20T01:00:00Z')
            """,
            [.text(id), .text(Self.sender), .text(Self.receiver)]
        )
        try await database.execute("INSERT INTO case_links (case_code, package_id) VALUES ($1, $2)", [.text(caseCode), .text(id)])
        try await database.execute(
            """
            INSERT INTO deadlines (package_id, seq, instance_id, case_code, flow, message_type, responsible_org, starts_on, due_on,
                custody, limit_value, limit_unit, basis, optional, state)
            VALUES ($1, 0, $1, $2, 'arrestApproval', 'arrestRequest', $3, '2026-11-20', '2026-11-27', 1, 7, 'days', 'basis', 0, 'open')
            """,
            [.text(id), .text(caseCode), .text(Self.receiver)]
        )
    }

    @Test(arguments: StoreBackend.allCases)
    func aHubUpgradedToKeyedStructuredDataFindsEveryPackagesSteps(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let (old, location) = try await Self.hub(before: 10, backend: backend, in: directory)
        // One package from before migration 9 (its legacy key), one accepted under migration 9 (a new key).
        let newKey = PackageKey.next()
        try await Self.insertAtVersion9("p-legacy", key: PackageKey.legacy("p-legacy"), caseCode: "c-9", into: old)
        try await Self.insertAtVersion9("p-new", key: newKey, caseCode: "c-9", into: old)
        await old.close()

        let upgraded = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        defer { Task { await upgraded.close() } }
        let store = HubStore(database: upgraded, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        let keys = [PackageKey.legacy("p-legacy"), newKey]
        for table in ["package_persons", "flow_steps", "case_links", "deadlines"] {
            let rows = try await upgraded.execute("SELECT package_id, package_key FROM \(table) ORDER BY package_id", [])
            #expect(rows.map { $0.string("package_key") } == keys, "\(table)")
        }
        // Each instance is keyed by its opening package's key, in its steps and time limits too (migration 12).
        for table in ["flow_instances", "flow_steps", "deadlines"] {
            let rows = try await upgraded.execute("SELECT instance_id, instance_key FROM \(table) ORDER BY instance_id", [])
            #expect(rows.map { $0.string("instance_key") } == keys, "\(table)")
        }
        for id in ["p-legacy", "p-new"] {
            #expect(try await store.deadlines(of: id).map(\.state) == ["open"])
        }
        // The supervisors' list finds each instance's open limit through its key.
        let cases = try await store.cases(.all, today: CalendarDate(iso: "2026-11-26")!)
        #expect(cases.map(\.instanceId).sorted() == ["p-legacy", "p-new"])
        #expect(cases.allSatisfy { $0.nextDue == "2026-11-27" && $0.dueSoon == 1 })
        // The case's timeline finds both packages' steps through its code, each with its hop.
        let timeline = try await store.timeline(ofCase: "c-9")
        let steps = timeline.instances.flatMap(\.steps)
        #expect(Set(steps.map(\.packageId)) == ["p-legacy", "p-new"])
        #expect(steps.allSatisfy { $0.hops.map(\.hop) == [.receivedByHub] && $0.deadlines.map(\.state) == ["open"] })
        // The flow engine finds the step a reply answers, for either package, with its instance's parties and key.
        for (id, key) in zip(["p-legacy", "p-new"], keys) {
            let step = try await upgraded.transaction {
                try await HubStore.flowStep(id, in: $0).map {
                    [$0.step.instanceId, $0.step.caseCode, $0.instanceKey] + $0.step.instanceParties.sorted()
                }
            }
            #expect(step == [id, "c-9", key, Self.sender, Self.receiver])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aHubUpgradedWithPackagesKeepsTheirHopsEvidenceAndBytes(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        // A hub at version 8 that holds one package with two hops, both leaves of its evidence log.
        let (old, location) = try await Self.hub(before: 9, backend: backend, in: directory)
        try await old.execute(
            """
            INSERT INTO packages (package_id, sender_org, receiver_org, idempotency_key, flow, message_type, unified_case_code,
                code_assigned, agency_case_number, standard_version, case_name, case_category, division, similarity_key,
                content_sha256, content_size, created_at, received_at, receipt)
            VALUES ('p-old', $1, $2, 'k-old', 'arrestApproval', 'arrestRequest', 'c-old', 0, 'n', '1.1', 'case', 'criminal',
                '330106', 's', $3, $4, '2026-11-20T09:00:00+08:00', '2026-11-20T01:00:00Z', '{}')
            """,
            [.text(Self.sender), .text(Self.receiver), .text(ContentHash.sha256(Self.bytes)), .integer(Self.bytes.count)]
        )
        try await old.execute("INSERT INTO package_contents (package_id, content) VALUES ('p-old', $1)", [.blob(Self.bytes)])
        let hops = [Self.event(.receivedByHub), Self.event(.forwarded)]
        var hashes: [[UInt8]] = []
        for (index, hop) in hops.enumerated() {
            try await old.execute(
                "INSERT INTO package_events (package_id, hop, at, organisation) VALUES ('p-old', $1, $2, $3)",
                [.text(hop.hop.rawValue), .text(hop.at), .text(hop.organisation)]
            )
            let leaf = Evidence.leaf(hop)
            hashes.append(MerkleTree.leafHash(leaf))
            try await old.execute(
                "INSERT INTO evidence_leaves (leaf_index, package_id, hop, leaf, leaf_hash) VALUES ($1, 'p-old', $2, $3, $4)",
                [.integer(index), .text(hop.hop.rawValue), .text(String(decoding: leaf, as: UTF8.self)), .text(Hex.string(hashes[index]))]
            )
        }
        let root = MerkleTree.nodeHash(hashes[0], hashes[1])
        try await old.execute("INSERT INTO evidence_nodes (level, idx, hash) VALUES (1, 0, $1)", [.text(Hex.string(root))])
        try await old.execute("UPDATE evidence_size SET size = 2 WHERE id = 1", [])
        await old.close()

        let upgraded = try await location.open(migrations: Migrations.hub, logger: StoreBackend.logger)
        defer { Task { await upgraded.close() } }
        let store = HubStore(database: upgraded, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        #expect(try await store.content(of: "p-old") == Self.bytes)
        #expect(try await store.events(of: "p-old").map(\.hop) == [.receivedByHub, .forwarded])
        let head = Evidence.TreeHead(treeSize: 2, rootHash: Hex.string(root), timestamp: "2026-11-20T01:00:02Z")
        let proofs = try await store.evidence(of: "p-old", against: head)
        #expect(proofs.entries.map(\.leafIndex) == [0, 1])
        for (index, entry) in proofs.entries.enumerated() {
            let proof = entry.proof.compactMap(Hex.bytes)
            #expect(MerkleTree.verifyInclusion(leaf: hashes[index], index: entry.leafIndex, size: 2, proof: proof, root: root))
        }
        #expect(try await store.history(ofCase: "c-old").first?.events.count == 2)

        // After the upgrade the old package's next hops join it, in its events and its evidence.
        let stored = PackageEvent(packageId: "p-old", hop: .storedByReceiver, at: "2026-11-20T01:00:03Z", organisation: Self.receiver)
        #expect(try await store.record([stored], reportedBy: Self.receiver).map { "\($0)" } == ["recorded"])
        #expect(try await store.events(of: "p-old").map(\.hop) == [.receivedByHub, .forwarded, .storedByReceiver])
        #expect(try await store.evidenceSize() == 3)
        let rows = try await upgraded.execute("SELECT package_key FROM evidence_leaves ORDER BY leaf_index", [])
        #expect(rows.map { $0.string("package_key") } == Array(repeating: PackageKey.legacy("p-old"), count: 3))

        // A package accepted after the upgrade gets a new, time-ordered key; its rows are found by its id.
        let accepted = try StoreConformanceTests.accepted(case: 7)
        let receipt = try await store.accept(accepted, statusURL: "/v1/packages/x")
        #expect(receipt.status == .accepted)
        let id = accepted.package.envelope.packageId
        let key = try #require(
            try await upgraded.execute("SELECT package_key FROM packages WHERE package_id = $1", [.text(id)]).first?.string("package_key")
        )
        #expect(key.count == 32 && key > PackageKey.legacy(id))
        #expect(try await store.content(of: id) == accepted.content)
        #expect(try await store.events(of: id).map(\.hop) == [.receivedByHub, .coded, .forwarded])
        let keyed = try await upgraded.execute("SELECT COUNT(*) AS n FROM package_events WHERE package_key = $1", [.text(key)])
        #expect(keyed.first?.int("n") == 3)
    }

    @Test(arguments: StoreBackend.allCases)
    func aNodeUpgradedKeepsItsPackagesHopsAndKeysNewOnes(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let location = try await backend.newLocation(in: directory)
        // A node at version 7: one package in its outbox, one in its inbox, each with a hop.
        let old = try await location.open(migrations: Array(NodeSchema.migrations.prefix { $0.version < 8 }), logger: StoreBackend.logger)
        try await old.execute(
            """
            INSERT INTO outbox (package_id, idempotency_key, node_seq, lane, receiver_org, flow, message_type, attachments, state,
                receipt, attempts, next_attempt_at, accepted_at)
            VALUES ('out-old', 'k-old', 1, 0, $1, 'arrestApproval', 'arrestRequest', '[]', 'pending', '{}', 0,
                '2026-11-20T01:00:00Z', '2026-11-20T01:00:00Z')
            """,
            [.text(Self.receiver)]
        )
        try await old.execute("INSERT INTO outbox_contents (package_id, content) VALUES ('out-old', $1)", [.blob(Self.bytes)])
        var delivery = ContentMigrationTests.delivery
        delivery.packageId = "in-old"
        try await old.execute(
            """
            INSERT INTO inbox (package_id, feed_seq, sender_org, flow, message_type, unified_case_code, delivery, state, stored_at,
                attempts, next_attempt_at, case_bucket)
            VALUES ('in-old', 1, $1, 'arrestApproval', 'arrestRequest', 'c', $2, 'stored', '2026-11-20T01:00:00Z', 0,
                '2026-11-20T01:00:00Z', 0)
            """,
            [.text(Self.sender), .text(StoreRows.json(delivery))]
        )
        try await old.execute("INSERT INTO inbox_contents (package_id, content) VALUES ('in-old', $1)", [.blob(Self.bytes)])
        for (id, hop) in [("out-old", "acceptedByNode"), ("in-old", "storedByReceiver")] {
            try await old.execute(
                "INSERT INTO node_events (package_id, hop, at, organisation) VALUES ($1, $2, '2026-11-20T01:00:00Z', $3)",
                [.text(id), .text(hop), .text(Self.receiver)]
            )
        }
        await old.close()

        let upgraded = try await location.open(migrations: NodeSchema.migrations, logger: StoreBackend.logger)
        defer { Task { await upgraded.close() } }
        let store = NodeStore(database: upgraded, organisation: Self.receiver)
        #expect(try await store.events(of: "out-old").map(\.hop) == [.acceptedByNode])
        #expect(try await store.events(of: "in-old").map(\.hop) == [.storedByReceiver])
        #expect(try await store.inboxContent("in-old")?.content == Self.bytes)
        // Hops after the upgrade join the old packages' histories, once.
        #expect(try await !store.markDelivered("in-old").isEmpty)
        #expect(try await store.events(of: "in-old").map(\.hop) == [.storedByReceiver, .delivered])
        let hubHop = PackageEvent(packageId: "out-old", hop: .receivedByHub, at: "2026-11-20T01:00:01Z", organisation: Self.hub)
        #expect(try await store.apply([hubHop, hubHop], cursor: 2).count == 1)
        #expect(try await store.events(of: "out-old").map(\.hop) == [.acceptedByNode, .receivedByHub])

        // A package stored after the upgrade gets a new key, its bytes and hops under it.
        delivery.packageId = "in-new"
        try await store.store(delivery, feedSeq: 3, content: Self.bytes)
        let key = try #require(
            try await upgraded.execute("SELECT package_key FROM inbox WHERE package_id = 'in-new'", []).first?.string("package_key")
        )
        #expect(key.count == 32)
        #expect(try await store.inboxContent("in-new")?.content == Self.bytes)
        let hops = try await upgraded.execute("SELECT hop FROM node_events WHERE package_key = $1", [.text(key)])
        #expect(hops.map { $0.string("hop") } == ["storedByReceiver"])
        // A refused delivery has no inbox row: its hop is kept under the id's own key, and found again.
        delivery.packageId = "in-refused"
        try await store.refuseIncoming(delivery, findings: [], cursor: 4)
        #expect(try await store.events(of: "in-refused").map(\.hop) == [.refused])
        // Sent again and stored this time, it keeps that key: its history stays whole.
        try await store.store(delivery, feedSeq: 5, content: Self.bytes)
        let history = try await store.events(of: "in-refused").map(\.hop)
        #expect(history == [.refused, .storedByReceiver])
        #expect(try await store.inboxContent("in-refused")?.content == Self.bytes)
    }
}
