#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts GB18030, GBK or GB2312 to UTF-8 chunk by chunk with the C library's iconv (the encoding conversion
/// of ZJ-7.1.2.1). A byte sequence that is not valid in the declared encoding is refused, never replaced.
final class Transcoder {
    enum Failure: Error {
        case invalidSequence(offset: Int)
        case incompleteAtEnd
    }

    private let descriptor: iconv_t
    private var leftover: [UInt8] = []
    private var consumedBefore = 0

    /// Opens a converter; nil when the C library does not know the encoding.
    init?(from encoding: String) {
        let descriptor = iconv_open("UTF-8", encoding)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        self.descriptor = descriptor
    }

    deinit { iconv_close(self.descriptor) }

    /// Converts one chunk; bytes of a character split across chunks wait for the next call.
    func convert(_ chunk: [UInt8]) throws(Failure) -> [UInt8] {
        var input = self.leftover + chunk
        let startOffset = self.consumedBefore - self.leftover.count
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var produced = 0
        var failure: Failure?
        var remaining = 0
        input.withUnsafeMutableBufferPointer { inBuffer in
            var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress.map {
                UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
            }
            var inLeft = inBuffer.count
            while inLeft > 0 {
                let result: Int = output.withUnsafeMutableBufferPointer { outBuffer in
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress! + produced)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuffer.count - produced
                    let result = iconv(self.descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    produced = outBuffer.count - outLeft
                    return result
                }
                if result != -1 { break }
                switch errno {
                case E2BIG:
                    output.append(contentsOf: [UInt8](repeating: 0, count: output.count))
                case EINVAL:
                    remaining = inLeft
                    return
                default:
                    failure = .invalidSequence(offset: startOffset + (inBuffer.count - inLeft))
                    return
                }
            }
        }
        if let failure { throw failure }
        self.leftover = remaining > 0 ? Array(input.suffix(remaining)) : []
        self.consumedBefore += chunk.count
        return Array(output.prefix(produced))
    }

    /// Called at the end of input: refuses a character cut in half.
    func finish() throws(Failure) {
        if !self.leftover.isEmpty { throw .incompleteAtEnd }
    }
}
