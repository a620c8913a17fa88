public import Hummingbird
public import Logging
public import ServiceLifecycle
import UnixSignals

/// How every `xietong` service runs and stops: SIGTERM or SIGINT asks it to finish what it is doing, and whatever has
/// not finished within `maximum` is cancelled, so that a worker in the middle of a long round (an upload to a hub
/// that stopped answering, say) does not keep the process from exiting. Hummingbird's `runService()` waits without
/// limit. What ignores cancellation as well still holds the exit up (systemd kills it after its stop timeout); nothing
/// is made to crash instead.
public enum GracefulShutdown {
    /// Long enough for a request in flight and a group commit; shorter than systemd's 90 s before it kills.
    public static let maximum: Duration = .seconds(30)

    /// The service group of `services`, stopping on SIGTERM and SIGINT (or when asked), at most `maximum` gracefully.
    public static func group(_ services: [any Service], maximum: Duration = Self.maximum, logger: Logger) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = maximum
        return ServiceGroup(configuration: configuration)
    }

    /// Runs `app` until a signal stops it. A stop that ran out of time and was cancelled is still a stop, not a
    /// failure of the service: logged, and the command exits as usual.
    public static func run(_ app: some ApplicationProtocol & Sendable, logger: Logger) async throws {
        do {
            try await Self.group([app], logger: logger).run()
        } catch is CancellationError {
            logger.warning("the graceful stop took longer than \(Self.maximum); what was left was cancelled 优雅停止超时，其余工作已取消")
        }
    }
}
