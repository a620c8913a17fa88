import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import XietongClient
import XietongCore
import XietongLocal
import XietongStore
import XietongTesting

/// Stream access (ZJ-7.1.3.1 b, issue 24): a large recording, sent as an attachment through the exchange, is sought to
/// its middle at the receiving node by range requests, from `curl -r` and from an HTTP client, with the node's memory
/// flat. The recording is 256 MiB by default; `XIETONG_TEST_STREAM_BYTES=1073741824 swift test --filter
/// StreamAccessTests` runs the 1 GiB.
@Suite(.serialized, .timeLimit(.minutes(20))) struct StreamAccessTests {
    static let size = ProcessInfo.processInfo.environment["XIETONG_TEST_STREAM_BYTES"].flatMap(Int.init) ?? 256 << 20
    static let curl = "/usr/bin/curl"

    /// A recording's stand-in: `size` bytes computed from their offsets (each 8-byte word is its index times an odd
    /// constant), made 1 MiB at a time, so that the test never holds it whole and knows any range of it without reading
    /// it back.
    struct Recording: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let size: Int
        static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

        static func byte(at offset: Int) -> UInt8 {
            UInt8(truncatingIfNeeded: (UInt64(offset >> 3) &* Self.multiplier) >> UInt64((offset & 7) << 3))
        }

        func bytes(_ range: Range<Int>) -> [UInt8] { range.map(Self.byte(at:)) }

        struct AsyncIterator: AsyncIteratorProtocol {
            let size: Int
            var offset = 0

            mutating func next() async -> ByteBuffer? {
                guard self.offset < self.size else { return nil }
                let count = Swift.min(1 << 20, self.size - self.offset)
                let first = self.offset >> 3
                let whole = count >> 3
                let words = [UInt64](unsafeUninitializedCapacity: whole) { buffer, initialized in
                    for index in 0..<whole { buffer[index] = (UInt64(first + index) &* Recording.multiplier).littleEndian }
                    initialized = whole
                }
                var chunk = words.withUnsafeBytes { ByteBuffer(bytes: $0) }
                // A size that is not a whole number of words ends in single bytes.
                for offset in (self.offset + (whole << 3))..<(self.offset + count) { chunk.writeInteger(Recording.byte(at: offset)) }
                self.offset += count
                return chunk
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(size: self.size) }
    }

    /// A process's resident memory now and at its peak so far (`VmRSS`, `VmHWM`), in bytes.
    static func memory(of pid: pid_t) throws -> (now: Int, peak: Int) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func bytes(_ key: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
            return (Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0) * 1024
        }
        return (bytes("VmRSS"), bytes("VmHWM"))
    }

    /// The police's arrest request with the recording as its one attachment instead of the PDF.
    static func package(naming recording: (sha256: String, size: Int)) -> (packageId: String, xml: [UInt8]) {
        let made = PackageFactory.arrestRequest(case: 24, message: 0, run: "stream-\(UUID().uuidString.prefix(8))")
        let xml = String(decoding: made.xml, as: UTF8.self)
            .replacingOccurrences(of: "<Name>提请批准逮捕.pdf</Name>", with: "<Name>讯问同步录音录像.mp4</Name>")
            .replacingOccurrences(of: "<MediaType>application/pdf</MediaType>", with: "<MediaType>video/mp4</MediaType>")
            .replacingOccurrences(of: "<Size>\(made.attachment.count)</Size>", with: "<Size>\(recording.size)</Size>")
            .replacingOccurrences(of: "<SHA256>\(ContentHash.sha256(made.attachment))</SHA256>", with: "<SHA256>\(recording.sha256)</SHA256>")
            .replacingOccurrences(of: "<FirstPage>1</FirstPage>", with: "")
            .replacingOccurrences(of: "<PageCount>1</PageCount>", with: "")
            .replacingOccurrences(of: "attachments/arrestApproval.arrestRequest.pdf", with: "attachments/recording.mp4")
        return (made.packageId, Array(xml.utf8))
    }

    /// How many bytes a streamed body holds, and its first and last 64 KiB, read without keeping the rest.
    static func read(_ response: HTTPClientResponse) async throws -> (count: Int, head: [UInt8], tail: [UInt8]) {
        let kept = 65_536
        var count = 0
        var head: [UInt8] = []
        var tail: [UInt8] = []
        for try await chunk in response.body {
            count += chunk.readableBytes
            if head.count < kept { head += chunk.readableBytesView.prefix(kept - head.count) }
            tail += chunk.readableBytesView.suffix(kept)
            if tail.count > kept { tail.removeFirst(tail.count - kept) }
        }
        return (count, head, tail)
    }

    @Test func aLargeRecordingIsSoughtToItsMiddleByCurlAndByAClientWithTheNodesMemoryFlat() async throws {
        let size = Self.size
        let recording = Recording(size: size)
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        // The receiver in pull mode: its business system reads the inbox and the files itself.
        try harness.addNode(procuratorate)
        try await harness.startAll()

        // The recording, made into a store of the test's own (streamed, hashed), then uploaded from there to the
        // sending node, resumably, as a business system uploads a large file (GZ-6).
        let local = try BlobStore(root: harness.directory.url.appendingPathComponent("recording"))
        let stored = try await local.write(recording)
        #expect(stored.size == size)
        let sender = NodeAPIClient(
            baseURL: harness.services[police]!.url,
            apiKey: ExchangeHarness.apiKey(police),
            client: harness.client,
            timeout: .minutes(15)
        )
        let created = try await sender.createUpload(sha256: stored.sha256, size: size)
        let uploadId = try NodeAPIClient.uploadId(in: created)
        let uploaded = try await sender.appendUpload(
            uploadId,
            at: 0,
            body: .stream(local.chunks(stored.sha256, chunkSize: 1 << 20), length: .known(Int64(size)))
        )
        #expect(uploaded.status == 204, "\(uploaded.status) \(uploaded.text)")
        let package = Self.package(naming: stored)
        let sent = try await sender.sendPackage(package.xml)
        #expect(sent.status == 202, "\(sent.status) \(sent.text)")

        // Through the hub to the procuratorate's node, every hop streamed.
        let receiver = NodeAPIClient(
            baseURL: harness.services[procuratorate]!.url,
            apiKey: ExchangeHarness.apiKey(procuratorate),
            client: harness.client,
            timeout: .minutes(15)
        )
        try await harness.eventually("the recording is in the receiving node's inbox", timeout: 900) {
            try await receiver.request(.GET, "/api/v1/inbox").text.contains(package.packageId)
        }
        let pid = try #require(harness.services[procuratorate]?.process?.pid)
        let before = try Self.memory(of: pid)

        // Its headers: the size, ranges taken, the SHA-256 as a strong entity tag.
        let path = "/api/v1/inbox/\(package.packageId)/attachments/\(stored.sha256)"
        let head = try await receiver.request(.HEAD, path)
        #expect(head.status == 200 && head.header("Content-Length") == String(size))
        #expect(head.header("Accept-Ranges") == "bytes" && head.header("ETag") == "\"\(stored.sha256)\"")
        #expect(head.header("Content-Type") == "video/mp4")

        // The whole file, streamed through a store that checks its SHA-256.
        let whole = try await receiver.attachment(stored.sha256, of: package.packageId)
        #expect(whole.status == .ok)
        #expect(try await local.write(whole.body, expectedSHA256: stored.sha256).size == size)

        // A player's seek to the middle: 1 MiB from an unaligned offset there, exactly its bytes.
        let middle = size / 2 + 4093
        let length = (1 << 20) + 17
        let part = try await receiver.attachment(stored.sha256, of: package.packageId, headers: [("Range", "bytes=\(middle)-\(middle + length - 1)")])
        #expect(part.status == .partialContent)
        #expect(part.headers.first(name: "Content-Range") == "bytes \(middle)-\(middle + length - 1)/\(size)")
        #expect(part.headers.first(name: "Content-Length") == String(length))
        let partBytes = try await part.body.collect(upTo: 2 << 20)
        #expect(Array(partBytes.readableBytesView) == recording.bytes(middle..<middle + length))

        // From the middle to the end, as a player reads on after seeking: half the file, streamed.
        let rest = try await receiver.attachment(stored.sha256, of: package.packageId, headers: [("Range", "bytes=\(size / 2)-")])
        #expect(rest.status == .partialContent && rest.headers.first(name: "Content-Range") == "bytes \(size / 2)-\(size - 1)/\(size)")
        let read = try await Self.read(rest)
        #expect(read.count == size - size / 2)
        #expect(read.head == recording.bytes(size / 2..<size / 2 + 65_536))
        #expect(read.tail == recording.bytes(size - 65_536..<size))

        // The last bytes, and a range past the end: 416 with the size.
        let suffix = try await receiver.request(.GET, path, headers: [("Range", "bytes=-1000")])
        #expect(suffix.status == 206 && suffix.body == recording.bytes(size - 1000..<size))
        let outside = try await receiver.request(.GET, path, headers: [("Range", "bytes=\(size)-")])
        #expect(outside.status == 416 && outside.header("Content-Range") == "bytes */\(size)")
        #expect(outside.text.contains("range.not-satisfiable"))

        // `curl -r`, as an operator or a script seeks: the middle to a file, byte for byte, and the rest streamed.
        #expect(FileManager.default.isExecutableFile(atPath: Self.curl), "curl is needed (Debian: apt-get install curl)")
        let url = harness.services[procuratorate]!.url + path
        let authorization = "Authorization: Bearer \(ExchangeHarness.apiKey(procuratorate))"
        let headers = harness.directory.file("curl-headers")
        let body = harness.directory.file("curl-body")
        let range = "\(middle)-\(middle + length - 1)"
        let small = try await CommandRunner.runTool(Self.curl, ["-sS", "-r", range, "-H", authorization, "-D", headers.path, "-o", body.path, url])
        #expect(small.status == 0, "\(small.stderr)")
        let answered = try String(contentsOf: headers, encoding: .utf8).lowercased()
        #expect(answered.hasPrefix("http/1.1 206"), "\(answered)")
        #expect(answered.contains("content-range: bytes \(range)/\(size)\r\n"), "\(answered)")
        #expect(try [UInt8](Data(contentsOf: body)) == recording.bytes(middle..<middle + length))
        let streamed = try await CommandRunner.runTool(
            Self.curl,
            ["-sS", "-r", "\(size / 2)-", "-H", authorization, "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url]
        )
        #expect(streamed.stdout == "206 \(size - size / 2)", "\(streamed.stdout) \(streamed.stderr)")

        // The node streamed all of it (the whole file, more than half of it twice over in ranges): its peak memory
        // grew by far less than the file, and what it holds now did not grow with it.
        let after = try Self.memory(of: pid)
        let mebibytes = { (bytes: Int) in "\(bytes >> 20) MiB" }
        let report = "RSS \(mebibytes(before.now)) → \(mebibytes(after.now)), peak \(mebibytes(before.peak)) → \(mebibytes(after.peak))"
        print("StreamAccessTests: the receiving node's \(report) for a recording of \(mebibytes(size))")
        #expect(after.peak - before.peak < size / 4, "\(report) for a recording of \(mebibytes(size))")
        #expect(after.now - before.now < size / 4, "\(report) for a recording of \(mebibytes(size))")
    }
}
