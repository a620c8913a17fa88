// Longer than 400 lines on purpose: one state machine over one buffer, whose invariants (the position, the open
// elements, the hostile-input limits) hold across every token it reads; split into files it would be harder to
// check, and it is checked by HostileXMLTests and by xmllint on every example (SchemaTests).

/// A streaming, hardened XML parser for case data packages.
///
/// It reads the document in chunks and reports events one at a time. It never processes a DTD: a `<!DOCTYPE`
/// is refused, and so are entity references other than the five predefined ones and character references,
/// XInclude, and processing instructions. Size, depth, element count, attribute count, text length and name
/// length are bounded by `XMLLimits`. Input is UTF-8 or a declared GB18030/GBK/GB2312 (see `DecodedInput`).
public struct XMLPullParser {
    public static let xincludeNamespace = "http://www.w3.org/2001/XInclude"
    private static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    private enum State {
        case prolog
        case content
        case epilog
    }

    private var input: DecodedInput
    private let limits: XMLLimits
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var state = State.prolog
    private var sawAnything = false
    private(set) public var line = 1
    private var openElements: [(qname: [UInt8], name: XMLName)] = []
    private var namespaceScopes: [[String: String]] = [["xml": Self.xmlNamespace]]
    private var elementCount = 0
    private var pendingEnd: XMLName?

    public init(_ source: any XMLByteSource, limits: XMLLimits = .casePackage) throws(XMLError) {
        self.input = try DecodedInput(source, limits: limits)
        self.limits = limits
    }

    /// The encoding the document declared, if any.
    public var declaredEncoding: String? { self.input.declaredEncoding }

    // MARK: Reading bytes

    private mutating func peek() throws(XMLError) -> UInt8? {
        if self.position < self.buffer.count { return self.buffer[self.position] }
        while !self.atEnd {
            guard let chunk = try self.input.nextChunk() else {
                self.atEnd = true
                return nil
            }
            if !chunk.isEmpty {
                self.buffer = chunk
                self.position = 0
                return chunk[0]
            }
        }
        return nil
    }

    private mutating func advance() {
        if self.buffer[self.position] == 0x0A { self.line += 1 }
        self.position += 1
    }

    /// The next byte, consumed; a truncation error at the end of input.
    private mutating func take(_ context: @autoclosure () -> String) throws(XMLError) -> UInt8 {
        guard let byte = try self.peek() else { throw self.truncated(context()) }
        self.advance()
        return byte
    }

    private mutating func expect(_ literal: String) throws(XMLError) {
        for expected in literal.utf8 {
            let byte = try self.take("'\(literal)'")
            guard byte == expected else {
                throw self.malformed("应为“\(literal)”", "expected '\(literal)'")
            }
        }
    }

    private mutating func skipWhitespace() throws(XMLError) -> Bool {
        var skipped = false
        while let byte = try self.peek(), Self.isWhitespace(byte) {
            self.advance()
            skipped = true
        }
        return skipped
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x3A || byte >= 0x80
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        self.isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E
    }

    /// Bytes `readText` copies without looking further: not `<`, `&`, `>`, a line end or a control character.
    private static func isPlainText(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != 0x3C && byte != 0x26 && byte != 0x3E || byte == 0x09
    }

    /// Control characters that XML 1.0 forbids.
    private static func isForbiddenControl(_ byte: UInt8) -> Bool {
        byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D
    }

    // MARK: Errors

    private func malformed(_ zh: String, _ en: String) -> XMLError {
        XMLError(.xmlMalformed, line: self.line, zh: "XML 格式错误：\(zh)", en: "malformed XML: \(en)")
    }

    private func truncated(_ context: String) -> XMLError {
        let inside = self.openElements.last.map { String(decoding: $0.qname, as: UTF8.self) }
        let whereZh = inside.map { "（在 <\($0)> 内）" } ?? ""
        let whereEn = inside.map { " inside <\($0)>" } ?? ""
        return XMLError(
            .xmlTruncated,
            line: self.line,
            zh: "文档不完整，在读取 \(context) 时结束\(whereZh)",
            en: "the document is truncated: it ends while reading \(context)\(whereEn)"
        )
    }

    private func limit(_ zh: String, _ en: String) -> XMLError {
        XMLError(.xmlLimit, line: self.line, zh: zh, en: en)
    }

    // MARK: Events

