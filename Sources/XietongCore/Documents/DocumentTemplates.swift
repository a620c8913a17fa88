public import Foundation

/// The standard documents a node generates from a case's structured data (issue 26, SZ-6): one template per formal
/// document, for the message that carries it, as data (`Resources/catalog/document-templates.json`,
/// `xietong.document-templates/1`) that a province replaces with its own (node setting `documentTemplates`). A template
/// is a title, an addressee, paragraphs and labelled lines, whose `{{field}}`s are filled from the package
/// (`DocumentTemplates.fields`); the layout is the PDF writer's.
public struct DocumentTemplates: Sendable, Codable {
    public struct Template: Sendable, Codable, Hashable {
        public var id: String
        public var flow: String
        /// The message the document opens or answers with: the package it is generated from has this type.
        public var messageType: String
        public var title: String
        /// The legal basis the document rests on, for the reader of the template.
        public var basis: String?
        public var addressee: String?
        public var paragraphs: [String]
        /// Labelled lines after the text: label and value.
        public var fields: [[String]]
        public var closing: String?
    }

    public var format: String
    public var notes: String?
    public var templates: [Template]

    public subscript(id: String) -> Template? { self.templates.first { $0.id == id } }

    /// The fields a template may name, each filled from the package (`fields(of:registry:today:)`).
    public static let fieldNames: Set<String> = [
        "sender", "receiver", "caseName", "caseCode", "agencyCaseNumber", "summary", "filedOn", "today", "persons", "personsWithId",
        "charges", "lawArticles", "measures", "custodyOrganisation", "documents",
    ]

    /// The templates shipped with the platform.
    public static func bundled() throws(ConfigurationError) -> DocumentTemplates {
        try Self.checked(
            DataFileDecoder.decode(Self.self, from: BundledData.read("catalog/document-templates.json"), file: "document-templates.json"),
            file: nil
        )
    }

    /// A province's templates, replacing the bundled ones.
    public static func load(_ url: URL) throws(ConfigurationError) -> DocumentTemplates {
        try Self.checked(DataFileDecoder.decode(Self.self, contentsOf: url), file: url.path)
    }

    /// Checks the format, unique ids, and that every `{{field}}` is one of `fieldNames`.
    static func checked(_ templates: DocumentTemplates, file: String?) throws(ConfigurationError) -> DocumentTemplates {
        guard templates.format == "xietong.document-templates/1" else {
            throw ConfigurationError(
                .format,
                file: file,
                path: "format",
                zh: "文件格式应为“xietong.document-templates/1”",
                en: "the format must be 'xietong.document-templates/1'"
            )
        }
        var seen = Set<String>()
        for (index, template) in templates.templates.enumerated() {
            let path = "templates[\(index)]"
            guard !template.id.isEmpty, seen.insert(template.id).inserted, !template.title.isEmpty else {
                throw ConfigurationError(
                    .duplicate,
                    file: file,
                    path: "\(path).id",
                    zh: "文书模板标识为空或重复，或没有标题：\(template.id)",
                    en: "a template's id is empty or repeated, or it has no title: \(template.id)"
                )
            }
            let texts = [template.title, template.addressee ?? "", template.closing ?? ""] + template.paragraphs + template.fields.flatMap { $0 }
            for text in texts {
                for name in Self.placeholders(in: text) where !Self.fieldNames.contains(name) {
                    throw ConfigurationError(
                        .invalidValue,
                        file: file,
                        path: path,
                        zh: "模板“\(template.id)”引用了未知字段 {{\(name)}}，可用：\(Self.fieldNames.sorted().joined(separator: "、"))",
                        en:
                            "template '\(template.id)' names an unknown field {{\(name)}}; the fields are \(Self.fieldNames.sorted().joined(separator: ", "))"
                    )
                }
            }
            guard template.fields.allSatisfy({ $0.count == 2 }) else {
                throw ConfigurationError(
                    .invalidValue,
                    file: file,
                    path: "\(path).fields",
                    zh: "每一栏应为 [标签, 内容]",
                    en: "each field is [label, value]"
                )
            }
        }
        return templates
    }

