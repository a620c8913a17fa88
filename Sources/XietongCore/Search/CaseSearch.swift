import Foundation

/// Pooled case search (issue 26, GS-5): supervisors and authorised officers find every case the hub has carried by
/// a person's name or ID number, a unified code, an agency's case number, a charge, or words of the case, narrowed by
/// agency, flow, state and date.
///
/// Core decides what a query means and how the cases found are ranked; the hub's store finds the candidate packages
/// with its indexes (`HubStore.searchCandidates`: B-tree indexes for the exact fields, SQLite FTS5 with the trigram
/// tokenizer or PostgreSQL `pg_trgm` for the words).
public enum CaseSearch {
    /// How many candidate packages one query reads at most, newest first. A query that finds more is answered from
    /// the newest ones and says so (`Page.truncated`): the searcher narrows it.
    public static let candidateLimit = 2000
    /// The fewest characters a full-text search takes: the trigram indexes of both databases need three.
    public static let minimumTextLength = 3
    public static let maximumPageSize = 100
    /// The years a date of a query or a report may name: the People's Republic's, with room ahead.
    public static let years = 1949...2200

    /// A field a case matched: why it is in the list, and how strongly (GS-5: the ranking is explained).
    public enum Feature: String, Sendable, Codable, CaseIterable, Comparable {
        case idNumber
        case caseCode
        case agencyCaseNumber
        case personName
        case charge
        case text

        /// A stronger identifier ranks higher: an ID number names one person, a word may be anywhere.
        public var weight: Int {
            switch self {
            case .idNumber: 100
            case .caseCode: 90
            case .agencyCaseNumber: 80
            case .personName: 60
            case .charge: 40
            case .text: 30
            }
        }

        public var name: LocalizedText {
            switch self {
            case .idNumber: LocalizedText(zh: "身份证号一致", en: "ID number matches")
            case .caseCode: LocalizedText(zh: "统一赋码一致", en: "unified code matches")
            case .agencyCaseNumber: LocalizedText(zh: "机关案号一致", en: "agency case number matches")
            case .personName: LocalizedText(zh: "姓名一致", en: "name matches")
            case .charge: LocalizedText(zh: "罪名一致", en: "charge matches")
            case .text: LocalizedText(zh: "案件文字包含检索词", en: "the case's text contains the words")
            }
        }

        public static func < (lhs: Feature, rhs: Feature) -> Bool { lhs.weight > rhs.weight }
    }

    /// A case's flows are all closed, or one is still open.
    public enum State: String, Sendable, Codable, CaseIterable {
        case open
        case closed
    }

    /// One field to look a package up by, and what it must equal (or, for `.text`, contain).
    public struct Probe: Sendable, Hashable {
        public var feature: Feature
        public var value: String

        public init(_ feature: Feature, _ value: String) {
            self.feature = feature
            self.value = value
        }
    }

    /// A query that cannot be answered: a stable code, the parameter, and what is wrong.
    /// Why a query cannot be run.
    public enum QueryProblem: String, Sendable {
        /// Nothing to look for: no word and no identifying field.
        case noCriterion = "search.no-criterion"
        /// A parameter whose value cannot be read.
        case invalid = "query.invalid"
    }

    /// A query refused: the code, the parameter (`field`) and what is wrong.
    public typealias QueryError = Refusal<QueryProblem>

    /// What a searcher asked. `q` is anything: it is tried as an ID number, a unified code, an agency case number, a
    /// name, a charge and words of the case, and a case matching any of them is found. The named fields must all
    /// match. The filters narrow what either finds.
    public struct Query: Sendable, Hashable {
        public var q: String?
        /// Required fields (each must match), normalised.
        public var required: [Probe] = []
        public var organisation: String?
        public var flow: String?
        public var state: State?
        /// China days, inclusive.
        public var from: CalendarDate?
        public var to: CalendarDate?
        public var page = 1
        public var pageSize = 20

        public init() {}

        /// The parameters a query is read from, in the API and the console alike.
        public static let parameters = [
            "q", "idNumber", "name", "caseCode", "agencyCaseNumber", "charge", "organisation", "flow", "state", "from", "to", "page",
            "pageSize",
        ]

