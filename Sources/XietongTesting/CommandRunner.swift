public import Foundation
import XietongDemo

/// Runs the built `xietong` executable as a user would, capturing its output, exit code and peak memory.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Wall-clock seconds.
    public let seconds: Double
}

public enum CommandRunner {
    public static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XIETONG_REGISTRY")
        env.removeValue(forKey: "XIETONG_CATALOG_OVERRIDE")
        for (key, value) in environment { env[key] = value }
        let start = Date()
        let result = try ChildProcess.run(Repository.executable.path, arguments, environment: env, directory: (directory ?? Repository.root).path)
        return CommandResult(status: result.status, stdout: result.output, stderr: result.errors, seconds: Date().timeIntervalSince(start))
    }

    /// The largest resident set of any child this process has waited for, in bytes (Linux reports kilobytes).
    public static func peakChildResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
