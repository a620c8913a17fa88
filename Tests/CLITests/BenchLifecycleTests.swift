import Foundation
import Testing
import XietongLocal
import XietongTesting

/// The processes a benchmark starts (a hub, two nodes, a business system) stop with it, even when it is killed with
/// `kill -9` or crashes: they watch their parent (`ParentWatch`) instead of running on with their ports and data.
@Suite struct BenchLifecycleTests {
    @Test(.timeLimit(.minutes(3))) func aKilledBenchmarkLeavesNoProcessBehind() async throws {
        let directory = try TemporaryDirectory()
        let log = directory.url.appendingPathComponent("bench.log").path
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "XIETONG_REGISTRY")
        let bench = try ChildProcess.spawn(
            Repository.executable.path,
            ["bench", "exchange", "--packages", "1000000", "--data-dir", directory.url.appendingPathComponent("data").path],
            environment: environment,
            stdout: log
        )
        var children: [pid_t] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && bench.exited() == nil {
            children = Self.children(of: bench.pid)
            if children.count == 4, (try? String(contentsOfFile: log, encoding: .utf8))?.contains("throughput:") == true { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(children.count == 4, "the benchmark's processes: \(children); \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        bench.signal(SIGKILL)
        _ = bench.wait()
        let patience = Date().addingTimeInterval(30)
        while Date() < patience && children.contains(where: Self.isRunning) {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(!children.contains(where: Self.isRunning), "still running after the benchmark was killed: \(children.filter(Self.isRunning))")
        for pid in children where Self.isRunning(pid) { kill(pid, SIGKILL) }
    }

    /// The processes whose parent is `parent`, from /proc.
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { Self.status(of: $0)?.parent == parent }.sorted()
    }

    /// Running: it exists and has not ended (an ended process not yet reaped is a zombie, state `Z`).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let state = Self.status(of: pid)?.state else { return false }
        return state != "Z" && state != "X"
    }

    static func status(of pid: pid_t) -> (state: Character, parent: pid_t)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
        return (state, parent)
    }
}
