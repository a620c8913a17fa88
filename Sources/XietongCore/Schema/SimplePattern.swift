/// An XSD pattern made only of ASCII character classes and literals, each with a quantifier
/// (`[0-9]{17}[0-9X]`, `[a-z]+/[A-Za-z0-9.+\-]+`): every pattern of the package schemas. Matching one runs on the
/// value's UTF-8 bytes with no allocation, where the general regular-expression engine costs microseconds per field
/// of every package. A pattern with anything else (alternation, groups, `\d`, non-ASCII) is not simple, and
/// `CompiledPatterns` keeps the regular expression for it.
struct SimplePattern: Sendable, Equatable {
    struct Piece: Sendable, Equatable {
        /// The accepted bytes: bit `b` of `low` for `b < 64`, bit `b - 64` of `high` for `64 ≤ b < 128`.
        var low: UInt64 = 0
        var high: UInt64 = 0
        var min: Int
        var max: Int

        func accepts(_ byte: UInt8) -> Bool {
            byte < 64 ? self.low & (1 << UInt64(byte)) != 0 : byte < 128 && self.high & (1 << UInt64(byte - 64)) != 0
        }
    }

    let pieces: [Piece]

    /// The pattern's pieces, or nil when it is not simple.
    init?(_ pattern: String) {
        let bytes = Array(pattern.utf8)
        var pieces: [Piece] = []
        var index = 0
        func escaped(_ byte: UInt8) -> UInt8? {
            // Only escapes of punctuation stand for themselves; `\d`, `\s`, `\p{…}` and the like are not simple.
            let punctuation = Array(#"\-.+*?()[]{}|^$/"#.utf8)
            return punctuation.contains(byte) ? byte : nil
        }
        while index < bytes.count {
            var piece = Piece(min: 1, max: 1)
            func add(_ from: UInt8, _ to: UInt8) {
                for byte in from...to {
                    if byte < 64 { piece.low |= 1 << UInt64(byte) } else { piece.high |= 1 << UInt64(byte - 64) }
                }
            }
            let byte = bytes[index]
            if byte >= 0x80 { return nil }
            switch byte {
            case UInt8(ascii: "["):
                index += 1
                guard index < bytes.count, bytes[index] != UInt8(ascii: "^") else { return nil }
                var closed = false
                while index < bytes.count {
                    var from = bytes[index]
                    if from == UInt8(ascii: "]") {
                        closed = true
                        index += 1
                        break
                    }
                    if from >= 0x80 || from == UInt8(ascii: "[") { return nil }
                    if from == UInt8(ascii: "\\") {
                        guard index + 1 < bytes.count, let literal = escaped(bytes[index + 1]) else { return nil }
                        from = literal
                        index += 1
                    }
                    index += 1
                    if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                        var to = bytes[index + 1]
                        index += 2
                        if to == UInt8(ascii: "\\") {
                            guard index < bytes.count, let literal = escaped(bytes[index]) else { return nil }
                            to = literal
                            index += 1
                        }
                        guard to < 0x80, from <= to else { return nil }
                        add(from, to)
                    } else {
                        add(from, from)
                    }
                }
                guard closed else { return nil }
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, let literal = escaped(bytes[index + 1]) else { return nil }
                add(literal, literal)
                index += 2
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "|"), UInt8(ascii: "."), UInt8(ascii: "{"), UInt8(ascii: "}"),
                UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "]"):
                return nil
            default:
                add(byte, byte)
                index += 1
            }
            // The quantifier, if any.
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "+"):
                    (piece.min, piece.max) = (1, Int.max)
                    index += 1
                case UInt8(ascii: "*"):
                    (piece.min, piece.max) = (0, Int.max)
                    index += 1
                case UInt8(ascii: "?"):
                    (piece.min, piece.max) = (0, 1)
                    index += 1
                case UInt8(ascii: "{"):
                    guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                    let bounds = String(decoding: bytes[(index + 1)..<close], as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
                    guard bounds.count == 1 || bounds.count == 2, let low = Int(bounds[0]) else { return nil }
                    let high = bounds.count == 1 ? low : Int(bounds[1])
                    guard let high, low <= high else { return nil }
                    (piece.min, piece.max) = (low, high)
                    index = close + 1
                default: break
                }
            }
            pieces.append(piece)
        }
        self.pieces = pieces
    }

    /// Whether the whole of `value` matches (XSD patterns are anchored at both ends).
    func matches(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { self.matches($0[...], from: 0) }
    }

    private func matches(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, from pieceIndex: Int) -> Bool {
        guard pieceIndex < self.pieces.count else { return bytes.isEmpty }
        let piece = self.pieces[pieceIndex]
        // Greedy: take as many as the piece accepts, then give back one at a time while the rest fails.
        var taken = 0
        var index = bytes.startIndex
        while taken < piece.max, index < bytes.endIndex, piece.accepts(bytes[index]) {
            taken += 1
            index += 1
        }
        while taken >= piece.min {
            if self.matches(bytes[(bytes.startIndex + taken)...], from: pieceIndex + 1) { return true }
            taken -= 1
        }
        return false
    }
}