    /// The next event, or nil once the document has ended well-formed.
    public mutating func next() throws(XMLError) -> XMLEvent? {
        if let end = self.pendingEnd {
            self.pendingEnd = nil
            return self.closeElement(end)
        }
        while true {
            guard let byte = try self.peek() else {
                switch self.state {
                case .content: throw self.truncated("元素内容 / element content")
                case .prolog: throw XMLError(.xmlTruncated, line: self.line, zh: "文档没有根元素", en: "the document has no root element")
                case .epilog: return nil
                }
            }
            if self.state != .content {
                if Self.isWhitespace(byte) {
                    self.advance()
                    continue
                }
                guard byte == 0x3C else {
                    throw self.malformed("根元素之外不允许有文本", "text is not allowed outside the root element")
                }
            }
            if byte != 0x3C {
                return .text(try self.readText())
            }
            self.advance()
            let first = self.sawAnything
            self.sawAnything = true
            guard let next = try self.peek() else { throw self.truncated("'<'") }
            switch next {
            case 0x2F:  // '/'
                self.advance()
                guard self.state == .content else { throw self.malformed("多余的结束标签", "unexpected end tag") }
                return try self.readEndTag()
            case 0x21:  // '!'
                self.advance()
                if let text = try self.readMarkupDeclaration() { return .text(text) }
            case 0x3F:  // '?'
                self.advance()
                try self.readProcessingInstruction(isFirst: !first)
            default:
                guard self.state != .epilog else { throw self.malformed("只允许一个根元素", "only one root element is allowed") }
                return try self.readStartTag()
            }
        }
    }

    private mutating func readName() throws(XMLError) -> [UInt8] {
        var name: [UInt8] = []
        guard let first = try self.peek() else { throw self.truncated("名称 / a name") }
        guard Self.isNameStart(first) else { throw self.malformed("名称不能以该字符开头", "a name cannot start with byte 0x\(String(first, radix: 16))") }
        while try self.peek().map(Self.isNameByte) ?? false {
            // The name's bytes in this chunk at once (a name has no line ends), then on into the next chunk.
            let start = self.position
            var end = start + 1
            while end < self.buffer.count, Self.isNameByte(self.buffer[end]) { end += 1 }
            name.append(contentsOf: self.buffer[start..<end])
            if name.count > self.limits.maxNameBytes {
                throw self.limit("名称超过 \(self.limits.maxNameBytes) 字节", "a name exceeds \(self.limits.maxNameBytes) bytes")
            }
            self.position = end
        }
        return name
    }

    /// Decodes `&…;` after the ampersand has been consumed, appending the UTF-8 of the character to `out`.
    private mutating func readReference(into out: inout [UInt8]) throws(XMLError) {
        var name: [UInt8] = []
        while true {
            let byte = try self.take("实体引用 / a reference")
            if byte == 0x3B { break }
            name.append(byte)
            if name.count > 16 || Self.isWhitespace(byte) || byte == 0x3C || byte == 0x26 {
                throw self.malformed("“&”必须写作 &amp;", "a bare '&' must be written &amp;")
            }
        }
        let text = String(decoding: name, as: UTF8.self)
        switch text {
        case "lt": out.append(0x3C)
        case "gt": out.append(0x3E)
        case "amp": out.append(0x26)
        case "quot": out.append(0x22)
        case "apos": out.append(0x27)
        default:
            if text.hasPrefix("#") {
                let digits = text.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, Self.isXMLChar(value), let scalar = Unicode.Scalar(value) else {
                    throw self.malformed("无效的字符引用 &\(text);", "invalid character reference &\(text);")
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            } else {
                throw XMLError(
                    .xmlEntity,
                    line: self.line,
                    zh: "不允许实体引用 &\(text);（不接受 DTD，只允许预定义实体和字符引用）",
                    en:
                        "the entity reference &\(text); is not allowed: DTDs are refused, so only the predefined entities and character references can be used"
                )
            }
        }
    }

    private static func isXMLChar(_ value: UInt32) -> Bool {
        value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value)
            || (0x10000...0x10FFFF).contains(value)
    }

