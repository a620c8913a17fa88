/// How field values are read: trimmed, tested for blankness and counted, from their bytes where that is enough.
extension String {
    /// The text without leading and trailing white space (any Unicode white space, the ideographic space
    /// U+3000 included). Runs on every field of every package (normalisation and the schema check), so it looks at
    /// the ends' scalars only and returns the text itself, uncopied, when there is nothing to trim.
    var trimmingSpaces: String {
        // Most values begin and end with a visible ASCII character: nothing to trim, no scalar properties to look up.
        if let first = self.utf8.first, let last = self.utf8.last, first > 0x20 && first < 0x7F, last > 0x20 && last < 0x7F { return self }
        let scalars = self.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard scalars[before].properties.isWhitespace else { break }
            end = before
        }
        if start == scalars.startIndex && end == scalars.endIndex { return self }
        return String(scalars[start..<end])
    }

    /// Whether the text is empty or white space only: the indentation between a complex element's children.
    var isBlank: Bool {
        if self.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) { return true }
        return self.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
    }

    /// The number of characters, counted from the bytes when they are all ASCII (one character each).
    var characterCount: Int {
        self.utf8.allSatisfy({ $0 < 0x80 }) ? self.utf8.count : self.count
    }
}
