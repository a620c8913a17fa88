import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
import XietongHTTP
import XietongStore

/// A stored file as the node answers it (issue 24): the headers of every answer, and the bytes a 200 and a 206 stream
/// from the blob store.
@Suite struct BlobResponseTests {
    typealias File = (blobs: BlobStore, sha256: String, bytes: [UInt8])

    /// 10,000 bytes that differ from one offset to the next, in a blob store of their own.
    static func stored() async throws -> File {
        let blobs = try BlobStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("xietong-blob-response-\(UUID().uuidString)"))
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let sha256 = try await blobs.write(bytes)
        return (blobs, sha256, bytes)
    }

    /// Where a response body's bytes go.
    final class Sink {
        var bytes: [UInt8] = []
        var finished = false
    }

    struct Collector: ResponseBodyWriter {
        let sink: Sink
        mutating func write(_ buffer: ByteBuffer) async throws { self.sink.bytes.append(contentsOf: buffer.readableBytesView) }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { self.sink.finished = true }
    }

    static func body(_ response: Response) async throws -> [UInt8] {
        let sink = Sink()
        try await response.body.write(Collector(sink: sink))
        #expect(sink.finished)
        return sink.bytes
    }

    static func answer(_ request: HTTPFields, _ file: File, method: HTTPRequest.Method = .get) throws -> Response {
        try BlobResponse.answer(
            method: method,
            request: request,
            blobs: file.blobs,
            sha256: file.sha256,
            size: file.bytes.count,
            headers: [.contentType: "video/webm"]
        )
    }

    @Test func theWholeFileAndOneRangeOfIt() async throws {
        let file = try await Self.stored()
        defer { try? FileManager.default.removeItem(at: file.blobs.root) }
        let whole = try Self.answer([:], file)
        #expect(whole.status == .ok)
        #expect(whole.headers[.contentLength] == "10000" && whole.headers[.contentType] == "video/webm")
        #expect(whole.headers[.acceptRanges] == "bytes" && whole.headers[.eTag] == "\"\(file.sha256)\"")
        #expect(whole.headers[.contentRange] == nil)
        #expect(try await Self.body(whole) == file.bytes)

        let middle = try Self.answer([.range: "bytes=5000-5999"], file)
        #expect(middle.status == .partialContent)
        #expect(middle.headers[.contentRange] == "bytes 5000-5999/10000" && middle.headers[.contentLength] == "1000")
        #expect(middle.headers[.contentType] == "video/webm" && middle.headers[.acceptRanges] == "bytes")
        #expect(try await Self.body(middle) == Array(file.bytes[5000...5999]))

        let tail = try Self.answer([.range: "bytes=-3"], file)
        #expect(tail.headers[.contentRange] == "bytes 9997-9999/10000")
        #expect(try await Self.body(tail) == Array(file.bytes[9997...]))

        // The range while the client's copy is this file; the whole file once it is another.
        let same = try Self.answer([.range: "bytes=1-2", .ifRange: "\"\(file.sha256)\""], file)
        #expect(same.status == .partialContent)
        #expect(try await Self.body(same) == [file.bytes[1], file.bytes[2]])
        let changed = try Self.answer([.range: "bytes=1-2", .ifRange: "\"another\""], file)
        #expect(changed.status == .ok && changed.headers[.contentLength] == "10000")
    }

    @Test func headSaysWhatGetWouldSendWithoutTheBytesOrAnyRange() async throws {
        let file = try await Self.stored()
        defer { try? FileManager.default.removeItem(at: file.blobs.root) }
        let head = try Self.answer([.range: "bytes=0-9"], file, method: .head)
        #expect(head.status == .ok && head.headers[.contentLength] == "10000" && head.headers[.contentRange] == nil)
        #expect(head.headers[.acceptRanges] == "bytes" && head.headers[.eTag] == "\"\(file.sha256)\"")
        #expect(try await Self.body(head).isEmpty)
    }

    @Test func outsideTheFileNotModifiedAndAFailedPrecondition() async throws {
        let file = try await Self.stored()
        defer { try? FileManager.default.removeItem(at: file.blobs.root) }
        let outside = #expect(throws: APIError.self) { try Self.answer([.range: "bytes=10000-"], file) }
        #expect(outside?.code == .rangeNotSatisfiable && outside?.status == .rangeNotSatisfiable)
        #expect(outside?.headers[.contentRange] == "bytes */10000")

        let cached = try Self.answer([.ifNoneMatch: "\"\(file.sha256)\"", .range: "bytes=0-9"], file)
        #expect(cached.status == .notModified && cached.headers[.eTag] == "\"\(file.sha256)\"")
        #expect(try await Self.body(cached).isEmpty)

        let failed = #expect(throws: APIError.self) { try Self.answer([.ifMatch: "\"another\""], file) }
        #expect(failed?.code == .preconditionFailed && failed?.status == .preconditionFailed)
    }
}
