/// Checks a parsed package against its schema version and reports every structural problem as a finding with
/// an XPath-like location (`/CasePackage/Body/Persons/Person[2]/Gender`).
public struct SchemaValidator: Sendable {
    public let schema: PackageSchema

    public init(schema: PackageSchema) {
        self.schema = schema
    }

    public func validate(_ root: XMLElement) -> [Finding] {
        var findings: [Finding] = []
        let path = "/\(root.name.local)"
        guard root.name == XMLName(namespace: self.schema.targetNamespace, local: self.schema.root.name) else {
            findings.append(
                Finding(
                    .schemaRoot,
                    at: path,
                    line: root.line,
                    zh: "根元素应为命名空间 \(self.schema.targetNamespace) 中的 <\(self.schema.root.name)>",
                    en: "the root element must be <\(self.schema.root.name)> in the namespace \(self.schema.targetNamespace)"
                )
            )
            return findings
        }
        self.validate(root, typeName: self.schema.root.typeName, path: path, into: &findings)
        return findings
    }

    /// The location of the `index`-th (1-based) child named `name`; repeating elements always carry an index.
    static func childPath(_ parent: String, _ name: String, index: Int, repeating: Bool) -> String {
        repeating ? "\(parent)/\(name)[\(index)]" : "\(parent)/\(name)"
    }

    private func validate(_ element: XMLElement, typeName: String, path: String, into findings: inout [Finding]) {
        if let simple = self.schema.simpleType(typeName) {
            self.validateSimple(element, simple, path: path, into: &findings)
            return
        }
        guard let complex = self.schema.complexType(typeName) else { return }
        for declaration in complex.attributes where declaration.required && element.attribute(declaration.name) == nil {
            findings.append(
                Finding(
                    .schemaMissingAttribute,
                    at: "\(path)/@\(declaration.name)",
                    line: element.line,
                    zh: "缺少必填属性 \(declaration.name)",
                    en: "the required attribute '\(declaration.name)' is missing"
                )
            )
        }
        for attribute in element.attributes {
            let attributePath = "\(path)/@\(attribute.name.local)"
            guard attribute.name.namespace == nil, let declaration = complex.attributes.first(where: { $0.name == attribute.name.local }) else {
                findings.append(
                    Finding(
                        .schemaUnexpectedAttribute,
                        at: attributePath,
                        line: element.line,
                        zh: "不允许的属性 \(attribute.name.local)",
                        en: "the attribute '\(attribute.name.local)' is not allowed here"
                    )
                )
                continue
            }
            if let type = self.schema.simpleType(declaration.typeName), let problem = type.problem(with: attribute.value) {
                findings.append(Finding(.schemaInvalidValue, at: attributePath, line: element.line, problem))
            }
        }
        if !element.text.isBlank {
            findings.append(
                Finding(
                    .schemaUnexpectedText,
                    at: path,
                    line: element.line,
                    zh: "此处只允许子元素，不允许文本",
                    en: "only child elements are allowed here, not text"
                )
            )
        }
        var index = 0
        let children = element.children
        for declaration in complex.sequence {
            var count = 0
            let repeating = declaration.maxOccurs != 1
            while index < children.count, self.matches(children[index], declaration) {
                count += 1
                let childPath = Self.childPath(path, declaration.name, index: count, repeating: repeating)
                if let max = declaration.maxOccurs, count > max {
                    findings.append(
                        Finding(
                            .schemaTooMany,
                            at: childPath,
                            line: children[index].line,
                            zh: "<\(declaration.name)> 最多出现 \(max) 次",
                            en: "<\(declaration.name)> may appear at most \(max) times"
                        )
                    )
                } else {
                    self.validate(children[index], typeName: declaration.typeName, path: childPath, into: &findings)
                }
                index += 1
            }
            if count < declaration.minOccurs {
                findings.append(
                    Finding(
                        .schemaMissingElement,
                        at: "\(path)/\(declaration.name)",
                        line: element.line,
                        zh: "缺少必填字段 <\(declaration.name)>",
                        en: "the required field <\(declaration.name)> is missing"
                    )
                )
            }
        }
        while index < children.count {
            let child = children[index]
            let known = complex.sequence.contains { self.matches(child, $0) }
            findings.append(
                Finding(
                    .schemaUnexpectedElement,
                    at: "\(path)/\(child.name.local)",
                    line: child.line,
                    known
                        ? LocalizedText(
                            zh: "<\(child.name.local)> 位置不对，请按模式规定的顺序排列",
                            en: "<\(child.name.local)> is out of order; elements must follow the schema's sequence"
                        )
                        : LocalizedText(zh: "不允许的元素 <\(child.name.local)>", en: "the element <\(child.name.local)> is not allowed here")
                )
            )
            index += 1
        }
    }

    private func matches(_ element: XMLElement, _ declaration: PackageSchema.ElementDeclaration) -> Bool {
        element.name.local == declaration.name && element.name.namespace == self.schema.targetNamespace
    }

    private func validateSimple(_ element: XMLElement, _ type: SimpleType, path: String, into findings: inout [Finding]) {
        if let child = element.children.first {
            findings.append(
                Finding(
                    .schemaUnexpectedElement,
                    at: "\(path)/\(child.name.local)",
                    line: child.line,
                    zh: "此字段不允许子元素",
                    en: "this field cannot contain elements"
                )
            )
            return
        }
        if !element.attributes.isEmpty {
            findings.append(
                Finding(.schemaUnexpectedAttribute, at: path, line: element.line, zh: "此字段不允许属性", en: "this field cannot have attributes")
            )
        }
        let value = type.base == .string ? element.text : element.text.trimmingSpaces
        if value.isEmpty && type.minLength ?? 0 > 0 || value.isEmpty && type.base != .string && type.base != .token {
            findings.append(Finding(.schemaEmptyValue, at: path, line: element.line, zh: "字段不能为空", en: "the field must not be empty"))
            return
        }
        if let problem = type.problem(with: value) {
            findings.append(Finding(.schemaInvalidValue, at: path, line: element.line, problem))
        }
    }
}
