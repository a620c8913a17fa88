import Foundation
public import XietongCore

// Pooled case search (issue 26, GS-5): the indexes a package is found by, written with it in the acceptance's
// transaction, and the candidate packages of a query. What a query means and how cases rank is Core's
// (`CaseSearch`). Exact fields use B-tree indexes (persons by ID number and name, charges by name, case links by
// code, packages by agency case number); words use the database's own full-text index: SQLite's FTS5 with its trigram
// tokenizer, PostgreSQL's `pg_trgm` (hub migration 20).
extension HubStore {
    /// Writes what a package is searched by besides its structured data (`insertStructuredData`): its charges and its
    /// words (`CaseSearch.text`).
    static func indexForSearch(_ package: CasePackage, key: String, in transaction: any SQLTransaction) async throws {
        let packageId = package.envelope.packageId
        var seen = Set<String>()
        for charge in package.body.charges where seen.insert(charge.personRef + "\u{0}" + charge.name).inserted {
            try await transaction.write(
                "INSERT INTO package_charges (package_key, package_id, person_ref, name, law_article) VALUES ($1, $2, $3, $4, $5)",
                [.text(key), .text(packageId), .text(charge.personRef), .text(charge.name), .optional(charge.lawArticle)]
            )
        }
        try await transaction.write(
            "INSERT INTO package_text (package_key, body) VALUES ($1, $2)",
            [.text(key), .text(CaseSearch.text(of: package))]
        )
    }

    /// Indexes up to `limit` packages accepted before pooled search existed (hub migration 20 listed them in
    /// `search_backlog`), from their stored bytes. Returns how many it took; 0 when none is left.
    /// A batch is a short transaction: a few packages' bytes (each up to 32 MiB) in memory, and intake waits for it on
    /// SQLite.
    public func indexSearchBacklog(limit: Int = 20) async throws -> Int {
        let keys = try await self.database.execute("SELECT package_key FROM search_backlog ORDER BY package_key LIMIT $1", [.integer(limit)])
            .compactMap { $0.string("package_key") }
        guard !keys.isEmpty else { return 0 }
        try await self.database.transaction { transaction in
            for key in keys {
                // Claimed by deleting it: of two hub instances at the same backlog, one indexes each package. A package
                // in the backlog was stored before the index existed, so it has no rows of it to replace.
                guard try await !transaction.execute("DELETE FROM search_backlog WHERE package_key = $1 RETURNING package_key", [.text(key)]).isEmpty
                else { continue }
                let content = try await transaction.execute("SELECT content FROM package_contents WHERE package_key = $1", [.text(key)])
                // A package whose bytes cannot be read again is still found by its structured data (persons, codes).
                if let bytes = content.first?.bytes("content"), let root = try? XMLDocumentParser.parse(bytes) {
                    try await Self.indexForSearch(CasePackage(validated: root), key: key, in: transaction)
                }
            }
        }
        return keys.count
    }

    /// Whether the database can look words of Chinese up: PostgreSQL's `pg_trgm` takes characters its LC_CTYPE calls
    /// letters, and under the C locale no Chinese character is one. SQLite's trigram tokenizer takes every character.
    public func searchTextWorks() async throws(StoreError) -> Bool {
        guard self.database.dialect == .postgres else { return true }
        let rows = try await self.database.execute("SELECT array_length(show_trgm('案件'), 1) AS trigrams", [])
        return (rows.first?.int("trigrams") ?? 0) > 0
    }

