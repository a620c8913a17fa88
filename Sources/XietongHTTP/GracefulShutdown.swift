public import Hummingbird
public import Logging
public import ServiceLifecycle
import UnixSignals

/// How every `xietong` service runs and stops: SIGTERM or SIGINT asks it to finish what it is doing, and whatever has
/// not finished within `maximum` is cancelled, so that a worker stuck on something (a peer that never answers, a wait
/// that missed its wake-up) cannot keep the process from exiting. Hummingbird's `runService()` waits without limit.
public enum GracefulShutdown {
    /// Long enough for a request in flight and a group commit; shorter than systemd's 90 s before it kills.
    public static let maximum: Duration = .seconds(30)

    /// The service group of `services`, stopping on SIGTERM and SIGINT (or when asked), at most `maximum` gracefully.
    public static func group(_ services: [any Service], maximum: Duration = Self.maximum, logger: Logger) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = maximum
        return ServiceGroup(configuration: configuration)
    }

    /// Runs `app` until a signal stops it.
    public static func run(_ app: some ApplicationProtocol & Sendable, logger: Logger) async throws {
        try await Self.group([app], logger: logger).run()
    }
}
