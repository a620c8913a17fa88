import Foundation
import Testing
import XietongCore
import XietongTesting

@testable import XietongStore

/// Pooled case search on both databases (issue 26, GS-5): every case of a person across agencies by ID number, in
/// either form a searcher types; by name, charge, code and words of the case (SQLite FTS5 trigram, PostgreSQL
/// pg_trgm); narrowed by agency and date; ranked by what matched; and packages stored before the index existed found
/// once the backlog is indexed.
@Suite struct CaseSearchStoreTests {
    static let hub = "330100000001"
    static let zhang = "330106199003151236"
    static let li = "330106198507042012"

    /// A shipped example under a new id, with the person's name and ID number and the case's name replaced.
    static func package(
        _ example: String,
        _ name: String,
        person: (name: String, id: String)? = nil,
        caseName: String? = nil
    ) throws -> HubStore.Accepted {
        var xml = Fixtures.example(example)
        xml = xml.replacingOccurrences(of: PackageFactory.element("PackageId", in: xml), with: ExamplePackages.uuid("search-\(name)"))
        xml = xml.replacingOccurrences(of: PackageFactory.element("IdempotencyKey", in: xml), with: "search-\(name)")
        if let person {
            xml = xml.replacingOccurrences(of: "<Name>张某某</Name>", with: "<Name>\(person.name)</Name>")
            xml = xml.replacingOccurrences(of: Self.zhang, with: person.id)
            // The birth date the ID number carries.
            xml = xml.replacingOccurrences(of: "1990-03-15", with: "1985-07-04")
        }
        if let caseName { xml = xml.replacingOccurrences(of: "<Name>张某某盗窃案</Name>", with: "<Name>\(caseName)</Name>") }
        return try #require(HubStore.Accepted.checked(Array(xml.utf8)), "\(example) as \(name) checks")
    }

    static func query(_ parameters: [String: String]) throws -> CaseSearch.Query {
        try CaseSearch.Query.parse { parameters[$0] }
    }

    /// Three cases: 张某某's arrest request (police → procuratorate) and indictment (procuratorate → court), and 李某's
    /// arrest request for fraud.
    static func store(_ backend: StoreBackend, in directory: TemporaryDirectory) async throws -> HubStore {
        let (database, _) = try await backend.open(Migrations.hub, in: directory)
        let store = HubStore(database: database, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: Fixtures.clock())
        _ = try await store.accept(try Self.package("arrestApproval.arrestRequest", "zhang-arrest"), statusURL: "/s")
        _ = try await store.accept(try Self.package("firstInstancePublicProsecution.indictment", "zhang-indictment"), statusURL: "/s")
        _ = try await store.accept(
            try Self.package("arrestApproval.arrestRequest", "li-arrest", person: ("李某", Self.li), caseName: "李某诈骗案"),
            statusURL: "/s"
        )
        return store
    }

