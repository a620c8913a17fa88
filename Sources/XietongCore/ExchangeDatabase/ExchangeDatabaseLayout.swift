/// The tables of an exchange database (中间库, issue 24; ZJ-7.1.3.1 b "database access"): the documented contract
/// between a node and a business system that reads and writes rows instead of calling HTTP. The DDL in docs/ and
/// `xietong exchange-db init` are made from this description, and the connector checks the tables it finds against it
/// (ZJ-7.1.2.3 e), so that the three can never disagree.
public enum ExchangeDatabaseLayout {
    /// A column's kind, as far as the connector relies on it: SQLite and PostgreSQL (and later MySQL, 达梦) name the
    /// types differently, and `SQLDatabase.columns(of:)` reports each as one of these.
    public enum ColumnType: String, Sendable, Hashable, CaseIterable {
        case text, integer, bytes
        /// Anything else (a float, a date type, a type the dialect does not map).
        case other

        /// The type in the DDL, the same on SQLite and PostgreSQL (on SQLite, BYTEA has NUMERIC affinity, which stores
        /// a blob as it is).
        public var ddl: String {
            switch self {
            case .text: "TEXT"
            case .integer: "BIGINT"
            case .bytes: "BYTEA"
            case .other: "TEXT"
            }
        }
    }

    /// Who writes a table's rows; the other side only reads them (and marks what it says it may).
    public enum Writer: String, Sendable, Hashable {
        case businessSystem = "business system"
        case node
    }

    /// Which direction a table serves: a change in an outbound table stops intake, one in an inbound table stops
    /// delivery; the other direction goes on.
    public enum Direction: String, Sendable, Hashable {
        case outbound, inbound
    }

    public struct Column: Sendable, Hashable {
        public var name: String
        public var type: ColumnType
        public var nullable: Bool
        /// What the column holds, for the documentation.
        public var meaning: String

        public init(_ name: String, _ type: ColumnType, nullable: Bool = false, _ meaning: String) {
            self.name = name
            self.type = type
            self.nullable = nullable
            self.meaning = meaning
        }
    }

    public struct Table: Sendable, Hashable {
        public var name: String
        public var writer: Writer
        public var direction: Direction
        public var purpose: String
        public var columns: [Column]
        public var primaryKey: [String]
        public var indexes: [[String]]

        public init(
            _ name: String,
            writer: Writer,
            direction: Direction,
            purpose: String,
            columns: [Column],
            primaryKey: [String],
            indexes: [[String]] = []
        ) {
            self.name = name
            self.writer = writer
            self.direction = direction
            self.purpose = purpose
            self.columns = columns
            self.primaryKey = primaryKey
            self.indexes = indexes
        }
    }

    public static let outbound = "xt_outbound"
    public static let outboundAttachments = "xt_outbound_attachment"
    public static let outboundStatus = "xt_outbound_status"
    public static let outboundHops = "xt_outbound_hop"
    public static let inbound = "xt_inbound"
    public static let inboundAttachments = "xt_inbound_attachment"
    public static let inboundCases = "xt_inbound_case"
    public static let inboundPersons = "xt_inbound_person"
    public static let inboundCharges = "xt_inbound_charge"
    public static let inboundMeasures = "xt_inbound_measure"
    public static let inboundDocuments = "xt_inbound_document"

