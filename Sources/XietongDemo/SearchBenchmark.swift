import Foundation
import Logging
import XietongCore
public import XietongStore

/// Pooled case search over a store of `target` packages (issue 26, GS-5; goal: an answer under 200 ms on 10⁶).
///
/// The store is filled quickly, not through acceptance (`bench growth` measures that): the rows pooled search reads
/// (`packages`, `package_persons`, `package_charges`, `case_links` and the full-text `package_text`) are written in
/// multi-row inserts, with the shapes and indexes the hub writes. The corpus is generated, reproducibly from a seed:
/// cases of four packages (police → procuratorate → court → prison, each its own agency case number), one to three
/// persons a case drawn from a population of `target / 3` (so a person has about four packages, some in several
/// cases), names from 100 surnames and some 750 given names (so names repeat, as 张伟 does), valid ID numbers, one of 20
/// charges each.
///
/// Each query kind is then timed through `HubStore.search`, the path `GET /v1/search` takes (candidates, Core's
/// ranking, the page's persons and charges), without HTTP and the access log's insert.
public struct SearchBenchmark: Sendable {
    public struct Kind: Sendable, Codable {
        public var name: String
        public var example: String
        public var milliseconds: Percentiles
        /// Cases found per query, on average.
        public var casesFound: Double
        /// p99 over the goal's 200 ms: under 1 meets it.
        public var goalRatio: Double
    }

    public struct Result: Sendable, Codable {
        public var database: String
        public var storedPackages: Int
        public var persons: Int
        public var fillSeconds: Double
        public var databaseMegabytes: Double
        public var queriesPerKind: Int
        public var kinds: [Kind]
    }

    public static let goalMilliseconds = 200.0

    public let location: DatabaseURL
    public let target: Int
    public let queries: Int

    public init(location: DatabaseURL, target: Int = 1_000_000, queries: Int = 300) {
        self.location = location
        self.target = target
        self.queries = queries
    }

    static let hub = "330100000001"
    static let agencies = ["330106000101", "330106000201", "330106000301", "330106000501"]
    static let flows = [
        ("arrestApproval", "arrestRequest"), ("prosecutionTransfer", "prosecutionTransfer"),
        ("firstInstancePublicProsecution", "indictment"), ("sentenceExecution", "imprisonmentHandover"),
    ]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
    static let givenCharacters = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红")
    static let charges = [
        "盗窃罪", "诈骗罪", "故意伤害罪", "危险驾驶罪", "帮助信息网络犯罪活动罪", "寻衅滋事罪", "开设赌场罪", "走私、贩卖、运输、制造毒品罪",
        "掩饰、隐瞒犯罪所得罪", "抢劫罪", "妨害公务罪", "交通肇事罪", "容留他人吸毒罪", "非法吸收公众存款罪", "组织、领导传销活动罪", "职务侵占罪",
        "合同诈骗罪", "聚众斗殴罪", "故意毁坏财物罪", "非法拘禁罪",
    ]
    static let areas = ["330106", "330102", "330105", "330108", "330110", "330183", "330522", "331002"]

