public import Foundation

/// CPU time of processes, from Linux `/proc` (issue 25: CPU per package, per process).
public enum ProcessCPU {
    /// The process's user and system CPU seconds so far, with those of its children it has waited for (`reaped`);
    /// nil when it is gone.
    public static func seconds(of pid: pid_t, reaped: Bool = false) -> Double? {
        // After the command name: utime, stime, cutime and cstime are the 12th to 15th fields (14 to 17 of the file).
        guard let fields = Self.fields(of: pid), fields.count > 14 else { return nil }
        let ticks = (reaped ? fields[11...14] : fields[11...12]).compactMap { Double($0) }.reduce(0, +)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A server's CPU seconds so far: its own and its reaped children's, and those of its children still running
    /// (a PostgreSQL server's backends).
    public static func treeSeconds(of pid: pid_t) -> Double? {
        guard let own = Self.seconds(of: pid, reaped: true) else { return nil }
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }.filter {
            Self.fields(of: $0).flatMap { $0.count > 1 ? Int32($0[1]) : nil } == pid
        }
        return own + children.compactMap { Self.seconds(of: $0) }.reduce(0, +)
    }

    /// The fields of `/proc/PID/stat` after the command name (whose parentheses may hold spaces): the state first,
    /// then the parent's pid.
    static func fields(of pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
