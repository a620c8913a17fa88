import Testing

@testable import XietongCore

/// What a pooled-search query means and how its cases rank (issue 26, GS-5), without a database.
@Suite struct CaseSearchTests {
    static func query(_ parameters: [String: String]) throws(CaseSearch.QueryError) -> CaseSearch.Query {
        try CaseSearch.Query.parse { parameters[$0] }
    }

    @Test func idNumbersAreReadAsSearchersTypeThem() {
        // GB 11643-1999's own example, and its first-generation 15-digit form (the century and check character added).
        #expect(CaseSearch.normalisedIDNumber("11010519491231002X") == "11010519491231002X")
        #expect(CaseSearch.normalisedIDNumber("11010519491231002x") == "11010519491231002X")
        #expect(CaseSearch.normalisedIDNumber("110105491231002") == "11010519491231002X")
        #expect(CaseSearch.normalisedIDNumber("１１０１０５ １９４９１２３１ ００２Ｘ") == "11010519491231002X")
        #expect(CaseSearch.normalisedIDNumber("110105-19491231-002X") == "11010519491231002X")
        // Not ID numbers: names, codes, too few digits.
        #expect(CaseSearch.normalisedIDNumber("张三") == nil)
        #expect(CaseSearch.normalisedIDNumber("20261120110133010600010100000801") == nil)
        #expect(CaseSearch.normalisedIDNumber("1101051949") == nil)
        #expect(CaseSearch.normalisedIDNumber("110105194912310021") == nil)
        #expect(CaseSearch.masked("11010519491231002X") == "110105********002X")
    }

    @Test func aQueryNeedsSomethingToLookForAndReadableParameters() throws {
        #expect(throws: CaseSearch.QueryError.self) { try Self.query([:]) }
        do {
            _ = try Self.query(["organisation": "330106000101", "q": "  "])
            Issue.record("a query with filters only was answered")
        } catch {
            #expect(error.code == .noCriterion && error.field == "q")
            #expect(error.message.zh.contains("检索词") && error.message.en.contains("words"))
        }
        // A far date is refused, not counted (a day after 9999-12-31 does not exist); an ID number with a wrong check
        // character is no ID number.
        for (name, value) in [
            ("idNumber", "12345"), ("idNumber", "110105194912310021"), ("caseCode", "2026"), ("organisation", "police"), ("state", "pending"),
            ("from", "2026-13-01"), ("to", "9999-12-31"), ("pageSize", "1000"), ("page", "0"),
        ] {
            do {
                _ = try Self.query(["q": "张三", name: value])
                Issue.record("\(name)=\(value) was taken")
            } catch {
                #expect(error.code == .invalid && error.field == name && error.message.en.contains(value))
            }
        }
    }

    @Test func qIsTriedAsEveryFieldItHasTheFormOf() throws {
        // An identifier is looked up as one (and as an agency's number), not as a name or as words: its digits as
        // words would match every number's trigrams (bench search: 173 ms a query on 10⁶ packages, before this).
        let id = try Self.query(["q": "11010519491231002X"])
        #expect(id.alternatives.map(\.feature) == [.idNumber, .agencyCaseNumber])
        let code = try Self.query(["q": "20261120110133010600010100000801"])
        #expect(code.alternatives.map(\.feature) == [.caseCode, .agencyCaseNumber])
        let number = try Self.query(["q": "杭西公（刑）字〔2026〕1002号"])
        #expect(number.alternatives.map(\.feature) == [.agencyCaseNumber, .personName, .charge, .text])
        // Eighteen digits with a slip in the check character: no ID number, and not a name or words either.
        let slip = try Self.query(["q": "110105194912310021"])
        #expect(slip.alternatives.map(\.feature) == [.agencyCaseNumber])
        // Punctuation gives the trigram indexes nothing to look up.
        #expect(try Self.query(["q": "〔〕号"]).alternatives.map(\.feature) == [.agencyCaseNumber, .personName, .charge])
        // Two characters: a name or a charge, not words (the trigram indexes need three).
        let short = try Self.query(["q": "张三"])
        #expect(short.alternatives.map(\.feature) == [.agencyCaseNumber, .personName, .charge] && short.textTooShort)
        // Required fields: no alternatives, each must match.
        let required = try Self.query(["name": "张三", "charge": "盗窃罪"])
        #expect(required.alternatives.isEmpty && required.required == [CaseSearch.Probe(.personName, "张三"), CaseSearch.Probe(.charge, "盗窃罪")])
        #expect(required.summary == "personName=张三 charge=盗窃罪")
        // The field read first is the one that finds the fewest packages: a charge is shared by thousands of cases.
        let mixed = try Self.query(["charge": "盗窃罪", "name": "张三", "idNumber": "11010519491231002X"])
        #expect(mixed.requiredBySelectivity.map(\.feature) == [.idNumber, .personName, .charge])
    }

    @Test func datesAreChinaDays() throws {
        let query = try Self.query(["q": "张三", "from": "2026-11-20", "to": "2026-11-20"])
        #expect(query.receivedRange.from == "2026-11-19T16:00:00.000000Z")
        #expect(query.receivedRange.to == "2026-11-20T16:00:00.000000Z")
    }

    static func candidate(
        _ key: String,
        case code: String,
        at: String,
        _ features: Set<CaseSearch.Feature>,
        sender: String = "A",
        receiver: String = "B"
    )
        -> CaseSearch.Candidate
    {
        CaseSearch.Candidate(
            packageKey: key,
            packageId: "id-\(key)",
            caseCode: code,
            agencyCaseNumber: "N-\(code)",
            caseName: "case \(code)",
            flow: "arrestApproval",
            messageType: "arrestRequest",
            sender: sender,
            receiver: receiver,
            receivedAt: at,
            features: features
        )
    }

    @Test func casesRankByTheirStrongestMatchThenTheRestThenRecency() throws {
        let query = try Self.query(["q": "张三"])
        let page = CaseSearch.rank(
            [
                Self.candidate("1", case: "words", at: "2026-11-20T01:00:00.000000Z", [.text]),
                Self.candidate("2", case: "name", at: "2026-11-19T01:00:00.000000Z", [.personName]),
                Self.candidate("3", case: "id", at: "2026-11-18T01:00:00.000000Z", [.idNumber]),
                // The same ID number across two agencies' packages, with the name too.
                Self.candidate("4", case: "id-and-name", at: "2026-11-17T01:00:00.000000Z", [.idNumber, .personName]),
                Self.candidate("5", case: "id-and-name", at: "2026-11-17T02:00:00.000000Z", [.idNumber], sender: "B", receiver: "C"),
                Self.candidate("6", case: "name-newer", at: "2026-11-21T01:00:00.000000Z", [.personName]),
            ],
            query: query,
            truncated: false
        )
        #expect(page.hits.map(\.caseCode) == ["id-and-name", "id", "name-newer", "name", "words"])
        let top = try #require(page.hits.first)
        #expect(top.matched == [.idNumber, .personName] && top.packages == 2 && top.organisations == ["A", "B", "C"])
        #expect(top.score == 100 + 5 + 2 && top.latestPackageId == "id-5")
        #expect(page.total == 5 && !page.truncated && page.notice.zh.contains("仅供"))
        // A page past the end is empty, not an error.
        var later = query
        later.page = 3
        later.pageSize = 2
        #expect(CaseSearch.rank([Self.candidate("1", case: "x", at: "t", [.text])], query: later, truncated: true).hits.isEmpty)
    }
}