    /// A small reproducible generator (SplitMix64): the same seed gives the same corpus on every machine.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(self.next() % UInt64(bound)) }
    }

    /// Person `index` of the population: a name and a valid ID number.
    static func person(_ index: Int) -> (name: String, id: String) {
        var generator = Generator(state: UInt64(index) &* 7919 &+ 17)
        let surname = Self.surnames[generator.below(Self.surnames.count)]
        let first = Self.givenCharacters[generator.below(Self.givenCharacters.count)]
        let given =
            generator.below(3) == 0 ? String(first) : String(first) + String(Self.givenCharacters[generator.below(Self.givenCharacters.count)])
        let birth = CalendarDate(iso: "1960-01-01")!.adding(days: generator.below(365 * 39))
        let order = String(100 + index % 900)
        let first17 = Self.areas[index % Self.areas.count] + birth.compact + order
        return (String(surname) + given, first17 + String(ResidentIDNumber.checkCharacter(for: first17)!))
    }

    static func caseCode(_ index: Int) -> String {
        let sequence = String(index % 100_000_000)
        return "20250101" + "1101" + "330106000101" + String(repeating: "0", count: 8 - sequence.count) + sequence
    }

    /// The persons of case `index`: one to three of the population.
    static func persons(ofCase index: Int, population: Int) -> [Int] {
        var generator = Generator(state: UInt64(index) &* 104_729 &+ 3)
        return (0...generator.below(3) / 2).map { _ in generator.below(population) }
    }

    public func run(progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        var logger = Logger(label: "xietong.bench.search")
        logger.logLevel = .warning
        let database = try await self.location.open(migrations: Migrations.hub, logger: logger)
        defer { Task { await database.close() } }
        let store = HubStore(database: database, hubOrganisation: Self.hub, flows: try FlowEngine.bundled(), clock: .system)
        let population = max(1, self.target / 3)
        let started = ContinuousClock.now
        try await self.fill(database, population: population, progress: progress)
        let fillSeconds = Self.seconds(ContinuousClock.now - started)
        let megabytes: Double
        switch self.location {
        case .postgres:
            megabytes =
                Double(try await database.execute("SELECT pg_database_size(current_database()) AS bytes", []).first?.int("bytes") ?? 0) / 1_048_576
        case .sqlite(let path):
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            megabytes = Double(size) / 1_048_576
        }
        progress("stored \(self.target) packages in \(Int(fillSeconds)) s; timing \(self.queries) queries of each kind")

        // The people searched for are people of stored cases (a case index's persons), drawn reproducibly.
        var generator = Generator(state: 42)
        let cases = max(1, self.target / 4)
        func someone() -> (name: String, id: String) {
            Self.person(Self.persons(ofCase: generator.below(cases), population: population)[0])
        }
        let kinds: [(String, () -> [String: String])] = [
            ("ID number in the one box (q)", { ["q": someone().id] }),
            (
                "ID number, 15-digit form",
                {
                    let id = someone().id
                    return ["idNumber": String(id.prefix(6)) + String(id.dropFirst(8).prefix(9))]
                }
            ),
            ("name and charge", { ["name": someone().name, "charge": Self.charges[generator.below(Self.charges.count)]] }),
            ("name in the one box (q)", { ["q": someone().name] }),
            (
                "words (a 3-character name as text) in one agency",
                {
                    var name = someone().name
                    while name.count < 3 { name = someone().name }
                    return ["q": name, "organisation": Self.agencies[generator.below(4)]]
                }
            ),
            (
                "charge, agency and a month",
                {
                    [
                        "charge": Self.charges[generator.below(Self.charges.count)], "organisation": Self.agencies[1], "from": "2025-02-01",
                        "to": "2025-02-28",
                    ]
                }
            ),
        ]
        var results: [Kind] = []
        for (name, make) in kinds {
            var samples: [Double] = []
            var found = 0
            var example = ""
            // A few untimed queries first: the first ones of a kind read its index from disk.
            for round in 0..<(self.queries + 5) {
                let parameters = make()
                if example.isEmpty { example = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&") }
                let query = try CaseSearch.Query.parse { parameters[$0] }
                let start = ContinuousClock.now
                let page = try await store.search(query)
                let elapsed = Self.seconds(ContinuousClock.now - start) * 1000
                guard round >= 5 else { continue }
                samples.append(elapsed)
                found += page.total
            }
            let figures = Percentiles(samples)
            results.append(
                Kind(
                    name: name,
                    example: example,
                    milliseconds: figures,
                    casesFound: Double(found) / Double(self.queries),
                    goalRatio: figures.p99 / Self.goalMilliseconds
                )
            )
            progress("\(name): p50 \(String(format: "%.1f", figures.p50)) ms, p99 \(String(format: "%.1f", figures.p99)) ms")
        }
        return Result(
            database: database.dialect.rawValue,
            storedPackages: self.target,
            persons: population,
            fillSeconds: fillSeconds,
            databaseMegabytes: megabytes,
            queriesPerKind: self.queries,
            kinds: results
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Rows of one table, written in multi-row inserts of `columns.count × rows` binds.
    struct Rows {
        let table: String
        let columns: [String]
        var values: [[SQLValue]] = []

        func statements(maximumBinds: Int = 30_000) -> [(String, [SQLValue])] {
            let perStatement = max(1, maximumBinds / self.columns.count)
            return stride(from: 0, to: self.values.count, by: perStatement).map { start in
                let chunk = self.values[start..<min(self.values.count, start + perStatement)]
                var binds: [SQLValue] = []
                binds.reserveCapacity(chunk.count * self.columns.count)
                let tuples = chunk.map { row -> String in
                    binds.append(contentsOf: row)
                    let first = binds.count - row.count + 1
                    return "(" + (first..<first + row.count).map { "$\($0)" }.joined(separator: ", ") + ")"
                }
                return ("INSERT INTO \(self.table) (\(self.columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))", binds)
            }
        }
    }

    /// Writes `target` packages' searchable rows, 20,000 packages a transaction.
    func fill(_ database: any SQLDatabase, population: Int, progress: @escaping @Sendable (String) -> Void) async throws {
        let chunk = 20_000
        var from = 0
        var lastReport = ContinuousClock.now
        while from < self.target {
            let to = min(from + chunk, self.target)
            var packages = Rows(
                table: "packages",
                columns: [
                    "package_id", "sender_org", "receiver_org", "idempotency_key", "flow", "message_type", "unified_case_code", "code_assigned",
                    "agency_case_number", "standard_version", "case_name", "case_category", "division", "similarity_key", "content_sha256",
                    "content_size", "created_at", "received_at", "receipt", "package_key",
                ]
            )
            var persons = Rows(
                table: "package_persons",
                columns: ["package_key", "package_id", "person_id", "role", "name", "id_card_number", "gender", "birth_date"]
            )
            var charges = Rows(table: "package_charges", columns: ["package_key", "package_id", "person_ref", "name", "law_article"])
            var links = Rows(table: "case_links", columns: ["case_code", "package_key", "package_id"])
            var texts = Rows(table: "package_text", columns: ["package_key", "body"])
            for index in from..<to {
                let caseIndex = index / 4
                let step = index % 4
                let key = "000000000000" + String(repeating: "0", count: 20 - String(index, radix: 16).count) + String(index, radix: 16)
                let packageId = "s-\(index)"
                let code = Self.caseCode(caseIndex)
                let who = Self.persons(ofCase: caseIndex, population: population).map(Self.person)
                let charge = Self.charges[caseIndex % Self.charges.count]
                let caseName = who[0].name + (who.count > 1 ? "等\(who.count)人" : "") + charge.replacingOccurrences(of: "罪", with: "") + "案"
                let number = ["杭西公（刑）字", "杭西检刑诉", "（2025）浙0106刑初", "浙杭监收"][step] + "〔2025〕\(caseIndex)号"
                // Thirty seconds apart from 2025-01-01, as a year of history.
                let at = Timestamp.string(Date(timeIntervalSince1970: 1_735_689_600 + Double(index) * 30))
                let (flow, message) = Self.flows[step]
                packages.values.append([
                    .text(packageId), .text(Self.agencies[step]), .text(Self.agencies[(step + 1) % 4]), .text("s-key-\(index)"), .text(flow),
                    .text(message), .text(code), .integer(0), .text(number), .text("1.2"), .text(caseName), .text("criminal"), .text("330106"),
                    .text("sim-\(index)"), .text("sha-\(index)"), .integer(4096), .text(at), .text(at), .text("{}"), .text(key),
                ])
                for (position, person) in who.enumerated() {
                    persons.values.append([
                        .text(key), .text(packageId), .text("p\(position + 1)"), .text("suspect"), .text(person.name), .text(person.id), .text("1"),
                        .text(String(person.id.dropFirst(6).prefix(8))),
                    ])
                    charges.values.append([.text(key), .text(packageId), .text("p\(position + 1)"), .text(charge), .null])
                }
                links.values.append([.text(code), .text(key), .text(packageId)])
                // As `CaseSearch.text`: the case's name, the agency's number, the persons, the charges, a document.
                let body = ([caseName, number] + who.map(\.name) + [charge, ["提请批准逮捕书", "起诉意见书", "起诉书", "执行通知书"][step]]).joined(separator: "\n")
                texts.values.append([.text(key), .text(body)])
            }
            let tables = [packages, persons, charges, links, texts]
            try await database.transaction { transaction in
                for rows in tables {
                    for (sql, binds) in rows.statements() { try await transaction.execute(sql, binds) }
                }
            }
            from = to
            if ContinuousClock.now - lastReport > .seconds(10) {
                progress("filled \(from) of \(self.target) packages")
                lastReport = ContinuousClock.now
            }
        }
        // The planners' statistics, as a store that has grown over a year has them.
        try await database.execute("ANALYZE", [])
    }
}
