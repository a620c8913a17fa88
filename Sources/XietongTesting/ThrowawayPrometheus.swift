import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import XietongLocal

/// A real Prometheus server for a test (issue 22): Debian's `prometheus`, on a free loopback port, with its data in a
/// temporary folder, scraping the given targets every second with a bearer token. `.ci/run` installs it.
public final class ThrowawayPrometheus: @unchecked Sendable {
    public struct Target: Sendable {
        public var job: String
        public var address: String

        public init(job: String, url: String) {
            self.job = job
            self.address = url.replacingOccurrences(of: "http://", with: "")
        }
    }

    public let port: Int
    let directory: TemporaryDirectory
    let process: ChildProcess
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    public let log: URL

    public static let binary = "/usr/bin/prometheus"

    public init(targets: [Target], bearer: String) throws {
        self.directory = try TemporaryDirectory(prefix: "xietong-prometheus")
        self.port = LocalProcesses.freePort()
        let jobs = Dictionary(grouping: targets, by: \.job).sorted { $0.key < $1.key }.map { job, targets in
            """
              - job_name: \(job)
                scrape_interval: 1s
                scrape_timeout: 1s
                authorization:
                  type: Bearer
                  credentials: \(bearer)
                static_configs:
                  - targets: [\(targets.map { "'\($0.address)'" }.joined(separator: ", "))]
            """
        }
        let configuration = self.directory.url.appendingPathComponent("prometheus.yml")
        try ("global:\n  evaluation_interval: 1s\nscrape_configs:\n" + jobs.joined(separator: "\n") + "\n")
            .write(to: configuration, atomically: true, encoding: .utf8)
        self.log = self.directory.url.appendingPathComponent("prometheus.log")
        self.process = try ChildProcess.spawn(
            Self.binary,
            [
                "--config.file=\(configuration.path)", "--storage.tsdb.path=\(self.directory.url.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(self.port)", "--log.level=warn",
            ],
            stdout: self.log.path
        )
    }

    deinit {
        self.stop()
        try? self.client.syncShutdown()
    }

    public func stop() {
        guard self.process.isRunning else { return }
        self.process.signal(SIGTERM)
        _ = self.process.wait()
    }

    /// Waits until Prometheus says it is ready.
    public func ready(timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let response = try? await self.client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(self.port)/-/ready"), timeout: .seconds(2)),
                response.status.code == 200
            {
                return
            }
            guard self.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ThrowawayServerError("prometheus did not start: \((try? String(contentsOf: self.log, encoding: .utf8)) ?? "")")
    }

    /// An instant query through Prometheus's HTTP API: each series's labels and value.
    public func query(_ promql: String) async throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents(string: "http://127.0.0.1:\(self.port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let response = try await self.client.execute(HTTPClientRequest(url: components.url!.absoluteString), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        struct Answer: Decodable {
            struct Data: Decodable {
                struct Series: Decodable {
                    let metric: [String: String]
                    let value: [Value]
                }
                let result: [Series]
            }
            enum Value: Decodable {
                case number(Double)
                case text(String)
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let number = try? container.decode(Double.self) {
                        self = .number(number)
                    } else {
                        self = .text(try container.decode(String.self))
                    }
                }
            }
            let status: String
            let data: Data?
            let error: String?
        }
        let answer = try JSONDecoder().decode(Answer.self, from: Foundation.Data(body.readableBytesView))
        guard answer.status == "success", let data = answer.data else {
            throw ThrowawayServerError("prometheus refused \(promql): \(answer.error ?? "?")")
        }
        return data.result.map { series in
            let value: Double =
                if case .text(let text) = series.value.last { Double(text) ?? .nan } else { .nan }
            return (series.metric, value)
        }
    }

    /// What a target's scrape last found (`up` and the last error), for a failure's message.
    public func targets() async -> String {
        guard
            let response = try? await self.client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(self.port)/api/v1/targets"),
                timeout: .seconds(5)
            ),
            let body = try? await response.body.collect(upTo: 1 << 20)
        else { return "?" }
        return String(buffer: body)
    }
}

/// A throw-away server of a test (Prometheus, the OTLP receiver) did not start, or refused a query.
public struct ThrowawayServerError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
