import Foundation

/// The processes the demo, the benchmarks and the tests start (`LocalProcesses`) stop with them: each is told its
/// parent's pid in `XIETONG_PARENT_PID`, and once its parent is gone — killed with `kill -9`, crashed — it stops
/// gracefully (a SIGTERM to itself, which the services already handle) instead of running on, holding its port and
/// data directory. A process started otherwise (a deployment's hub or node) has no such variable and is unaffected.
/// (Not `PR_SET_PDEATHSIG`: it fires when the spawning *thread* ends, and the parent spawns from pool threads that
/// libdispatch retires when idle.)
public enum ParentWatch {
    public static let variable = "XIETONG_PARENT_PID"

    /// Starts watching, when this process was started with the variable.
    public static func start() {
        guard let text = ProcessInfo.processInfo.environment[Self.variable], let parent = pid_t(text) else { return }
        Task.detached {
            // A parent that ended before this check leaves the process to init (or a subreaper): another parent pid.
            while getppid() == parent {
                try? await Task.sleep(for: .milliseconds(500))
            }
            kill(getpid(), SIGTERM)
        }
    }
}