    /// Every table, in the order the DDL creates them.
    public static let tables: [Table] = [
        Table(
            Self.outbound,
            writer: .businessSystem,
            direction: .outbound,
            purpose: "A package to send: one row each. Insert it (and its attachments first) in one transaction; "
                + "to correct a refused package, update the row with a new change_seq.",
            columns: [
                Column("row_key", .text, "the business system's own key for the row (any text; it may change in an upgrade)"),
                Column(
                    "change_seq",
                    .integer,
                    "increases with every insert and update: a sequence's next value or the time in milliseconds; "
                        + "the node reads rows in its order"
                ),
                Column("package_xml", .text, "the case data package, UTF-8 XML (DB33/T 1420.2)"),
                Column("created_at", .text, nullable: true, "when the business system wrote it (informative)"),
            ],
            primaryKey: ["row_key"],
            indexes: [["change_seq", "row_key"]]
        ),
        Table(
            Self.outboundAttachments,
            writer: .businessSystem,
            direction: .outbound,
            purpose: "The files a package's XML declares (by SHA-256): the bytes, or a path the node can read.",
            columns: [
                Column("package_id", .text, "the package's PackageId"),
                Column("attachment_id", .text, "the attachment's id in the package"),
                Column("content", .bytes, nullable: true, "the file's bytes; or NULL with file_path"),
                Column("file_path", .text, nullable: true, "an absolute path on the node's machine; or NULL with content"),
            ],
            primaryKey: ["package_id", "attachment_id"]
        ),
        Table(
            Self.outboundStatus,
            writer: .node,
            direction: .outbound,
            purpose: "The outcome of each outbound row, by its row_key: accepted (with the receipt and, once the hub "
                + "coded it, the unified case code) or refused (with the findings).",
            columns: [
                Column("row_key", .text, "the outbound row's key"),
                Column("change_seq", .integer, "the row's change_seq when the node read it"),
                Column("package_id", .text, nullable: true, "the package's id (NULL when it could not be read)"),
                Column("content_sha256", .text, "SHA-256 of package_xml"),
                Column("state", .text, "accepted, refused, or repeat (the same content sent before under another key)"),
                Column("unified_case_code", .text, nullable: true, "the unified case code (统一案件编码), once known"),
                Column("last_hop", .text, nullable: true, "the newest hop (accepted, forwarded, delivered, signedFor …)"),
                Column("findings", .text, nullable: true, "JSON: the findings, each with code, location, zh and en"),
                Column("receipt", .text, nullable: true, "JSON: the node's receipt"),
                Column("repeat_of", .text, nullable: true, "for state repeat: the row_key the content was first sent under"),
                Column("updated_at", .text, "UTC, ISO 8601"),
            ],
            primaryKey: ["row_key"],
            indexes: [["package_id"]]
        ),
        Table(
            Self.outboundHops,
            writer: .node,
            direction: .outbound,
            purpose: "Each hop of a sent package, as the node learns it (ZJ-7.2.5 tracking).",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("hop", .text, "accepted, forwarded, hubAccepted, coded, delivered, signedFor, returned, refused …"),
                Column("at", .text, "UTC, ISO 8601"),
                Column("organisation", .text, "the organisation whose component recorded it"),
                Column("detail", .text, nullable: true, "the reason, the unified code, or the awaited hop"),
                Column("findings", .text, nullable: true, "JSON, for refusals"),
            ],
            primaryKey: ["package_id", "hop", "at"]
        ),
        Table(
            Self.inbound,
            writer: .node,
            direction: .inbound,
            purpose: "A package delivered to this agency. The business system sets taken_at when it has taken it; the "
                + "node then reports it signed for (签收) and sets signed_reported_at.",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("seq", .integer, "the order of arrival at the node"),
                Column("unified_case_code", .text, "the unified case code"),
                Column("sender", .text, "the sending organisation's code"),
                Column("flow", .text, "the flow (docs/flows.md)"),
                Column("message_type", .text, "the message type"),
                Column("received_at", .text, "when the node stored it, UTC"),
                Column("package_xml", .text, "the case data package, as the sender signed it"),
                Column("taken_at", .text, nullable: true, "set by the business system once it has taken the package"),
                Column("signed_reported_at", .text, nullable: true, "set by the node once it reported the sign-for"),
            ],
            primaryKey: ["package_id"],
            indexes: [["seq"]]
        ),
        Table(
            Self.inboundAttachments,
            writer: .node,
            direction: .inbound,
            purpose: "The package's files. Up to the inline limit the bytes are in content; a larger file (a recording) "
                + "is read from the node's API at node_path (seekable, HTTP ranges).",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("attachment_id", .text, "the attachment's id in the package"),
                Column("name", .text, "the file name"),
                Column("media_type", .text, "the media type"),
                Column("size", .integer, "bytes"),
                Column("sha256", .text, "the file's SHA-256"),
                Column("content", .bytes, nullable: true, "the bytes, when not over the inline limit"),
                Column("node_path", .text, "the file at the node: GET this path with the business system's key"),
            ],
            primaryKey: ["package_id", "attachment_id"]
        ),
        Table(
            Self.inboundCases,
            writer: .node,
            direction: .inbound,
            purpose: "The package's case information (ZJ-7.1.2.2.1), one row per package.",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("unified_case_code", .text, "the unified case code"),
                Column("agency_case_number", .text, "the sender's own case number"),
                Column("case_name", .text, "案件名称"),
                Column("category", .text, "案件类别 (code)"),
                Column("division", .text, "行政区划"),
                Column("filed_on", .text, nullable: true, "立案日期"),
                Column("procedure", .text, nullable: true, "程序"),
                Column("summary", .text, nullable: true, "简要案情"),
                Column("remarks", .text, nullable: true, "备注"),
            ],
            primaryKey: ["package_id"]
        ),
        Table(
            Self.inboundPersons,
            writer: .node,
            direction: .inbound,
            purpose: "The persons in the package (suspects, defendants, victims …).",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("person_id", .text, "the person's id in the package"),
                Column("role", .text, "诉讼角色 (code)"),
                Column("name", .text, "姓名"),
                Column("id_card_number", .text, nullable: true, "公民身份号码"),
                Column("gender", .text, "性别 (code)"),
                Column("birth_date", .text, nullable: true, "出生日期"),
                Column("ethnicity", .text, nullable: true, "民族 (code)"),
                Column("residence", .text, nullable: true, "住址"),
            ],
            primaryKey: ["package_id", "person_id"]
        ),
        Table(
            Self.inboundCharges,
            writer: .node,
            direction: .inbound,
            purpose: "The charges (罪名), each against a person.",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("ordinal", .integer, "the charge's position in the package, from 1"),
                Column("person_id", .text, "the person charged"),
                Column("name", .text, "罪名"),
                Column("law_article", .text, nullable: true, "法条"),
            ],
            primaryKey: ["package_id", "ordinal"]
        ),
        Table(
            Self.inboundMeasures,
            writer: .node,
            direction: .inbound,
            purpose: "The coercive measures (强制措施), each on a person.",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("ordinal", .integer, "the measure's position in the package, from 1"),
                Column("person_id", .text, "the person"),
                Column("kind", .text, "措施种类 (code)"),
                Column("start_date", .text, "起始日期"),
                Column("end_date", .text, nullable: true, "截止日期"),
                Column("custody_organisation", .text, nullable: true, "羁押场所 (organisation code)"),
            ],
            primaryKey: ["package_id", "ordinal"]
        ),
        Table(
            Self.inboundDocuments,
            writer: .node,
            direction: .inbound,
            purpose: "The legal documents (法律文书) in the package.",
            columns: [
                Column("package_id", .text, "the package's id"),
                Column("document_id", .text, "the document's id in the package"),
                Column("title", .text, "标题"),
                Column("document_number", .text, nullable: true, "文号"),
                Column("issued_on", .text, "签发日期"),
                Column("attachment_ids", .text, "the ids of its files, comma-separated"),
            ],
            primaryKey: ["package_id", "document_id"]
        ),
    ]

    public static func table(_ name: String) -> Table? { self.tables.first { $0.name == name } }

    /// A table as a database reports it: its columns' kinds and its primary key's columns.
    public struct FoundTable: Sendable, Hashable {
        public var columns: [String: ColumnType]
        public var primaryKey: Set<String>

        public init(columns: [String: ColumnType], primaryKey: Set<String>) {
            self.columns = columns
            self.primaryKey = primaryKey
        }
    }
}