    @Test(arguments: StoreBackend.allCases)
    func anIDNumberFindsEveryCaseOfThePersonAcrossAgencies(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(backend, in: directory)
        let page = try await store.search(try Self.query(["q": Self.zhang]))
        // Two cases, each found by the ID number, from the police, the procuratorate and the court.
        #expect(page.total == 2)
        #expect(page.hits.allSatisfy { $0.matched.first == .idNumber })
        #expect(Set(page.hits.flatMap(\.organisations)) == ["330106000101", "330106000201", "330106000301"])
        #expect(page.hits.allSatisfy { $0.persons.contains { $0.name == "张某某" && $0.idNumber == "330106********1236" } })
        #expect(page.hits.allSatisfy { $0.charges == ["盗窃罪"] })
        // Typed as a searcher might: with spaces, in full-width digits, or (for 李某) a lower-case check character
        // does not arise; the 15-digit first-generation form of an ID number is found too.
        let spaced = try await store.search(try Self.query(["idNumber": "330106 1990 0315 1236"]))
        #expect(spaced.total == 2)
        let fullWidth = try await store.search(try Self.query(["q": "３３０１０６１９９００３１５１２３６"]))
        #expect(fullWidth.total == 2)
        let old = try await store.search(try Self.query(["idNumber": "330106850704201"]))
        #expect(old.hits.map(\.caseNames) == [["李某诈骗案"]])
        await store.database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func namesChargesCodesAndWordsFindCases(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(backend, in: directory)
        // A two-character name: exact, without words (the trigram indexes take three characters).
        let name = try await store.search(try Self.query(["q": "李某"]))
        #expect(name.hits.map(\.caseNames) == [["李某诈骗案"]] && name.hits.first?.matched == [.personName] && name.textSkipped)
        // A charge, exactly.
        let charge = try await store.search(try Self.query(["charge": "盗窃罪"]))
        #expect(charge.total == 2 && charge.hits.allSatisfy { $0.matched == [.charge] })
        // Words of the case, in its name: both full-text indexes find Chinese.
        let words = try await store.search(try Self.query(["q": "诈骗案"]))
        #expect(words.hits.map(\.caseNames) == [["李某诈骗案"]] && words.hits.first?.matched == [.text])
        // A charge as `q` is found both as a charge and as words: the case ranks by both.
        let both = try await store.search(try Self.query(["q": "盗窃罪"]))
        #expect(both.total == 2 && both.hits.allSatisfy { $0.matched == [.charge, .text] })
        // A unified code and an agency case number.
        let code = try await store.search(try Self.query(["caseCode": "20261120120133010600020100000005"]))
        #expect(code.total == 1 && code.hits.first?.organisations == ["330106000201", "330106000301"])
        let number = try await store.search(try Self.query(["q": "杭西检刑诉〔2026〕105号"]))
        #expect(number.total == 1 && number.hits.first?.matched.first == .agencyCaseNumber)
        // LIKE's and FTS5's own characters are the searcher's words, not operators.
        let operators = try await store.search(try Self.query(["q": "%_\" OR *"]))
        #expect(operators.total == 0)
        await store.database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func filtersNarrowAndRankingExplains(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(backend, in: directory)
        // The court took part in one of 张某某's cases only.
        let court = try await store.search(try Self.query(["idNumber": Self.zhang, "organisation": "330106000301"]))
        #expect(court.total == 1 && court.hits.first?.caseNames == ["张某某盗窃案"])
        // Received on the test day (China time); none the day before.
        let today = Fixtures.testDay.iso
        #expect(try await store.search(try Self.query(["idNumber": Self.zhang, "from": today, "to": today])).total == 2)
        let yesterday = Fixtures.testDay.adding(days: -1).iso
        #expect(try await store.search(try Self.query(["idNumber": Self.zhang, "to": yesterday])).total == 0)
        // A flow, and the state of the package's flow: both arrest requests are open steps.
        let open = try await store.search(try Self.query(["charge": "盗窃罪", "flow": "arrestApproval", "state": "open"]))
        #expect(open.total == 1)
        #expect(try await store.search(try Self.query(["charge": "盗窃罪", "flow": "arrestApproval", "state": "closed"])).total == 0)
        // Each hit says what matched, strongest first: the ID number required, and `q` as the name and as words.
        let ranked = try await store.search(try Self.query(["q": "张某某", "idNumber": Self.zhang]))
        #expect(ranked.total == 2 && ranked.hits.allSatisfy { $0.matched == [.idNumber, .personName, .text] })
        // Paging: one case a page.
        let first = try await store.search(try Self.query(["charge": "盗窃罪", "pageSize": "1"]))
        let second = try await store.search(try Self.query(["charge": "盗窃罪", "pageSize": "1", "page": "2"]))
        #expect(first.total == 2 && first.hits.count == 1 && second.hits.count == 1 && first.hits[0].caseCode != second.hits[0].caseCode)
        await store.database.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func packagesStoredBeforeTheIndexAreIndexedFromTheirBytes(backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(backend, in: directory)
        // As hub migration 20 leaves a store of earlier packages: structured data, no words or charges, a backlog.
        try await store.database.transaction { transaction in
            try await transaction.execute("DELETE FROM package_text", [])
            try await transaction.execute("DELETE FROM package_charges", [])
            try await transaction.execute("INSERT INTO search_backlog (package_key) SELECT package_key FROM packages", [])
        }
        #expect(try await store.search(try Self.query(["q": "诈骗案"])).total == 0)
        #expect(try await store.indexSearchBacklog(limit: 2) == 2)
        #expect(try await store.indexSearchBacklog(limit: 2) == 1)
        #expect(try await store.indexSearchBacklog(limit: 2) == 0)
        #expect(try await store.search(try Self.query(["q": "诈骗案"])).total == 1)
        #expect(try await store.search(try Self.query(["charge": "盗窃罪"])).total == 2)
        #expect(try await store.searchTextWorks())
        await store.database.close()
    }
}