        /// Reads a query from its parameters (`parameters`). Blank values are absent.
        public static func parse(_ get: (String) -> String?) throws(QueryError) -> Query {
            func value(_ name: String) -> String? {
                guard let raw = get(name) else { return nil }
                let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            }
            func invalid(_ name: String, _ given: String, zh: String, en: String) -> QueryError {
                QueryError(
                    code: .invalid,
                    field: name,
                    message: LocalizedText(
                        zh: "查询参数 \(name) 无效：“\(given)”，应为\(zh)",
                        en: "the query parameter \(name) is invalid: '\(given)'; expected \(en)"
                    )
                )
            }
            var query = Query()
            query.q = value("q")
            if let q = query.q, q.count > 200 {
                throw invalid("q", String(q.prefix(20)) + "…", zh: "不超过 200 个字", en: "at most 200 characters")
            }
            if let given = value("idNumber") {
                guard let number = CaseSearch.normalisedIDNumber(given) else {
                    throw invalid("idNumber", given, zh: "18 位或 15 位身份证号（校验码正确）", en: "an 18- or 15-digit ID number with its check character")
                }
                query.required.append(Probe(.idNumber, number))
            }
            if let name = value("name") { query.required.append(Probe(.personName, name)) }
            if let code = value("caseCode") {
                guard (try? UnifiedCaseCode(code)) != nil else {
                    throw invalid("caseCode", code, zh: "32 位统一赋码", en: "a 32-digit unified case code")
                }
                query.required.append(Probe(.caseCode, code))
            }
            if let number = value("agencyCaseNumber") { query.required.append(Probe(.agencyCaseNumber, number)) }
            if let charge = value("charge") { query.required.append(Probe(.charge, charge)) }
            query.organisation = value("organisation")
            if let organisation = query.organisation, organisation.utf8.count != 12 || !organisation.utf8.allSatisfy({ $0 &- 0x30 <= 9 }) {
                throw invalid("organisation", organisation, zh: "12 位机构代码", en: "a 12-digit organisation code")
            }
            query.flow = value("flow")
            if let state = value("state") {
                guard let parsed = State(rawValue: state) else { throw invalid("state", state, zh: " open 或 closed", en: "open or closed") }
                query.state = parsed
            }
            for name in ["from", "to"] {
                guard let day = value(name) else { continue }
                guard let date = CalendarDate(iso: day), CaseSearch.years.contains(date.year) else {
                    throw invalid(
                        name,
                        day,
                        zh: "\(CaseSearch.years.lowerBound) 至 \(CaseSearch.years.upperBound) 年间的日期 YYYY-MM-DD",
                        en: "a date YYYY-MM-DD from \(CaseSearch.years.lowerBound) to \(CaseSearch.years.upperBound)"
                    )
                }
                if name == "from" { query.from = date } else { query.to = date }
            }
            for (name, range) in [("page", 1...10_000), ("pageSize", 1...CaseSearch.maximumPageSize)] {
                guard let given = value(name) else { continue }
                guard let number = Int(given), range.contains(number) else {
                    throw invalid(
                        name,
                        given,
                        zh: " \(range.lowerBound) 至 \(range.upperBound) 的整数",
                        en: "a whole number from \(range.lowerBound) to \(range.upperBound)"
                    )
                }
                if name == "page" { query.page = number } else { query.pageSize = number }
            }
            guard query.q != nil || !query.required.isEmpty else {
                throw QueryError(
                    code: .noCriterion,
                    field: "q",
                    message: LocalizedText(
                        zh: "请输入检索词，或身份证号、姓名、统一赋码、机关案号、罪名之一",
                        en: "give words to search for, or one of ID number, name, unified code, agency case number and charge"
                    )
                )
            }
            return query
        }

        /// What `q` is tried as: the identifiers it has the form of, a name and a charge, and words of the case once
        /// it is long enough for the trigram indexes. An ID number or a unified code is looked up as that (and as an
        /// agency's case number) only: its digits are no name, and as words they would match every number's trigrams.
        /// Empty when there is no `q`.
        public var alternatives: [Probe] {
            guard let q = self.q else { return [] }
            var probes: [Probe] = []
            if let number = CaseSearch.normalisedIDNumber(q) { probes.append(Probe(.idNumber, number)) }
            if (try? UnifiedCaseCode(q)) != nil { probes.append(Probe(.caseCode, q)) }
            probes.append(Probe(.agencyCaseNumber, q))
            // An identifier, or a number of an identifier's length with a slip in it, is no name and no words.
            guard probes.count == 1, !CaseSearch.hasIdentifierForm(q) else { return probes }
            if q.count <= 20 {
                probes.append(Probe(.personName, q))
                probes.append(Probe(.charge, q))
            }
            if !self.textTooShort { probes.append(Probe(.text, q)) }
            return probes
        }

        /// `q` is too short for words of the case: it is looked up as a name, a charge and an identifier only.
        /// Three letters, digits or Chinese characters at least: the trigram indexes take no punctuation (`〔〕号`
        /// would have PostgreSQL's read every row).
        public var textTooShort: Bool {
            self.q.map { $0.filter { $0.isLetter || $0.isNumber }.count < CaseSearch.minimumTextLength } ?? false
        }