/// A way the exchange database's tables differ from the documented layout (ZJ-7.1.2.3 e, "any other major change").
/// Added columns and tables are not changes: a business system may keep its own beside ours.
public struct ExchangeSchemaChange: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case missingTable
        case missingColumn
        case retyped(expected: ExchangeDatabaseLayout.ColumnType, found: ExchangeDatabaseLayout.ColumnType)
        /// The primary key is on other columns, or gone: writing exactly once relies on it.
        case primaryKeyChanged(expected: [String], found: [String])
    }

    public var table: String
    public var column: String?
    public var kind: Kind
    public var direction: ExchangeDatabaseLayout.Direction

    public var text: LocalizedText {
        switch self.kind {
        case .missingTable:
            LocalizedText(zh: "缺少表 \(self.table)", en: "the table \(self.table) is missing")
        case .missingColumn:
            LocalizedText(
                zh: "表 \(self.table) 缺少列 \(self.column ?? "")",
                en: "the column \(self.table).\(self.column ?? "") was dropped or renamed"
            )
        case .primaryKeyChanged(let expected, let found):
            LocalizedText(
                zh: "表 \(self.table) 的主键由 (\(expected.joined(separator: ", "))) 改为 (\(found.joined(separator: ", ")))",
                en: "the primary key of \(self.table) changed from (\(expected.joined(separator: ", "))) to (\(found.joined(separator: ", ")))"
            )
        case .retyped(let expected, let found):
            LocalizedText(
                zh: "列 \(self.table).\(self.column ?? "") 的类型由 \(expected.rawValue) 改为 \(found.rawValue)",
                en: "the column \(self.table).\(self.column ?? "") was retyped from \(expected.rawValue) to \(found.rawValue)"
            )
        }
    }

    public var description: String { self.text.en }

    /// The changes between the documented layout and what the database holds: `found` gives each table that exists
    /// (nil: the table does not exist).
    public static func changes(
        _ tables: [ExchangeDatabaseLayout.Table] = ExchangeDatabaseLayout.tables,
        found: (String) -> ExchangeDatabaseLayout.FoundTable?
    ) -> [ExchangeSchemaChange] {
        var changes: [ExchangeSchemaChange] = []
        for table in tables {
            guard let shape = found(table.name) else {
                changes.append(ExchangeSchemaChange(table: table.name, column: nil, kind: .missingTable, direction: table.direction))
                continue
            }
            let columns = shape.columns
            if shape.primaryKey != Set(table.primaryKey), table.primaryKey.allSatisfy({ columns[$0] != nil }) {
                changes.append(
                    ExchangeSchemaChange(
                        table: table.name,
                        column: nil,
                        kind: .primaryKeyChanged(expected: table.primaryKey, found: shape.primaryKey.sorted()),
                        direction: table.direction
                    )
                )
            }
            for column in table.columns {
                guard let type = columns[column.name] else {
                    changes.append(ExchangeSchemaChange(table: table.name, column: column.name, kind: .missingColumn, direction: table.direction))
                    continue
                }
                if type != column.type {
                    changes.append(
                        ExchangeSchemaChange(
                            table: table.name,
                            column: column.name,
                            kind: .retyped(expected: column.type, found: type),
                            direction: table.direction
                        )
                    )
                }
            }
        }
        return changes
    }
}

