/// The software's version, shown by `GET /version`, `xietong --version`, the start line of every service's log and
/// the `xietong_build_info` metric (issue 22).
public enum XietongVersion {
    public static let version = "0.22.0"

    /// How this binary was built: a debug or a release build, by which compiler.
    public static var build: String {
        #if DEBUG
        let kind = "debug"
        #else
        let kind = "release"
        #endif
        #if compiler(>=6.3)
        let compiler = "swift 6.3"
        #else
        let compiler = "swift 6"
        #endif
        return "\(kind), \(compiler)"
    }
}