    /// The packages a query finds, newest first, each with the fields it matched; `truncated` when more matched than
    /// `CaseSearch.candidateLimit`. `q`'s alternatives are each looked up (with the required fields and filters);
    /// without `q`, the required fields are.
    public func searchCandidates(_ query: CaseSearch.Query) async throws(StoreError) -> (candidates: [CaseSearch.Candidate], truncated: Bool) {
        let alternatives = query.alternatives
        let lookups: [CaseSearch.Probe?] = alternatives.isEmpty ? [nil] : alternatives
        var found: [String: CaseSearch.Candidate] = [:]
        var truncated = false
        for alternative in lookups {
            guard let driver = alternative ?? query.requiredBySelectivity.first else { continue }
            let (rows, more) = try await self.candidates(driver: driver, query: query)
            truncated = truncated || more
            let features = Set(query.required.map(\.feature) + [driver.feature])
            for row in rows {
                guard let key = row.string("package_key") else { continue }
                if var existing = found[key] {
                    existing.features.formUnion(features)
                    found[key] = existing
                    continue
                }
                found[key] = CaseSearch.Candidate(
                    packageKey: key,
                    packageId: row.string("package_id") ?? "",
                    caseCode: row.string("unified_case_code") ?? "",
                    agencyCaseNumber: row.string("agency_case_number") ?? "",
                    caseName: row.string("case_name") ?? "",
                    flow: row.string("flow") ?? "",
                    messageType: row.string("message_type") ?? "",
                    sender: row.string("sender_org") ?? "",
                    receiver: row.string("receiver_org") ?? "",
                    receivedAt: row.string("received_at") ?? "",
                    features: features
                )
            }
        }
        return (found.values.sorted { $0.packageKey > $1.packageKey }, truncated)
    }

    /// One lookup: the packages `driver` finds (read first, from its index), that also match every other required
    /// field and the filters.
    private func candidates(driver: CaseSearch.Probe, query: CaseSearch.Query) async throws(StoreError) -> (rows: [SQLRow], more: Bool) {
        var binds: [SQLValue] = []
        func bind(_ value: SQLValue) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        let source = self.keys(matching: driver, bind)
        var conditions: [String] = []
        for probe in query.requiredBySelectivity where probe != driver {
            conditions.append(self.condition(probe, bind))
        }
        if let organisation = query.organisation {
            let value = bind(.text(organisation))
            conditions.append("(p.sender_org = \(value) OR p.receiver_org = \(value))")
        }
        if let flow = query.flow { conditions.append("p.flow = \(bind(.text(flow)))") }
        let range = query.receivedRange
        if let from = range.from { conditions.append("p.received_at >= \(bind(.text(from)))") }
        if let to = range.to { conditions.append("p.received_at < \(bind(.text(to)))") }
        if let state = query.state {
            // The state of the flow instance the package is a step of.
            conditions.append(
                """
                EXISTS (SELECT 1 FROM flow_steps s JOIN flow_instances f ON f.instance_id = s.instance_id
                WHERE s.package_key = p.package_key AND f.closed_at IS \(state == .open ? "" : "NOT ") NULL)
                """
            )
        }
        let limit = bind(.integer(CaseSearch.candidateLimit + 1))
        let rows = try await self.database.execute(
            """
            SELECT p.package_key, p.package_id, p.unified_case_code, p.agency_case_number, p.case_name, p.flow, p.message_type,
                p.sender_org, p.receiver_org, p.received_at
            FROM (\(source)) k JOIN packages p ON p.package_key = k.package_key
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY p.package_key DESC LIMIT \(limit)
            """,
            binds
        )
        return (Array(rows.prefix(CaseSearch.candidateLimit)), rows.count > CaseSearch.candidateLimit)
    }

    /// SQL that a package `p` read through another field matches `probe` too: looked up by the package's key in the
    /// field's table (each is keyed by it first), so that a common field (a charge) costs one look-up per candidate
    /// instead of reading all its packages. Words are the exception: the full-text index is read as a whole.
    private func condition(_ probe: CaseSearch.Probe, _ bind: (SQLValue) -> String) -> String {
        switch probe.feature {
        case .idNumber:
            "EXISTS (SELECT 1 FROM package_persons x WHERE x.package_key = p.package_key AND x.id_card_number = \(bind(.text(probe.value))))"
        case .personName: "EXISTS (SELECT 1 FROM package_persons x WHERE x.package_key = p.package_key AND x.name = \(bind(.text(probe.value))))"
        case .caseCode: "EXISTS (SELECT 1 FROM case_links x WHERE x.package_key = p.package_key AND x.case_code = \(bind(.text(probe.value))))"
        case .agencyCaseNumber: "p.agency_case_number = \(bind(.text(probe.value)))"
        case .charge: "EXISTS (SELECT 1 FROM package_charges x WHERE x.package_key = p.package_key AND x.name = \(bind(.text(probe.value))))"
        case .text: "p.package_key IN (\(self.keys(matching: probe, bind)))"
        }
    }