/// Whether the outbound table's change column still runs forward from the connector's watermark (ZJ-7.1.2.3 d, "a
/// broken increment"). Rows are read in (change_seq, row_key) order above the watermark; this judges what that
/// reading cannot see.
public enum IncrementCheck: Sendable, Hashable {
    /// Nothing suggests a row was missed.
    case inOrder
    /// More rows at or below the watermark than after the last reading: rows were written with old change values
    /// (a late commit, old timestamps, a clock set back).
    case lateRows(Int)
    /// The table's highest change value is below the watermark: the sequence was reset, or an older copy of the
    /// database was restored. New rows may come with values the watermark would skip.
    case wentBackwards(tableMax: Int?)

    /// `rowsAtOrBelow`: rows at or below the watermark now; `expectedAtOrBelow`: as counted right after the last
    /// reading (nil before the first); `tableMax`: the highest change value in the table (nil when it is empty).
    public static func judge(watermark: Int?, tableMax: Int?, rowsAtOrBelow: Int, expectedAtOrBelow: Int?) -> IncrementCheck {
        guard let watermark else { return .inOrder }
        if (tableMax ?? Int.min) < watermark && rowsAtOrBelow == 0 && (expectedAtOrBelow ?? 0) > 0 { return .wentBackwards(tableMax: tableMax) }
        if let tableMax, tableMax < watermark { return .wentBackwards(tableMax: tableMax) }
        if let expectedAtOrBelow, rowsAtOrBelow > expectedAtOrBelow { return .lateRows(rowsAtOrBelow - expectedAtOrBelow) }
        return .inOrder
    }

    public var text: LocalizedText {
        switch self {
        case .inOrder:
            LocalizedText(zh: "增量正常", en: "the increment runs in order")
        case .lateRows(let count):
            LocalizedText(
                zh: "增量断裂：水位线以下新出现 \(count) 行（变更序号回填或提交延迟）",
                en: "broken increment: \(count) new rows at or below the watermark (old change values or a late commit)"
            )
        case .wentBackwards(let tableMax):
            LocalizedText(
                zh: "增量断裂：变更序号回退（当前最大值 \(tableMax.map(String.init) ?? "无")，低于水位线），可能是序列重置或库被还原",
                en: "broken increment: the change column went backwards (highest now \(tableMax.map(String.init) ?? "none"), below the watermark); "
                    + "a sequence reset or a restored copy"
            )
        }
    }
}
