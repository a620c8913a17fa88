/// An element of a parsed document. Case packages hold structured data only, so the whole tree fits the limits.
public struct XMLElement: Sendable, Hashable {
    public var name: XMLName
    public var attributes: [XMLAttribute]
    public var children: [XMLElement]
    /// The element's own text, concatenated (comments removed, CDATA included).
    public var text: String
    public var line: Int

    public init(name: XMLName, attributes: [XMLAttribute] = [], children: [XMLElement] = [], text: String = "", line: Int = 0) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
        self.line = line
    }

    public func attribute(_ local: String) -> String? {
        self.attributes.first { $0.name.local == local && $0.name.namespace == nil }?.value
    }

    public func child(_ local: String) -> XMLElement? {
        self.children.first { $0.name.local == local }
    }

    public func children(_ local: String) -> [XMLElement] {
        self.children.filter { $0.name.local == local }
    }

    /// The text of a child element, if present.
    public func value(_ local: String) -> String? { self.child(local)?.text }
}

/// Parses a whole document into a tree, streaming from the source and within the limits.
public enum XMLDocumentParser {
    public static func parse(_ source: any XMLByteSource, limits: XMLLimits = .casePackage) throws(XMLError) -> XMLElement {
        var parser = try XMLPullParser(source, limits: limits)
        var stack: [XMLElement] = []
        var root: XMLElement?
        while let event = try parser.next() {
            switch event {
            case .startElement(let name, let attributes, let line):
                stack.append(XMLElement(name: name, attributes: attributes, line: line))
            case .text(let text):
                if !stack.isEmpty { stack[stack.count - 1].text += text }
            case .endElement:
                let element = stack.removeLast()
                if stack.isEmpty {
                    root = element
                } else {
                    stack[stack.count - 1].children.append(element)
                }
            }
        }
        guard let root else { throw XMLError(.xmlTruncated, zh: "文档没有根元素", en: "the document has no root element") }
        return root
    }

    public static func parse(_ bytes: [UInt8], limits: XMLLimits = .casePackage) throws(XMLError) -> XMLElement {
        try self.parse(XMLBytes(bytes), limits: limits)
    }
}
