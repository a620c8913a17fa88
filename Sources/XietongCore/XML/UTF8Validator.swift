/// Validates UTF-8 across chunk boundaries: overlong forms, surrogates and values above U+10FFFF are refused.
struct UTF8Validator {
    private var pending: [UInt8] = []

    enum Outcome {
        case valid([UInt8])
        case invalid(offsetInChunk: Int)
    }

    /// Returns the bytes that form complete characters; an incomplete sequence at the end is kept for the next chunk.
    mutating func feed(_ chunk: [UInt8]) -> Outcome {
        let bytes = self.pending + chunk
        let pendingCount = self.pending.count
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lowerBound: UInt8 = 0x80
            var upperBound: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lowerBound = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upperBound = 0x9F
            case 0xF0:
                length = 4
                lowerBound = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upperBound = 0x8F
            default: return .invalid(offsetInChunk: max(0, index - pendingCount))
            }
            for offset in 1..<length {
                guard index + offset < count else {
                    self.pending = Array(bytes[index...])
                    return .valid(Array(bytes[..<index]))
                }
                let byte = bytes[index + offset]
                let (low, high) = offset == 1 ? (lowerBound, upperBound) : (UInt8(0x80), UInt8(0xBF))
                guard byte >= low, byte <= high else { return .invalid(offsetInChunk: max(0, index - pendingCount)) }
            }
            index += length
        }
        self.pending = []
        return .valid(bytes)
    }

    /// True when the input ended inside a character.
    var hasIncompleteTail: Bool { !self.pending.isEmpty }
}
