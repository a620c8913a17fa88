public import Foundation
import XietongDemo

/// Runs the built `xietong` executable as a user would, capturing its output, exit code and peak memory.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Wall-clock seconds.
    public let seconds: Double
    /// The command's own peak resident set, in bytes.
    public let peakResidentBytes: Int
}

public enum CommandRunner {
    public static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XIETONG_REGISTRY")
        env.removeValue(forKey: "XIETONG_CATALOG_OVERRIDE")
        for (key, value) in environment { env[key] = value }
        let start = Date()
        let result = try ChildProcess.run(Repository.executable.path, arguments, environment: env, directory: (directory ?? Repository.root).path)
        return CommandResult(
            status: result.status,
            stdout: result.output,
            stderr: result.errors,
            seconds: Date().timeIntervalSince(start),
            peakResidentBytes: result.peakResidentBytes
        )
    }

}
