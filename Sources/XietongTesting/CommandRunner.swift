public import Foundation

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
        let process = Process()
        process.executableURL = Repository.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? Repository.root
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XIETONG_REGISTRY")
        env.removeValue(forKey: "XIETONG_CATALOG_OVERRIDE")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let start = Date()
        try process.run()
        // Read before waiting so that a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            seconds: Date().timeIntervalSince(start)
        )
    }

    /// The largest resident set of any child this process has waited for, in bytes (Linux reports kilobytes).
    public static func peakChildResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
