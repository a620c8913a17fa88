public import Foundation
public import Logging
import OTel
public import ServiceLifecycle
public import Tracing
public import XietongCore

/// Where a service's traces go (issue 22, item 3): by OTLP over HTTP (protobuf) with swift-otel, to
/// `XIETONG_OTLP_ENDPOINT` (a collector's base URL, `/v1/traces` added) or to the standard `OTEL_EXPORTER_OTLP_…`
/// endpoints; off when none is set (the default), or with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
/// The other `OTEL_*` variables (service name, sampler, batch delay, headers) apply as swift-otel reads them.
///
/// Nothing is bootstrapped process-wide: the tracer is handed to the hub or node that uses it, so that several of them
/// in one process (the demo, the tests) each trace as themselves.
public struct TraceExport: Sendable {
    public let tracer: any Tracer
    /// Exports the spans: it must run with the service, first in its services (it stops last and sends the last spans).
    public let service: any Service

    /// The export the environment asks for, or nil for none. Values swift-otel cannot take (it stops the process on
    /// them) are configuration errors, exit code 2.
    public static func configured(
        serviceName: String,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> TraceExport? {
        let own = environment["XIETONG_OTLP_ENDPOINT"]
        let standard = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
        guard own != nil || standard != nil, environment["OTEL_SDK_DISABLED"]?.lowercased() != "true",
            environment["OTEL_TRACES_EXPORTER"] != "none"
        else { return nil }
        try Self.check(environment)
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        if let own, standard == nil {
            guard let url = URL(string: own), ["http", "https"].contains(url.scheme ?? "") else {
                throw ConfigurationError(
                    .invalidValue,
                    path: "XIETONG_OTLP_ENDPOINT",
                    zh: "OTLP 地址无效：\(own)；应为 http(s)://主机:端口",
                    en: "not an OTLP endpoint: \(own); expected http(s)://host:port"
                )
            }
            // An endpoint set in code is used as given: the signal's path is added here.
            configuration.traces.otlpExporter.endpoint = own.hasSuffix("/v1/traces") ? own : own.trimmingSuffix("/") + "/v1/traces"
        }
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            return TraceExport(tracer: backend.factory, service: backend.service)
        } catch {
            throw ConfigurationError(
                .invalidValue,
                path: "XIETONG_OTLP_ENDPOINT",
                zh: "无法配置链路追踪导出：\(error)",
                en: "cannot set up the trace export: \(error)"
            )
        }
    }

    /// The values of the standard variables that swift-otel, built for OTLP over HTTP, would stop the process on.
    static func check(_ environment: [String: String]) throws(ConfigurationError) {
        for key in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let value = environment[key], !["http/protobuf", "http/json"].contains(value) {
                throw Self.unsupported(key, value, valid: "http/protobuf, http/json")
            }
        }
        if let value = environment["OTEL_PROPAGATORS"], !value.split(separator: ",").allSatisfy({ ["tracecontext", "none"].contains($0) }) {
            throw Self.unsupported("OTEL_PROPAGATORS", value, valid: "tracecontext, none")
        }
        if let value = environment["OTEL_TRACES_SAMPLER"], ["xray", "jaeger_remote", "parentbased_jaeger_remote"].contains(value) {
            throw Self.unsupported("OTEL_TRACES_SAMPLER", value, valid: "always_on, always_off, traceidratio, parentbased_*")
        }
    }

    static func unsupported(_ key: String, _ value: String, valid: String) -> ConfigurationError {
        ConfigurationError(.invalidValue, path: key, zh: "不支持的取值：\(value)；可选值：\(valid)", en: "not supported: \(value); valid values: \(valid)")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self }
}
