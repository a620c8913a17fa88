import Foundation
import Synchronization
import Testing

@testable import XietongDocuments

/// The document tools (pdfsig, podofosign, pdftoppm) are external processes (issue 26): one that does not end is
/// stopped after its time, and says so; what they wait for runs off the concurrency pool.
@Suite struct DocumentToolTests {
    @Test func aToolThatDoesNotEndIsStoppedAndSaysSo() throws {
        let sleep = try #require(Tools.find("sleep"))
        let result = Tools.run(sleep, ["30"], timeout: 0.5)
        #expect(result.status == -1 && result.output == "sleep stopped after 0.5 s")
        let quick = Tools.run(try #require(Tools.find("echo")), ["done"], timeout: 5)
        #expect(quick.status == 0 && quick.output == "done\n")
    }

    /// At most `width` runs wait for tools at once; the others queue, and all finish.
    @Test func documentWorkRunsAtMostItsWidthAtOnce() async throws {
        final class Inside: Sendable { let count = Mutex((now: 0, most: 0)) }
        let inside = Inside()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(DocumentWork.width * 3) {
                group.addTask {
                    try await DocumentWork.run {
                        inside.count.withLock {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                        }
                        Thread.sleep(forTimeInterval: 0.05)
                        inside.count.withLock { $0.now -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = inside.count.withLock { $0 }
        #expect(count.most <= DocumentWork.width && count.most > 0 && count.now == 0)
    }

    @Test func documentWorkReturnsWhatItsBodyReturnsOrThrows() async throws {
        #expect(try await DocumentWork.run { 6 * 7 } == 42)
        await #expect(throws: DocumentError.self) {
            try await DocumentWork.run { () throws -> Int in throw DocumentError(.verify, zh: "失败", en: "failed") }
        }
    }
}
