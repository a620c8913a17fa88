/// A statutory time limit attached to a message (ZJ-6, GS-3).
public struct TimeLimit: Sendable, Hashable, Codable {
    public enum Party: String, Sendable, Hashable, Codable {
        /// The receiver must act (decide, reply, execute) within the limit, counted from receipt.
        case receiver
        /// The sender must send within the limit, counted from the event named in `start`.
        case sender
    }

    public enum Unit: String, Sendable, Hashable, Codable {
        case hours
        case days
        case workingDays
        case months
        /// The law says 立即: no day count, but the act is due at once.
        case immediately
    }

    public var party: Party
    public var value: Int
    public var unit: Unit
    /// What the limit counts from: `receipt` for receiver limits; for sender limits the triggering event
    /// (`detention`, `effective`, `decision`, `beforeHearing` …).
    public var start: String
    /// The legal basis, article by article.
    public var basis: String
    /// False where the article number or the figure is still to be checked against the official text.
    public var verified: Bool
    /// The answers that meet the limit; nil when any answer of the responsible party does (for example the court's
    /// 2 months to judge are met by the judgment, not by the hearing notice).
    public var metBy: [String]?
    /// A window for an act that may not happen (a protest, an opinion): when it passes unused the limit lapses,
    /// which is not overdue.
    public var optional: Bool
    /// The receivers the limit binds, when not every receiver of the message (issue 20: 收监 within 1 month binds the
    /// police, 监狱法第15条第1款; a procuratorate's opinion binds the procuratorate). Nil for all.
    public var receiverKinds: [AgencyKind]?
    /// The coercive measures the package must carry for the limit to start (the 24 hours of 公安规定第92条 and
    /// 第118条 are for bail and residential surveillance). Nil for any package.
    public var measureKinds: [String]?
    /// For a variant that depends on custody: true when it applies only to a person in custody, false only to one not
    /// in custody, judged when it starts (人民检察院刑事诉讼规则第282条: 7 days for a detained suspect, 15 otherwise).
    public var inCustody: Bool?
    /// For a variant of a procedure: the procedures it applies to (`ordinary`, `summary`, `fastTrack`; a package that
    /// names none is `ordinary`). Nil for every procedure.
    public var procedures: [String]?
    /// For a limit an approval or decision may extend: the longest the law allows, counted from the same start
    /// (刑事诉讼法第91条第2款: 3 days, at most 30; 第172条: 1 month, at most 1 month and 15 days). A package of the
    /// responsible agency stating the `limitExtendedTo` key date moves the last day up to it (issue 20).
    public var longest: Span?
    /// Who may approve an extension past `longest`, where the law lets one (刑事诉讼法第208条第1款, 第243条: the
    /// Supreme People's Court): a stated day past it is then taken as stated, with this named. Nil where `longest` is
    /// a hard cap.
    public var beyond: String?

    /// A length of time the law states in months and days, counted months first (最高法解释第202条: half a month is
    /// 15 days, so 一个半月 is 1 month and 15 days).
    public struct Span: Sendable, Hashable, Codable, CustomStringConvertible {
        public var months: Int
        public var days: Int

        public init(months: Int = 0, days: Int = 0) {
            self.months = months
            self.days = days
        }

        /// The last day of the span started on `start` (the start not counted).
        public func end(from start: CalendarDate) -> CalendarDate {
            start.adding(months: self.months).adding(days: self.days)
        }

        /// `1 months 15 days`.
        public var description: String {
            [self.months > 0 ? "\(self.months) months" : nil, self.days > 0 || self.months == 0 ? "\(self.days) days" : nil]
                .compactMap { $0 }.joined(separator: " ")
        }

        public var text: LocalizedText {
            LocalizedText(
                zh: (self.months > 0 ? "\(self.months)个月" : "") + (self.days > 0 || self.months == 0 ? "\(self.days)日" : ""),
                en: self.description
            )
        }

