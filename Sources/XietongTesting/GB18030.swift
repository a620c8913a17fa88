#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes text as GB18030 with the C library's iconv, for fixtures that imitate business systems which still
/// emit GB18030 or GBK.
public enum GB18030 {
    public static func encode(_ text: String) -> [UInt8] {
        guard let descriptor = iconv_open("GB18030", "UTF-8"), descriptor != iconv_t(bitPattern: -1) else {
            preconditionFailure("iconv has no GB18030 converter")
        }
        defer { iconv_close(descriptor) }
        var input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var produced = 0
        input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                precondition(result != -1, "text not representable in GB18030")
                produced = outBuffer.count - outLeft
            }
        }
        return Array(output.prefix(produced))
    }
}