        /// The required fields, the one to read first first: the field that finds the fewest packages, as a rule (an
        /// ID number names one person, a charge is shared by thousands of cases).
        public var requiredBySelectivity: [Probe] {
            let order: [Feature] = [.idNumber, .caseCode, .agencyCaseNumber, .personName, .text, .charge]
            return self.required.sorted { order.firstIndex(of: $0.feature)! < order.firstIndex(of: $1.feature)! }
        }

        /// The start of `from` and the end of `to` (exclusive), as hub timestamps: China days (UTC+8).
        public var receivedRange: (from: String?, to: String?) {
            (self.from.map(CaseSearch.startOfChinaDay), self.to.map { CaseSearch.startOfChinaDay($0.adding(days: 1)) })
        }

        /// The query in a line for the access log: each parameter given, ID numbers as given.
        public var summary: String {
            var parts: [String] = []
            if let q = self.q { parts.append("q=\(q)") }
            parts += self.required.map { "\($0.feature.rawValue)=\($0.value)" }
            if let organisation = self.organisation { parts.append("organisation=\(organisation)") }
            if let flow = self.flow { parts.append("flow=\(flow)") }
            if let state = self.state { parts.append("state=\(state.rawValue)") }
            if let from = self.from { parts.append("from=\(from.iso)") }
            if let to = self.to { parts.append("to=\(to.iso)") }
            return parts.joined(separator: " ")
        }
    }

    /// A package the store found, with the fields it matched.
    public struct Candidate: Sendable, Hashable {
        public var packageKey: String
        public var packageId: String
        public var caseCode: String
        public var agencyCaseNumber: String
        public var caseName: String
        public var flow: String
        public var messageType: String
        public var sender: String
        public var receiver: String
        public var receivedAt: String
        public var features: Set<Feature>

        public init(
            packageKey: String,
            packageId: String,
            caseCode: String,
            agencyCaseNumber: String,
            caseName: String,
            flow: String,
            messageType: String,
            sender: String,
            receiver: String,
            receivedAt: String,
            features: Set<Feature>
        ) {
            self.packageKey = packageKey
            self.packageId = packageId
            self.caseCode = caseCode
            self.agencyCaseNumber = agencyCaseNumber
            self.caseName = caseName
            self.flow = flow
            self.messageType = messageType
            self.sender = sender
            self.receiver = receiver
            self.receivedAt = receivedAt
            self.features = features
        }
    }

    /// A person of a case found, as the result shows them: the ID number masked but for its region and last four.
    public struct Person: Sendable, Hashable, Codable {
        public var name: String
        public var role: String
        public var idNumber: String?

        public init(name: String, role: String, idNumber: String?) {
            self.name = name
            self.role = role
            self.idNumber = idNumber.map(CaseSearch.masked)
        }
    }

    /// A case found: its packages' fields gathered, and why it matched.
    public struct Hit: Sendable, Hashable, Codable {
        public var caseCode: String
        public var caseNames: [String]
        public var agencyCaseNumbers: [String]
        /// Every organisation that sent or received one of its packages found.
        public var organisations: [String]
        public var flows: [String]
        public var packages: Int
        public var latestPackageId: String
        public var latestAt: String
        /// What matched, strongest first.
        public var matched: [Feature]
        public var score: Int
        public var persons: [Person] = []
        public var charges: [String] = []
    }

    public struct Page: Sendable, Codable {
        public var query: String
        public var page: Int
        public var pageSize: Int
        /// Cases found among the candidates read.
        public var total: Int
        /// More packages matched than were read (`candidateLimit`): the newest were used; narrow the query.
        public var truncated: Bool
        /// `q` was too short for words of the case, and was looked up as a name, charge and identifier only.
        public var textSkipped: Bool
        public var hits: [Hit]
        /// This is a search aid: it says where the cases are, not what they are.
        public var notice: LocalizedText
    }

