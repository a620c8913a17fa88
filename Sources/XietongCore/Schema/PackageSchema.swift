import Foundation

/// One version of the case-package schema, loaded from its XSD (`Resources/schema/case-package-X.Y.xsd`,
/// also published under `docs/schema/`).
///
/// The loader understands the subset of XSD the package schema uses: a global root element, named complex types
/// with a `sequence` of elements and attributes, and named simple types restricting a built-in type by pattern,
/// enumeration and length. Anything else in the file is refused, so the schema can never be silently misread.
public struct PackageSchema: Sendable {
    public struct ElementDeclaration: Sendable {
        public var name: String
        public var typeName: String
        public var minOccurs: Int
        /// nil means unbounded.
        public var maxOccurs: Int?
    }

    public struct AttributeDeclaration: Sendable {
        public var name: String
        public var typeName: String
        public var required: Bool
    }

    public struct ComplexType: Sendable {
        public var name: String
        public var sequence: [ElementDeclaration]
        public var attributes: [AttributeDeclaration]
    }

    public let version: String
    public let targetNamespace: String
    public let root: ElementDeclaration
    public let complexTypes: [String: ComplexType]
    public let simpleTypes: [String: SimpleType]

    static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"

    public func simpleType(_ name: String) -> SimpleType? { self.simpleTypes[name] }
    public func complexType(_ name: String) -> ComplexType? { self.complexTypes[name] }

    /// Loads a schema from XSD bytes.
    public init(xsd bytes: [UInt8], file: String) throws(ConfigurationError) {
        let document: XMLElement
        do {
            document = try XMLDocumentParser.parse(bytes)
        } catch {
            throw ConfigurationError(.syntax, file: file, path: error.location, error.message)
        }
        do {
            try self.init(document: document)
        } catch let error as ConfigurationError {
            throw error.inFile(file)
        } catch {
            throw ConfigurationError(.invalidValue, file: file, path: "", zh: "模式中的正则表达式无效", en: "invalid pattern in the schema: \(error)")
        }
    }

    private init(document: XMLElement) throws {
        func unsupported(_ element: XMLElement) -> ConfigurationError {
            ConfigurationError(
                .invalidValue,
                path: "line \(element.line)",
                zh: "不支持的 XSD 构造 <\(element.name.local)>",
                en: "unsupported XSD construct <xs:\(element.name.local)>"
            )
        }
        guard document.name == XMLName(namespace: Self.xsdNamespace, local: "schema"),
            let target = document.attribute("targetNamespace"), let version = document.attribute("version")
        else {
            throw ConfigurationError(
                .format,
                path: "/",
                zh: "不是带 targetNamespace 和 version 的 XSD",
                en: "not an XSD with a targetNamespace and a version"
            )
        }
        var root: ElementDeclaration?
        var complexTypes: [String: ComplexType] = [:]
        var simpleTypes: [String: SimpleType] = [:]
        for child in document.children {
            guard child.name.namespace == Self.xsdNamespace else { throw unsupported(child) }
            switch child.name.local {
            case "element":
                guard root == nil else { throw unsupported(child) }
                root = try Self.elementDeclaration(child)
            case "complexType":
                guard let name = child.attribute("name") else { throw unsupported(child) }
                var sequence: [ElementDeclaration] = []
                var attributes: [AttributeDeclaration] = []
                for part in child.children {
                    switch part.name.local {
                    case "sequence":
                        for element in part.children {
                            guard element.name.local == "element" else { throw unsupported(element) }
                            sequence.append(try Self.elementDeclaration(element))
                        }
                    case "attribute":
                        guard let attributeName = part.attribute("name"), let type = part.attribute("type") else { throw unsupported(part) }
                        attributes.append(AttributeDeclaration(name: attributeName, typeName: type, required: part.attribute("use") == "required"))
                    default: throw unsupported(part)
                    }
                }
                complexTypes[name] = ComplexType(name: name, sequence: sequence, attributes: attributes)
            case "simpleType":
                guard let name = child.attribute("name"), let restriction = child.child("restriction"),
                    let baseName = restriction.attribute("base"), baseName.hasPrefix("xs:"),
                    let base = SimpleType.Base(rawValue: String(baseName.dropFirst(3)))
                else { throw unsupported(child) }
                var patterns: [String] = []
                var enumeration: [String] = []
                var minLength: Int?
                var maxLength: Int?
                for facet in restriction.children {
                    guard let value = facet.attribute("value") else { throw unsupported(facet) }
                    switch facet.name.local {
                    case "pattern": patterns.append(value)
                    case "enumeration": enumeration.append(value)
                    case "minLength": minLength = Int(value)
                    case "maxLength": maxLength = Int(value)
                    default: throw unsupported(facet)
                    }
                }
                simpleTypes[name] = try SimpleType(
                    name: name,
                    base: base,
                    patterns: patterns,
                    enumeration: enumeration,
                    minLength: minLength,
                    maxLength: maxLength
                )
            default:
                throw unsupported(child)
            }
        }
        guard let root else { throw ConfigurationError(.format, path: "/", zh: "XSD 没有根元素声明", en: "the XSD declares no root element") }
        for type in complexTypes.values {
            for reference in type.sequence.map(\.typeName) + type.attributes.map(\.typeName)
            where !reference.hasPrefix("xs:") && complexTypes[reference] == nil && simpleTypes[reference] == nil {
                throw ConfigurationError(.unknownReference, path: type.name, zh: "未定义的类型 \(reference)", en: "undefined type \(reference)")
            }
        }
        self.version = version
        self.targetNamespace = target
        self.root = root
        self.complexTypes = complexTypes
        // Built-in types used directly as element types.
        var all = simpleTypes
        for base in [SimpleType.Base.string, .token, .date, .dateTime, .nonNegativeInteger, .positiveInteger, .anyURI, .boolean] {
            all["xs:\(base.rawValue)"] = try SimpleType(name: "xs:\(base.rawValue)", base: base)
        }
        self.simpleTypes = all
    }

    private static func elementDeclaration(_ element: XMLElement) throws -> ElementDeclaration {
        guard let name = element.attribute("name"), let type = element.attribute("type") else {
            throw ConfigurationError(
                .invalidValue,
                path: "line \(element.line)",
                zh: "元素声明需要 name 和 type",
                en: "an element declaration needs a name and a type"
            )
        }
        let minOccurs = Int(element.attribute("minOccurs") ?? "1") ?? 1
        let maxText = element.attribute("maxOccurs") ?? "1"
        return ElementDeclaration(name: name, typeName: type, minOccurs: minOccurs, maxOccurs: maxText == "unbounded" ? nil : Int(maxText))
    }
}

/// The schema versions this build understands (GZ-8): a package names its version and is checked against it.
public struct SchemaSet: Sendable {
    public let schemas: [String: PackageSchema]

    public init(_ schemas: [PackageSchema]) {
        self.schemas = Dictionary(schemas.map { ($0.version, $0) }, uniquingKeysWith: { _, last in last })
    }

    public var versions: [String] { self.schemas.keys.sorted() }
    public subscript(version: String) -> PackageSchema? { self.schemas[version] }

    public static let bundledVersions = ["1.0", "1.1", "1.2", "1.3"]

    /// The schemas shipped with Xietong.
    public static func bundled() throws(ConfigurationError) -> SchemaSet {
        var schemas: [PackageSchema] = []
        for version in self.bundledVersions {
            let path = "schema/case-package-\(version).xsd"
            schemas.append(try PackageSchema(xsd: [UInt8](BundledData.read(path)), file: path))
        }
        return SchemaSet(schemas)
    }
}