        enum CodingKeys: String, CodingKey { case months, days }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.months = try container.decodeIfPresent(Int.self, forKey: .months) ?? 0
            self.days = try container.decodeIfPresent(Int.self, forKey: .days) ?? 0
        }
    }

    public init(
        party: Party,
        value: Int,
        unit: Unit,
        start: String = "receipt",
        basis: String,
        verified: Bool = true,
        metBy: [String]? = nil,
        optional: Bool = false,
        receiverKinds: [AgencyKind]? = nil,
        measureKinds: [String]? = nil,
        inCustody: Bool? = nil,
        procedures: [String]? = nil,
        longest: Span? = nil,
        beyond: String? = nil
    ) {
        self.party = party
        self.value = value
        self.unit = unit
        self.start = start
        self.basis = basis
        self.verified = verified
        self.metBy = metBy
        self.optional = optional
        self.receiverKinds = receiverKinds
        self.measureKinds = measureKinds
        self.inCustody = inCustody
        self.procedures = procedures
        self.longest = longest
        self.beyond = beyond
    }

    enum CodingKeys: String, CodingKey {
        case party, value, unit, start, basis, verified, metBy, optional, receiverKinds, measureKinds, inCustody, procedures, longest, beyond
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.party = try container.decode(Party.self, forKey: .party)
        self.value = try container.decode(Int.self, forKey: .value)
        self.unit = try container.decode(Unit.self, forKey: .unit)
        self.start = try container.decodeIfPresent(String.self, forKey: .start) ?? "receipt"
        self.basis = try container.decode(String.self, forKey: .basis)
        self.verified = try container.decodeIfPresent(Bool.self, forKey: .verified) ?? true
        self.metBy = try container.decodeIfPresent([String].self, forKey: .metBy)
        self.optional = try container.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        self.receiverKinds = try container.decodeIfPresent([AgencyKind].self, forKey: .receiverKinds)
        self.measureKinds = try container.decodeIfPresent([String].self, forKey: .measureKinds)
        self.inCustody = try container.decodeIfPresent(Bool.self, forKey: .inCustody)
        self.procedures = try container.decodeIfPresent([String].self, forKey: .procedures)
        // `"longest": 30` is 30 of the limit's own unit; `{"months": 1, "days": 15}` names both.
        if let value = try? container.decodeIfPresent(Int.self, forKey: .longest) {
            guard self.unit == .days || self.unit == .months else {
                throw DecodingError.dataCorruptedError(
                    forKey: .longest,
                    in: container,
                    debugDescription: "a longest as a number needs a limit in days or months; name months and days"
                )
            }
            self.longest = self.unit == .days ? Span(days: value) : Span(months: value)
        } else {
            self.longest = try container.decodeIfPresent(Span.self, forKey: .longest)
        }
        self.beyond = try container.decodeIfPresent(String.self, forKey: .beyond)
    }

    /// Whether the limit starts for a package to a receiver acting as `receiverKinds`, carrying measures of
    /// `measures` kinds, concerning persons in custody or not, in the case's `procedure`.
    public func applies(receiverKinds kinds: Set<AgencyKind>, measures: [String], custody: Bool, procedure: String? = nil) -> Bool {
        if let bound = self.receiverKinds, !kinds.isEmpty, kinds.isDisjoint(with: bound) { return false }
        if let variants = self.procedures, !variants.contains(procedure ?? "ordinary") { return false }
        if let needed = self.measureKinds, !measures.contains(where: needed.contains) { return false }
        if let held = self.inCustody, held != custody { return false }
        return true
    }

    /// `7 days`, `10 working days`, `immediately`.
    public var text: LocalizedText { Self.text(value: self.value, unit: self.unit) }

    /// `7日` and `7 days`, `10个工作日` and `10 working days`, `立即` and `immediately`.
    public static func text(value: Int, unit: Unit) -> LocalizedText {
        switch unit {
        case .hours: LocalizedText(zh: "\(value)小时", en: "\(value) h")
        case .days: LocalizedText(zh: "\(value)日", en: "\(value) days")
        case .workingDays: LocalizedText(zh: "\(value)个工作日", en: "\(value) working days")
        case .months: LocalizedText(zh: "\(value)个月", en: "\(value) months")
        case .immediately: LocalizedText(zh: "立即", en: "immediately")
        }
    }

    /// A limit as the hub keeps it with a deadline (its value and unit: `7 days`, `10 workingDays`, `0 immediately`)
    /// in words; nil for any other text.
    public static func text(stored: String) -> LocalizedText? {
        let parts = stored.split(separator: " ")
        guard parts.count == 2, let value = Int(parts[0]), let unit = Unit(rawValue: String(parts[1])) else { return nil }
        return Self.text(value: value, unit: unit)
    }

    /// A legal basis without the English glosses the catalog writes beside its citations, for a page in Chinese
    /// (issue 22): `刑事诉讼法第172条第1款 (decide within 1 month, +15 days if major or complex); 人民检察院刑事诉讼规则第351条`
    /// reads `刑事诉讼法第172条第1款；人民检察院刑事诉讼规则第351条`. Bracketed glosses go; of a part (between semicolons) still
    /// in English only its citations stay; a part in Chinese stays whole (a custody limit's `…第156条：张三`). The basis as
    /// it is when nothing Chinese is left.
    public static func citation(_ basis: String) -> String {
        let parts = Self.withoutGlosses(basis).split { $0 == ";" || $0 == "；" }.compactMap { part -> String? in
            let text = part.split(separator: " ").joined(separator: " ")
            guard !text.isEmpty else { return nil }
            guard text.contains(where: { $0.isASCII && $0.isLetter }) else { return text }
            let cited = Self.citations(in: text)
            return cited.isEmpty ? nil : cited.joined(separator: "；")
        }
        return parts.isEmpty ? basis : parts.joined(separator: "；")
    }

    /// The text without its bracketed parts that hold English.
    static func withoutGlosses(_ text: String) -> String {
        let characters = Array(text)
        var kept = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "(" || character == "（", let end = Self.closingBracket(characters, from: index),
                characters[(index + 1)..<end].contains(where: { $0.isASCII && $0.isLetter })
            {
                kept.append(" ")
                index = end + 1
                continue
            }
            kept.append(character)
            index += 1
        }
        return kept
    }

    /// The index of the bracket closing the one at `start`, brackets inside counted; nil when it is not closed.
    static func closingBracket(_ characters: [Character], from start: Int) -> Int? {
        var depth = 0
        for index in start..<characters.count {
            switch characters[index] {
            case "(", "（":
                depth += 1
            case ")", "）":
                depth -= 1
                if depth == 0 { return index }
            default:
                break
            }
        }
        return nil
    }

    /// The citations in a text that also says things in English: runs of Chinese characters, digits, book-title marks,
    /// `、` and `-`, with single spaces and bracketed years or notes (`(2021)`, `(试行)`) inside, kept when they name an
    /// article (第), a title (《) or a law or rule by how its name ends.
    static func citations(in text: String) -> [String] {
        let characters = Array(text)
        var citations: [String] = []
        var run = ""
        func endRun() {
            while run.last == " " { run.removeLast() }
            if run.contains("第") || run.contains("《") || Self.citedNameEnds.contains(where: { run.hasSuffix($0) }) {
                citations.append(run)
            }
            run = ""
        }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "(" || character == "（" {
                // A year or a note in brackets belongs to the citation; anything else in brackets ends it.
                if let end = Self.closingBracket(characters, from: index), end > index + 1,
                    characters[(index + 1)..<end].allSatisfy({ Self.isHan($0) || $0.isASCIIDigit })
                {
                    let inside = String(characters[(index + 1)..<end])
                    run += run.isEmpty ? inside : "(\(inside))"
                    index = end + 1
                    continue
                }
                endRun()
            } else if Self.isHan(character) || character.isASCIIDigit || "《》〈〉、·-".contains(character) {
                run.append(character)
            } else if character == " ", !run.isEmpty {
                run.append(character)
            } else {
                endRun()
            }
            index += 1
        }
        endRun()
        return citations
    }

    /// How the name of a law, a rule or an interpretation ends, when it is cited without an article.
    static let citedNameEnds = ["法", "规定", "办法", "规则", "解释", "制度"]

    /// A Chinese (CJK unified) character.
    static func isHan(_ character: Character) -> Bool {
        character.unicodeScalars.contains { (0x3400...0x4DBF).contains($0.value) || (0x4E00...0x9FFF).contains($0.value) }
    }
}
