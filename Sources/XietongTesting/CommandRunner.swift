public import Foundation
import XietongLocal

/// Runs the built `xietong` executable as a user would, capturing its output, exit code and, when asked, peak memory.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Wall-clock seconds.
    public let seconds: Double
    /// The command's own peak resident set in bytes, from `runMeasuringMemory`.
    public let peakResidentBytes: Int?
}

public enum CommandRunner {
    public static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) async throws -> CommandResult {
        try await self.run(Repository.executable.path, arguments, environment: environment, directory: directory, peakFile: nil)
    }

    /// Runs another program (`mount`, say) with the test process's environment, capturing its output.
    public static func runTool(_ executable: String, _ arguments: [String]) async throws -> CommandResult {
        try await self.run(executable, arguments, environment: [:], directory: nil, peakFile: nil)
    }

    /// Runs the command as `run` does, and measures its own peak resident set.
    ///
    /// A child that this (large, multi-threaded) test process starts with `posix_spawn` shares its memory until `exec`,
    /// and Linux carries the larger peak across `exec` into the child's resource usage: every command would report at
    /// least the test process's own peak. So a small Python parent forks the command and reports its `wait4` usage.
    public static func runMeasuringMemory(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        let peakFile = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-peak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: peakFile) }
        let script = """
            import os, sys
            pid = os.fork()
            if pid == 0:
                os.execv(sys.argv[2], sys.argv[2:])
            _, status, usage = os.wait4(pid, 0)
            open(sys.argv[1], "w").write(str(usage.ru_maxrss))
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        return try await self.run(
            "/usr/bin/env",
            ["python3", "-c", script, peakFile.path, Repository.executable.path] + arguments,
            environment: environment,
            directory: nil,
            peakFile: peakFile
        )
    }

    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        directory: URL?,
        peakFile: URL?
    ) async throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XIETONG_REGISTRY")
        env.removeValue(forKey: "XIETONG_CATALOG_OVERRIDE")
        for (key, value) in environment { env[key] = value }
        let start = Date()
        let result = try await ChildProcess.run(executable, arguments, environment: env, directory: (directory ?? Repository.root).path)
        // Linux reports kilobytes.
        let peak = peakFile.flatMap { try? String(contentsOf: $0, encoding: .utf8) }.flatMap { Int($0) }.map { $0 * 1024 }
        return CommandResult(
            status: result.status,
            stdout: result.output,
            stderr: result.errors,
            seconds: Date().timeIntervalSince(start),
            peakResidentBytes: peak
        )
    }
}