    /// The `{{name}}`s of a text, in order.
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// The values of the fields for `package`: organisations by name, persons with their ID numbers, charges, the
    /// measures and the custody place, China days.
    public static func fields(of package: CasePackage, registry: OrganisationRegistry, today: CalendarDate) -> [String: String] {
        let envelope = package.envelope
        let body = package.body
        func name(_ code: String?) -> String { code.map { registry[$0]?.name.zh ?? $0 } ?? "" }
        let kinds = ["criminalDetention": "刑事拘留", "arrest": "逮捕", "bail": "取保候审", "residentialSurveillance": "监视居住"]
        let persons = Dictionary(body.persons.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        func unique(_ items: [String]) -> [String] {
            var seen = Set<String>()
            return items.filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        return [
            "sender": name(envelope.sender.organisationCode),
            "receiver": name(envelope.receiver.organisationCode),
            "caseName": body.caseInfo.name,
            "caseCode": envelope.unifiedCaseCode ?? "",
            "agencyCaseNumber": envelope.agencyCaseNumber,
            "summary": body.caseInfo.summary ?? "",
            "filedOn": body.caseInfo.filedOn ?? "",
            "today": today.iso,
            "persons": unique(body.persons.map(\.name)).joined(separator: "、"),
            "personsWithId": body.persons.map { $0.name + ($0.idCardNumber.map { "（公民身份号码 \($0)）" } ?? "") }.joined(separator: "；"),
            "charges": unique(body.charges.map(\.name)).joined(separator: "、"),
            "lawArticles": unique(body.charges.compactMap(\.lawArticle)).joined(separator: "、"),
            "measures": body.coerciveMeasures.map { "\(persons[$0.personRef] ?? $0.personRef)：\(kinds[$0.kind] ?? $0.kind)（\($0.startDate) 起）" }
                .joined(separator: "；"),
            "custodyOrganisation": unique(body.coerciveMeasures.map { name($0.custodyOrganisation) }).joined(separator: "、"),
            "documents": body.documents.map(\.title).joined(separator: "、"),
        ]
    }
}

/// A template filled from a package: what the document says, ready to lay out.
public struct FilledDocument: Sendable, Hashable, Codable {
    public var templateId: String
    public var title: String
    public var addressee: String?
    public var paragraphs: [String]
    public var fields: [CustodyCertificate.Line]
    public var closing: String?
    public var issuer: String
    public var issuerName: String
    public var issuedOn: String

    public var fileName: String { "\(self.title).pdf" }

    /// `template` filled from `package`; a refusal when the package is not of the template's message.
    public static func fill(
        _ template: DocumentTemplates.Template,
        from package: CasePackage,
        registry: OrganisationRegistry,
        today: CalendarDate
    ) -> FilledDocument? {
        guard package.envelope.flow == template.flow, package.envelope.messageType == template.messageType else { return nil }
        let values = DocumentTemplates.fields(of: package, registry: registry, today: today)
        func fill(_ text: String) -> String {
            var result = text
            for name in DocumentTemplates.placeholders(in: text) {
                result = result.replacingOccurrences(of: "{{\(name)}}", with: values[name] ?? "")
            }
            return result
        }
        let issuer = package.envelope.sender.organisationCode
        return FilledDocument(
            templateId: template.id,
            title: fill(template.title),
            addressee: template.addressee.map(fill),
            paragraphs: template.paragraphs.map(fill).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty },
            fields: template.fields.map { CustodyCertificate.Line(label: fill($0[0]), value: fill($0[1])) }.filter { !$0.value.isEmpty },
            closing: template.closing.map(fill),
            issuer: issuer,
            issuerName: registry[issuer]?.name.zh ?? issuer,
            issuedOn: today.iso
        )
    }
}
