public import Foundation

/// Case filing reports (案件报备, issue 26, GUI-2): agencies report designated kinds of case to the political-legal
/// committee (major cases, cases of officials, non-prosecutions, acquittals …), and the committee's console lists them
/// with counts and status. Which kinds exist, who reports each and how soon are data (`FilingReportKinds`) a province
/// replaces; Core decides whether a report may be filed.
public struct FilingReportKinds: Sendable, Codable {
    public struct Kind: Sendable, Codable, Hashable {
        public var id: String
        public var zh: String
        public var en: String
        public var description: String?
        /// The agency kinds that report it.
        public var from: [AgencyKind]
        /// Days from the decision or event to the report, where the committee sets one.
        public var dueDays: Int?
    }

    public var format: String
    public var notes: String?
    public var kinds: [Kind]

    public subscript(id: String) -> Kind? { self.kinds.first { $0.id == id } }

    /// The kinds shipped with the platform (`Resources/catalog/filing-reports.json`).
    public static func bundled() throws(ConfigurationError) -> FilingReportKinds {
        let data = try BundledData.read("catalog/filing-reports.json")
        return try Self.checked(DataFileDecoder.decode(Self.self, from: data, file: "filing-reports.json"), file: nil)
    }

    /// A province's kinds, replacing the bundled ones (hub setting `filingReportKinds`).
    public static func load(_ url: URL) throws(ConfigurationError) -> FilingReportKinds {
        try Self.checked(DataFileDecoder.decode(Self.self, contentsOf: url), file: url.path)
    }

    static func checked(_ kinds: FilingReportKinds, file: String?) throws(ConfigurationError) -> FilingReportKinds {
        guard kinds.format == "xietong.filing-reports/1" else {
            throw ConfigurationError(
                .format,
                file: file,
                path: "format",
                zh: "文件格式应为“xietong.filing-reports/1”",
                en: "the format must be 'xietong.filing-reports/1'"
            )
        }
        var seen = Set<String>()
        for (index, kind) in kinds.kinds.enumerated() {
            let path = "kinds[\(index)]"
            guard !kind.id.isEmpty, seen.insert(kind.id).inserted else {
                throw ConfigurationError(
                    .duplicate,
                    file: file,
                    path: "\(path).id",
                    zh: "报备类别标识为空或重复：\(kind.id)",
                    en: "a report kind's id is empty or repeated: \(kind.id)"
                )
            }
            guard !kind.zh.isEmpty, !kind.from.isEmpty else {
                throw ConfigurationError(
                    .missingField,
                    file: file,
                    path: path,
                    zh: "报备类别须有中文名称和报备机关",
                    en: "a report kind needs a Chinese name and the agencies that report it"
                )
            }
            if let days = kind.dueDays, days < 1 {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "\(path).dueDays",
                    zh: "报备期限应为正整数",
                    en: "dueDays must be a positive whole number"
                )
            }
        }
        return kinds
    }
}

/// What an agency's business system files through its node: the case, the kind, and what the committee should know.
public struct FilingReportDraft: Sendable, Codable, Hashable {
    public struct Person: Sendable, Codable, Hashable {
        public var name: String
        public var idNumber: String?

        public init(name: String, idNumber: String? = nil) {
            self.name = name
            self.idNumber = idNumber
        }
    }

    /// The reporter's own id for the report (a UUID): filing it again returns the report as filed.
    public var reportId: String
    public var kind: String
    public var caseCode: String
    public var agencyCaseNumber: String
    public var title: String
    public var summary: String
    public var persons: [Person]
    /// The China day of the decision or event reported.
    public var eventDate: String

    public init(
        reportId: String,
        kind: String,
        caseCode: String,
        agencyCaseNumber: String,
        title: String,
        summary: String,
        persons: [Person],
        eventDate: String
    ) {
        self.reportId = reportId
        self.kind = kind
        self.caseCode = caseCode
        self.agencyCaseNumber = agencyCaseNumber
        self.title = title
        self.summary = summary
        self.persons = persons
        self.eventDate = eventDate
    }

    /// Why a draft cannot be filed.
    public enum ProblemCode: String, Sendable {
        /// A field missing, malformed or too long.
        case invalid = "report.invalid"
        /// A kind the catalog does not have.
        case unknownKind = "report.unknown-kind"
        /// A kind this agency does not report.
        case notReporter = "report.not-reporter"
    }

    /// A draft that cannot be filed: a stable code, the field, and what is wrong.
    public typealias Problem = Refusal<ProblemCode>