    /// SQL selecting the distinct keys of the packages a probe finds, from the probe's own index.
    private func keys(matching probe: CaseSearch.Probe, _ bind: (SQLValue) -> String) -> String {
        switch probe.feature {
        case .idNumber: "SELECT DISTINCT package_key FROM package_persons WHERE id_card_number = \(bind(.text(probe.value)))"
        case .personName: "SELECT DISTINCT package_key FROM package_persons WHERE name = \(bind(.text(probe.value)))"
        case .caseCode: "SELECT package_key FROM case_links WHERE case_code = \(bind(.text(probe.value)))"
        case .agencyCaseNumber: "SELECT package_key FROM packages WHERE agency_case_number = \(bind(.text(probe.value)))"
        case .charge: "SELECT DISTINCT package_key FROM package_charges WHERE name = \(bind(.text(probe.value)))"
        case .text:
            switch self.database.dialect {
            case .sqlite:
                // An FTS5 phrase: the words as one string, its quotes doubled.
                "SELECT package_key FROM package_text WHERE package_text MATCH \(bind(.text("\"" + probe.value.replacingOccurrences(of: "\"", with: "\"\"") + "\"")))"
            case .postgres:
                // ILIKE (FTS5's trigrams ignore case too) with the words' own wildcards escaped; pg_trgm's GIN index
                // answers it.
                "SELECT package_key FROM package_text WHERE body ILIKE \(bind(.text("%" + Self.likeEscaped(probe.value) + "%")))"
            }
        }
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// The persons and charges of the packages of each hit, for the page shown.
    public func searchDetails(of hits: [CaseSearch.Hit], candidates: [CaseSearch.Candidate]) async throws(StoreError) -> [CaseSearch.Hit] {
        let cases = Set(hits.map(\.caseCode))
        let keys = candidates.filter { cases.contains($0.caseCode) }.map(\.packageKey)
        guard !keys.isEmpty else { return hits }
        let caseOf = Dictionary(candidates.map { ($0.packageKey, $0.caseCode) }, uniquingKeysWith: { first, _ in first })
        // In chunks of one size, the last padded with its own last key: one statement text each, however many
        // packages (SQLite keeps every statement text it prepares).
        let chunk = 64
        let list = (1...chunk).map { "$\($0)" }.joined(separator: ", ")
        var persons: [SQLRow] = []
        var charges: [SQLRow] = []
        for start in stride(from: 0, to: keys.count, by: chunk) {
            let part = Array(keys[start..<min(keys.count, start + chunk)])
            let binds = (part + Array(repeating: part.last!, count: chunk - part.count)).map { SQLValue.text($0) }
            persons += try await self.database.execute(
                "SELECT DISTINCT package_key, person_id, name, role, id_card_number FROM package_persons WHERE package_key IN (\(list)) ORDER BY package_key, person_id",
                binds
            )
            charges += try await self.database.execute(
                "SELECT DISTINCT package_key, person_ref, name FROM package_charges WHERE package_key IN (\(list)) ORDER BY package_key, person_ref, name",
                binds
            )
        }
        var personsOf: [String: [CaseSearch.Person]] = [:]
        for row in persons {
            guard let code = row.string("package_key").flatMap({ caseOf[$0] }) else { continue }
            let person = CaseSearch.Person(name: row.string("name") ?? "", role: row.string("role") ?? "", idNumber: row.string("id_card_number"))
            if personsOf[code]?.contains(person) != true { personsOf[code, default: []].append(person) }
        }
        var chargesOf: [String: [String]] = [:]
        for row in charges {
            guard let code = row.string("package_key").flatMap({ caseOf[$0] }), let name = row.string("name") else { continue }
            if chargesOf[code]?.contains(name) != true { chargesOf[code, default: []].append(name) }
        }
        return hits.map { hit in
            var hit = hit
            hit.persons = personsOf[hit.caseCode] ?? []
            hit.charges = chargesOf[hit.caseCode] ?? []
            return hit
        }
    }

    /// A query answered: candidates found, ranked into cases by Core, the page's persons and charges added.
    public func search(_ query: CaseSearch.Query) async throws(StoreError) -> CaseSearch.Page {
        let (candidates, truncated) = try await self.searchCandidates(query)
        var page = CaseSearch.rank(candidates, query: query, truncated: truncated)
        page.hits = try await self.searchDetails(of: page.hits, candidates: candidates)
        return page
    }
}
