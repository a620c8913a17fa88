public import Foundation
import XietongLocal

/// An OTLP/HTTP trace receiver for a test (issue 22): Tests/tools/otlp_receiver.py, a small server on the official
/// OTLP protobuf schema (PyPI's opentelemetry-proto, which `.ci/run` installs), on a free loopback port. It writes
/// each span it receives as a JSON line, which `spans()` reads.
public final class ThrowawayOTLPReceiver: @unchecked Sendable {
    /// A span as the receiver wrote it.
    public struct Span: Decodable, Sendable, Hashable {
        public let service: String
        public let name: String
        public let trace: String
        public let span: String
        public let parent: String
        /// Attributes' values, as text.
        public let attributes: [String: String]
    }

    public let port: Int
    let directory: TemporaryDirectory
    let process: ChildProcess
    let output: URL

    /// The base URL to give as `XIETONG_OTLP_ENDPOINT`.
    public var endpoint: String { "http://127.0.0.1:\(self.port)" }

    public init() throws {
        self.directory = try TemporaryDirectory(prefix: "xietong-otlp")
        self.port = LocalProcesses.freePort()
        self.output = self.directory.url.appendingPathComponent("spans.jsonl")
        self.process = try ChildProcess.spawn(
            "/usr/bin/env",
            ["python3", Repository.url("Tests/tools/otlp_receiver.py").path, String(self.port)],
            stdout: self.output.path,
            stderr: self.directory.url.appendingPathComponent("receiver.log").path
        )
    }

    deinit {
        // SIGKILL: the receiver keeps nothing to flush.
        self.process.signal(SIGKILL)
        _ = self.process.wait()
    }

    /// Waits until the receiver listens (Python and its protobuf modules start slowly while every suite starts on 2
    /// cores: once over 30 s in a fresh clone's CI).
    public func ready(timeout: TimeInterval = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOf: self.output, encoding: .utf8), text.hasPrefix("listening") { return }
            guard self.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOf: self.directory.url.appendingPathComponent("receiver.log"), encoding: .utf8)) ?? ""
        throw ThrowawayServerError("the OTLP receiver did not start (is opentelemetry-proto installed?): \(log)")
    }

    /// Every span received so far.
    public func spans() -> [Span] {
        guard let text = try? String(contentsOf: self.output, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { try? JSONDecoder().decode(Span.self, from: Data($0.utf8)) }
    }
}
