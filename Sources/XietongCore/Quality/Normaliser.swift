/// Normalisation before validation (编码转化, ZJ-7.1.2.1 b): white space trimmed, full-width characters in codes
/// made half-width, identity-number check letters upper-cased, and dates unified to ISO 8601. Each change is
/// reported as an `info` finding, so the sender can see what was changed.
public struct Normaliser: Sendable {
    public let schema: PackageSchema

    public init(schema: PackageSchema) {
        self.schema = schema
    }

    public func normalise(_ root: inout XMLElement) -> [Finding] {
        var findings: [Finding] = []
        self.normalise(&root, typeName: self.schema.root.typeName, path: "/\(root.name.local)", into: &findings)
        return findings
    }

    private func normalise(_ element: inout XMLElement, typeName: String, path: String, into findings: inout [Finding]) {
        if let type = self.schema.simpleType(typeName) {
            guard element.children.isEmpty else { return }
            let original = element.text
            var value = type.base == .string ? original : original.trimmingSpaces
            if value != original && type.base != .string {
                findings.append(
                    Finding(.normaliseWhitespace, .info, at: path, line: element.line, zh: "已去除首尾空白", en: "leading and trailing white space removed")
                )
            }
            if type.isCode || type.base == .date || type.base == .dateTime || type.base == .nonNegativeInteger {
                let halfWidth = Self.halfWidth(value)
                if halfWidth != value {
                    findings.append(
                        Finding(
                            .normaliseWidth,
                            .info,
                            at: path,
                            line: element.line,
                            zh: "全角字符已转为半角：“\(value)”→“\(halfWidth)”",
                            en: "full-width characters made half-width: '\(value)' → '\(halfWidth)'"
                        )
                    )
                    value = halfWidth
                }
            }
            if type.name == "IdCardNumberType", value.hasSuffix("x") {
                value = value.uppercased()
            }
            if type.name == "Sha256Type" {
                value = value.lowercased()
            }
            if type.base == .date, let unified = Self.unifiedDate(value), unified != value {
                findings.append(
                    Finding(
                        .normaliseDate,
                        .info,
                        at: path,
                        line: element.line,
                        zh: "日期已统一为 yyyy-MM-dd：“\(value)”→“\(unified)”",
                        en: "date unified to yyyy-MM-dd: '\(value)' → '\(unified)'"
                    )
                )
                value = unified
            }
            if type.base == .dateTime, let unified = Self.unifiedDateTime(value), unified != value {
                findings.append(
                    Finding(
                        .normaliseDate,
                        .info,
                        at: path,
                        line: element.line,
                        zh: "时间已统一为 ISO 8601：“\(value)”→“\(unified)”",
                        en: "date-time unified to ISO 8601: '\(value)' → '\(unified)'"
                    )
                )
                value = unified
            }
            element.text = value
            return
        }
        guard let complex = self.schema.complexType(typeName) else { return }
        var counts: [String: Int] = [:]
        for index in element.children.indices {
            let name = element.children[index].name.local
            guard let declaration = complex.sequence.first(where: { $0.name == name }) else { continue }
            counts[name, default: 0] += 1
            let childPath = SchemaValidator.childPath(path, name, index: counts[name]!, repeating: declaration.maxOccurs != 1)
            self.normalise(&element.children[index], typeName: declaration.typeName, path: childPath, into: &findings)
        }
    }

    /// Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space become their ASCII forms.
    public static func halfWidth(_ text: String) -> String {
        // Both forms are three bytes in UTF-8, led by 0xE3 (the ideographic space) or 0xEF (U+FF01–U+FF5E).
        guard text.utf8.contains(where: { $0 == 0xE3 || $0 == 0xEF }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// `2026/11/5`, `2026.11.05`, `2026年11月5日` and `20261105` become `2026-11-05`; nil when it is no date.
    public static func unifiedDate(_ text: String) -> String? {
        if DateValue.date(text) != nil { return text }
        if text.count == 8, let date = CalendarDate(compact: text) { return date.iso }
        var separated = text
        for separator in ["年", "月", "/", "."] {
            separated = separated.split(separator: Character(separator), omittingEmptySubsequences: false).joined(separator: "-")
        }
        if separated.hasSuffix("日") { separated.removeLast() }
        let parts = separated.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            let date = CalendarDate(year: year, month: month, day: day)
        else { return nil }
        return date.iso
    }

    /// `2026-11-05 09:30:00` and `2026/11/05 09:30:00` become `2026-11-05T09:30:00+08:00` (China time when no zone
    /// is given); nil when it is no date-time.
    public static func unifiedDateTime(_ text: String) -> String? {
        if DateValue.dateTime(text) != nil {
            if let parsed = DateValue.dateTime(text), parsed.offset == nil { return text + "+08:00" }
            return text
        }
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let day = self.unifiedDate(String(parts[0])) else { return nil }
        let candidate = "\(day)T\(parts[1])"
        guard let parsed = DateValue.dateTime(candidate) else { return nil }
        return parsed.offset == nil ? candidate + "+08:00" : candidate
    }
}