    /// Checks the draft for a reporter of `reporterKinds` (an organisation's kind and those it also acts as), with its
    /// ID numbers normalised as search reads them; the first problem otherwise.
    public func checked(kinds: FilingReportKinds, reporterKinds: Set<AgencyKind>) throws(Problem) -> FilingReportDraft {
        func invalid(_ field: String, zh: String, en: String) -> Problem {
            Problem(code: .invalid, field: field, message: LocalizedText(zh: zh, en: en))
        }
        var draft = self
        guard UUID(uuidString: self.reportId) != nil else {
            throw invalid("reportId", zh: "报备编号应为 UUID", en: "reportId must be a UUID")
        }
        guard let kind = kinds[self.kind] else {
            throw Problem(
                code: .unknownKind,
                field: "kind",
                message: LocalizedText(
                    zh: "没有报备类别“\(self.kind)”，可选：\(kinds.kinds.map(\.id).joined(separator: "、"))",
                    en: "no report kind '\(self.kind)'; the kinds are \(kinds.kinds.map(\.id).joined(separator: ", "))"
                )
            )
        }
        guard !reporterKinds.isDisjoint(with: kind.from) else {
            throw Problem(
                code: .notReporter,
                field: "kind",
                message: LocalizedText(
                    zh: "本机关不报备“\(kind.zh)”，由\(kind.from.map(\.name.zh).joined(separator: "、"))报备",
                    en: "this agency does not report '\(kind.en)'; \(kind.from.map(\.rawValue).joined(separator: ", ")) do"
                )
            )
        }
        guard (try? UnifiedCaseCode(self.caseCode)) != nil else {
            throw invalid("caseCode", zh: "统一赋码应为 32 位：\(self.caseCode)", en: "caseCode must be a 32-digit unified code: \(self.caseCode)")
        }
        for (field, value, limit) in [
            ("agencyCaseNumber", self.agencyCaseNumber, 100), ("title", self.title, 200), ("summary", self.summary, 4000),
        ] {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= limit else {
                throw invalid(field, zh: "\(field) 不能为空，且不超过 \(limit) 个字", en: "\(field) must be given, in at most \(limit) characters")
            }
        }
        guard let event = CalendarDate(iso: self.eventDate), CaseSearch.years.contains(event.year) else {
            throw invalid("eventDate", zh: "事件日期应为 YYYY-MM-DD：\(self.eventDate)", en: "eventDate must be a date YYYY-MM-DD: \(self.eventDate)")
        }
        guard self.persons.count <= 100 else { throw invalid("persons", zh: "人员不超过 100 人", en: "at most 100 persons") }
        for (index, person) in self.persons.enumerated() {
            guard !person.name.isEmpty, person.name.count <= 50 else {
                throw invalid("persons[\(index)].name", zh: "姓名不能为空，且不超过 50 个字", en: "a name must be given, in at most 50 characters")
            }
            if let number = person.idNumber {
                guard let normalised = CaseSearch.normalisedIDNumber(number) else {
                    throw invalid("persons[\(index)].idNumber", zh: "身份证号无效：\(number)", en: "not an ID number: \(number)")
                }
                draft.persons[index].idNumber = normalised
            }
        }
        return draft
    }
}

/// A report as the committee holds it.
public struct FilingReport: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// At the committee, not yet read.
        case received
        /// A supervisor has read it (with an optional note).
        case acknowledged

        public var name: LocalizedText {
            switch self {
            case .received: LocalizedText(zh: "待阅", en: "received")
            case .acknowledged: LocalizedText(zh: "已阅", en: "acknowledged")
            }
        }
    }

    public var draft: FilingReportDraft
    public var reporter: String
    public var reportedAt: String
    public var status: Status
    public var acknowledgedBy: String?
    public var acknowledgedAt: String?
    public var note: String?
    /// The last day to report by (`eventDate` + the kind's `dueDays`), and whether it was reported after it.
    public var dueOn: String?
    public var late: Bool

    public init(
        draft: FilingReportDraft,
        reporter: String,
        reportedAt: String,
        status: Status,
        acknowledgedBy: String? = nil,
        acknowledgedAt: String? = nil,
        note: String? = nil,
        dueOn: String?,
        late: Bool
    ) {
        self.draft = draft
        self.reporter = reporter
        self.reportedAt = reportedAt
        self.status = status
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.note = note
        self.dueOn = dueOn
        self.late = late
    }

    /// The last day a report of `kind` about an event on `eventDate` is due, and whether `reportedAt` (China day)
    /// is after it. Calendar days: the committee's rule, not a procedural time limit.
    public static func due(kind: FilingReportKinds.Kind?, eventDate: String, reportedOn: CalendarDate) -> (dueOn: String?, late: Bool) {
        guard let days = kind?.dueDays, let event = CalendarDate(iso: eventDate) else { return (nil, false) }
        let due = event.adding(days: days)
        return (due.iso, due < reportedOn)
    }
}