    private mutating func readText() throws(XMLError) -> String {
        var text: [UInt8] = []
        while true {
            // A run of ordinary bytes (no markup, reference, line end or control character) is copied at once.
            let start = self.position
            var end = start
            let buffer = self.buffer
            while end < buffer.count, Self.isPlainText(buffer[end]) { end += 1 }
            if end > start {
                text.append(contentsOf: buffer[start..<end])
                self.position = end
                if text.count > self.limits.maxTextBytes {
                    throw self.limit("文本节点超过 \(self.limits.maxTextBytes) 字节", "a text node exceeds \(self.limits.maxTextBytes) bytes")
                }
            }
            guard let byte = try self.peek(), byte != 0x3C else { break }
            self.advance()
            switch byte {
            case 0x26: try self.readReference(into: &text)
            case 0x0D:
                if try self.peek() == 0x0A { self.advance() }
                text.append(0x0A)
                self.line += 1
            case 0x3E where text.count >= 2 && text[text.count - 1] == 0x5D && text[text.count - 2] == 0x5D:
                throw self.malformed("文本中不允许出现“]]>”", "']]>' is not allowed in text")
            default:
                if Self.isForbiddenControl(byte) {
                    throw self.malformed(
                        "文本含有不允许的控制字符 0x\(String(byte, radix: 16))",
                        "the text contains the forbidden control character 0x\(String(byte, radix: 16))"
                    )
                }
                text.append(byte)
            }
            if text.count > self.limits.maxTextBytes {
                throw self.limit("文本节点超过 \(self.limits.maxTextBytes) 字节", "a text node exceeds \(self.limits.maxTextBytes) bytes")
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// After `<!`: a comment (skipped, returns nil), CDATA (returns its text) or a DOCTYPE (refused).
    private mutating func readMarkupDeclaration() throws(XMLError) -> String? {
        let byte = try self.take("'<!'")
        if byte == 0x2D {
            try self.expect("-")
            var dashes = 0
            var length = 0
            while true {
                let next = try self.take("注释 / a comment")
                if next == 0x3E && dashes >= 2 { return nil }
                dashes = next == 0x2D ? dashes + 1 : 0
                length += 1
                if length > self.limits.maxTextBytes {
                    throw self.limit("注释超过 \(self.limits.maxTextBytes) 字节", "a comment exceeds \(self.limits.maxTextBytes) bytes")
                }
            }
        }
        if byte == 0x5B {
            try self.expect("CDATA[")
            guard self.state == .content else { throw self.malformed("CDATA 只能出现在元素内", "CDATA is only allowed inside an element") }
            var text: [UInt8] = []
            while true {
                let next = try self.take("CDATA")
                text.append(next)
                if Self.isForbiddenControl(next) {
                    throw self.malformed("CDATA 含有不允许的控制字符", "CDATA contains a forbidden control character")
                }
                if text.count >= 3 && text[text.count - 3..<text.count].elementsEqual([0x5D, 0x5D, 0x3E]) {
                    text.removeLast(3)
                    return String(decoding: text, as: UTF8.self)
                }
                if text.count > self.limits.maxTextBytes {
                    throw self.limit("CDATA 超过 \(self.limits.maxTextBytes) 字节", "a CDATA section exceeds \(self.limits.maxTextBytes) bytes")
                }
            }
        }
        if byte == 0x44 {
            throw XMLError(
                .xmlDoctype,
                line: self.line,
                zh: "不允许文档类型声明（DOCTYPE/DTD），以防外部实体和实体膨胀攻击",
                en: "document type declarations (DOCTYPE/DTD) are not allowed: they enable external-entity and entity-expansion attacks"
            )
        }
        throw self.malformed("无法识别的“<!”标记", "unrecognised '<!' markup")
    }

    /// After `<?`: the XML declaration when it comes first, otherwise refused.
    private mutating func readProcessingInstruction(isFirst: Bool) throws(XMLError) {
        let target = String(decoding: try self.readName(), as: UTF8.self)
        guard target.lowercased() == "xml" else {
            throw XMLError(
                .xmlProcessingInstruction,
                line: self.line,
                zh: "不允许处理指令 <?\(target)?>",
                en: "the processing instruction <?\(target)?> is not allowed"
            )
        }
        guard isFirst, target == "xml", self.state == .prolog else {
            throw self.malformed("XML 声明必须位于文档开头", "the XML declaration must come first")
        }
        var previous: UInt8 = 0
        var length = 0
        while true {
            let byte = try self.take("XML 声明 / the XML declaration")
            if previous == 0x3F && byte == 0x3E { return }
            previous = byte
            length += 1
            if length > 1024 { throw self.malformed("XML 声明过长", "the XML declaration is too long") }
        }
    }

    private mutating func readAttributeValue() throws(XMLError) -> String {
        let quote = try self.take("属性值 / an attribute value")
        guard quote == 0x22 || quote == 0x27 else { throw self.malformed("属性值必须加引号", "attribute values must be quoted") }
        var value: [UInt8] = []
        while true {
            let byte = try self.take("属性值 / an attribute value")
            if byte == quote { break }
            switch byte {
            case 0x3C: throw self.malformed("属性值中不允许“<”", "'<' is not allowed in an attribute value")
            case 0x26: try self.readReference(into: &value)
            case 0x09, 0x0A, 0x0D: value.append(0x20)
            default:
                if Self.isForbiddenControl(byte) { throw self.malformed("属性值含有控制字符", "an attribute value contains a control character") }
                value.append(byte)
            }
            if value.count > self.limits.maxTextBytes {
                throw self.limit("属性值超过 \(self.limits.maxTextBytes) 字节", "an attribute value exceeds \(self.limits.maxTextBytes) bytes")
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    private mutating func readStartTag() throws(XMLError) -> XMLEvent {
        let line = self.line
        let qname = try self.readName()
        var rawAttributes: [(name: String, value: String)] = []
        var empty = false
        while true {
            let hadSpace = try self.skipWhitespace()
            let byte = try self.take("<\(String(decoding: qname, as: UTF8.self))>")
            if byte == 0x3E { break }
            if byte == 0x2F {
                try self.expect(">")
                empty = true
                break
            }
            guard hadSpace else { throw self.malformed("属性之间需要空白", "attributes must be separated by white space") }
            self.position -= 1
            let name = String(decoding: try self.readName(), as: UTF8.self)
            _ = try self.skipWhitespace()
            try self.expect("=")
            _ = try self.skipWhitespace()
            let value = try self.readAttributeValue()
            guard !rawAttributes.contains(where: { $0.name == name }) else {
                throw self.malformed("属性“\(name)”重复", "the attribute '\(name)' appears twice")
            }
            rawAttributes.append((name, value))
            if rawAttributes.count > self.limits.maxAttributesPerElement {
                throw self.limit(
                    "元素的属性超过 \(self.limits.maxAttributesPerElement) 个",
                    "an element has more than \(self.limits.maxAttributesPerElement) attributes"
                )
            }
        }
        self.elementCount += 1
        if self.elementCount > self.limits.maxElements {
            throw self.limit("元素数量超过 \(self.limits.maxElements) 个", "the document has more than \(self.limits.maxElements) elements")
        }
        if self.openElements.count + 1 > self.limits.maxDepth {
            throw self.limit("元素嵌套深度超过 \(self.limits.maxDepth) 层", "elements are nested deeper than \(self.limits.maxDepth) levels")
        }

        // The scope changes only where an element declares namespaces (the root, mostly); the others share it.
        var scope = self.namespaceScopes.last!
        var attributes: [XMLAttribute] = []
        var declares = false
        for attribute in rawAttributes {
            if attribute.name == "xmlns" {
                scope[""] = attribute.value
                declares = true
            } else if attribute.name.hasPrefix("xmlns:") {
                scope[String(attribute.name.dropFirst(6))] = attribute.value
                declares = true
            }
        }
        if declares && scope.values.contains(Self.xincludeNamespace) {
            throw XMLError(.xmlXInclude, line: line, zh: "不允许 XInclude", en: "XInclude is not allowed")
        }
        for attribute in rawAttributes where attribute.name != "xmlns" && !attribute.name.hasPrefix("xmlns:") {
            attributes.append(
                XMLAttribute(name: try self.resolve(Array(attribute.name.utf8), in: scope, isAttribute: true, line: line), value: attribute.value)
            )
        }
        let name = try self.resolve(qname, in: scope, isAttribute: false, line: line)
        self.namespaceScopes.append(scope)
        self.openElements.append((qname, name))
        self.state = .content
        if empty { self.pendingEnd = name }
        return .startElement(name, attributes: attributes, line: line)
    }

    private func resolve(_ qname: [UInt8], in scope: [String: String], isAttribute: Bool, line: Int) throws(XMLError) -> XMLName {
        if let colon = qname.firstIndex(of: UInt8(ascii: ":")) {
            let prefix = String(decoding: qname[..<colon], as: UTF8.self)
            guard let namespace = scope[prefix] else {
                throw XMLError(.xmlNamespace, line: line, zh: "未声明的命名空间前缀“\(prefix)”", en: "the namespace prefix '\(prefix)' is not declared")
            }
            return XMLName(namespace: namespace, local: String(decoding: qname[(colon + 1)...], as: UTF8.self))
        }
        let local = String(decoding: qname, as: UTF8.self)
        if isAttribute { return XMLName(namespace: nil, local: local) }
        let namespace = scope[""].flatMap { $0.isEmpty ? nil : $0 }
        return XMLName(namespace: namespace, local: local)
    }

    private mutating func readEndTag() throws(XMLError) -> XMLEvent {
        let qname = try self.readName()
        _ = try self.skipWhitespace()
        try self.expect(">")
        guard let open = self.openElements.last, open.qname == qname else {
            let expected = self.openElements.last.map { String(decoding: $0.qname, as: UTF8.self) } ?? ""
            let got = String(decoding: qname, as: UTF8.self)
            throw self.malformed("结束标签 </\(got)> 与 <\(expected)> 不匹配", "the end tag </\(got)> does not match <\(expected)>")
        }
        return self.closeElement(open.name)
    }

    private mutating func closeElement(_ name: XMLName) -> XMLEvent {
        self.openElements.removeLast()
        self.namespaceScopes.removeLast()
        if self.openElements.isEmpty { self.state = .epilog }
        return .endElement(name)
    }
}