    /// Groups the candidates into cases, ranks them and returns the page asked for.
    ///
    /// A case scores the weight of its strongest feature, plus 5 for each other feature it matched and 1 for each
    /// further agency among its packages (capped at 10): a case matched by ID number and name, across three agencies,
    /// ranks above one matched by ID number alone. Ties go to the most recent package, then the case code.
    public static func rank(_ candidates: [Candidate], query: Query, truncated: Bool) -> Page {
        var cases: [String: [Candidate]] = [:]
        for candidate in candidates { cases[candidate.caseCode, default: []].append(candidate) }
        var hits = cases.map { code, packages -> Hit in
            let features = packages.reduce(into: Set<Feature>()) { $0.formUnion($1.features) }.sorted()
            let organisations = Set(packages.flatMap { [$0.sender, $0.receiver] })
            let latest = packages.max { ($0.receivedAt, $0.packageKey) < ($1.receivedAt, $1.packageKey) }!
            let score = (features.first?.weight ?? 0) + 5 * (features.count - 1) + min(10, organisations.count - 1)
            return Hit(
                caseCode: code,
                caseNames: Self.distinct(packages.map(\.caseName)),
                agencyCaseNumbers: Self.distinct(packages.map(\.agencyCaseNumber)),
                organisations: organisations.sorted(),
                flows: Self.distinct(packages.map(\.flow)),
                packages: packages.count,
                latestPackageId: latest.packageId,
                latestAt: latest.receivedAt,
                matched: features,
                score: score
            )
        }
        hits.sort { ($0.score, $0.latestAt, $1.caseCode) > ($1.score, $1.latestAt, $0.caseCode) }
        let start = (query.page - 1) * query.pageSize
        return Page(
            query: query.summary,
            page: query.page,
            pageSize: query.pageSize,
            total: hits.count,
            truncated: truncated,
            textSkipped: query.textTooShort,
            hits: start < hits.count ? Array(hits[start..<min(hits.count, start + query.pageSize)]) : [],
            notice: LocalizedText(
                zh: "检索结果仅供查找案件，以各机关业务系统中的案件为准",
                en: "Search results help find cases; each agency's own system holds the case of record"
            )
        )
    }

    private static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The words of a package that full-text search looks in: the case's name and summary, its persons' names, its
    /// charges, its documents' titles and numbers, the agency's case number and the remarks.
    public static func text(of package: CasePackage) -> String {
        let body = package.body
        let parts: [String?] =
            [body.caseInfo.name, body.caseInfo.summary, package.envelope.agencyCaseNumber, body.remarks]
            + body.persons.map(\.name) + body.charges.map(\.name) + body.documents.flatMap { [$0.title, $0.documentNumber] }
        return parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// An ID number as the hub stores it (GB 11643-1999, 18 characters, upper-case X), from what a searcher types:
    /// full-width digits, spaces, a lower-case x, or a 15-digit number of the first generation (GB 11643-1989: the
    /// century "19" is inserted and the check character computed). Nil when it is none of these.
    public static func normalisedIDNumber(_ text: String) -> String? {
        var ascii = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x58: ascii.unicodeScalars.append(scalar)
            case 0x78: ascii.append("X")
            case 0xFF10...0xFF19: ascii.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case 0xFF38, 0xFF58: ascii.append("X")
            case 0x20, 0x3000, 0x2D: continue
            default: return nil
            }
        }
        if ascii.count == 15, ascii.allSatisfy(\.isNumber) {
            let first17 = String(ascii.prefix(6)) + "19" + String(ascii.dropFirst(6))
            guard let check = ResidentIDNumber.checkCharacter(for: first17) else { return nil }
            ascii = first17 + String(check)
        }
        guard ascii.count == 18, let check = ResidentIDNumber.checkCharacter(for: String(ascii.prefix(17))), ascii.last == check else { return nil }
        return ascii
    }

    /// Whether `text` has the form of an identifier: 15 or 18 digits (the last may be X), or 32 digits, spaced or
    /// full-width as `normalisedIDNumber` reads them.
    static func hasIdentifierForm(_ text: String) -> Bool {
        let kept = text.unicodeScalars.filter { ![0x20, 0x3000, 0x2D].contains($0.value) }
        let digits = kept.filter { (0x30...0x39).contains($0.value) || (0xFF10...0xFF19).contains($0.value) }.count
        let rest = kept.count - digits
        return (digits == kept.count && [15, 18, 32].contains(digits))
            || (digits == 17 && rest == 1 && "xX\u{FF38}\u{FF58}".unicodeScalars.contains(kept.last!))
    }

    /// An ID number with the birth date and order code hidden: `330106********1234`.
    public static func masked(_ number: String) -> String {
        guard number.count > 10 else { return String(repeating: "*", count: number.count) }
        return String(number.prefix(6)) + String(repeating: "*", count: number.count - 10) + String(number.suffix(4))
    }

    /// The instant a China day (UTC+8) starts, as a hub timestamp (`Timestamp`): the day's ordinal less China's
    /// offset (`CalendarDate.chinaUTCOffset`, as `WallClock.starting(chinaDay:)` counts).
    public static func startOfChinaDay(_ day: CalendarDate) -> String {
        Timestamp.string(Date(timeIntervalSince1970: TimeInterval(day.ordinal * 86400 - CalendarDate.chinaUTCOffset)))
    }
}
