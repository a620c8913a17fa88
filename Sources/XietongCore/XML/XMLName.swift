/// A namespace-resolved element or attribute name.
public struct XMLName: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String?
    public var local: String

    public init(namespace: String?, local: String) {
        self.namespace = namespace
        self.local = local
    }

    public var description: String { self.namespace.map { "{\($0)}\(self.local)" } ?? self.local }
}

public struct XMLAttribute: Sendable, Hashable {
    public var name: XMLName
    public var value: String

    public init(name: XMLName, value: String) {
        self.name = name
        self.value = value
    }
}

/// What the pull parser reports. Comments are skipped; CDATA arrives as text.
public enum XMLEvent: Sendable, Hashable {
    case startElement(XMLName, attributes: [XMLAttribute], line: Int)
    case endElement(XMLName)
    case text(String)
}
