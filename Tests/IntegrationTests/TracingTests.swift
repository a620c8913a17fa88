import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// One package, one trace across three processes (issue 22, item 3): the business system's POST to the sending node
/// (continuing its `traceparent`), the node's check, outbox and forward, the hub's intake and store, the receiving
/// node's fetch, store and push, each span naming the package, exported by OTLP to a real receiver.
@Suite(.serialized, .timeLimit(.minutes(4))) struct TracingTests {
    @Test func aPackageIsOneConnectedTraceFromTheSendersPostToTheReceiversPush() async throws {
        let receiver = try ThrowawayOTLPReceiver()
        try await receiver.ready()
        let harness = try ExchangeHarness(environment: ["XIETONG_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"])
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()

        // The business system's own trace, which the exchange continues.
        let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
        let businessSpan = "00f067aa0ba902b7"
        let made = PackageFactory.arrestRequest(case: 0, message: 0, run: "tracing")
        let node = harness.services[police]!.url
        let key = ExchangeHarness.apiKey(police)
        #expect(try await harness.post(node + "/api/v1/attachments", key: key, body: made.attachment).status == 201)
        let sent = try await harness.post(
            node + "/api/v1/packages",
            key: key,
            body: made.xml,
            headers: [("Content-Type", "application/xml"), ("traceparent", "00-\(traceId)-\(businessSpan)-01")]
        )
        #expect(sent.status == 202, "\(sent.text)")
        try await harness.eventually("the package is delivered", timeout: 60) { try await harness.received(by: procuratorate).count == 1 }

        let expected: Set<String> = [
            "POST /api/v1/packages", "xietong.node.check", "xietong.node.outbox", "xietong.node.forward", "xietong.hub.intake",
            "xietong.hub.store", "xietong.hub.feed", "xietong.node.receive", "xietong.node.store", "xietong.node.push",
        ]
        var spans: [ThrowawayOTLPReceiver.Span] = []
        do {
            try await harness.eventually("every step's span is exported", timeout: 30) {
                spans = receiver.spans().filter { $0.trace == traceId }
                return expected.isSubset(of: Set(spans.map(\.name)))
            }
        } catch {
            Issue.record("\(error): \(receiver.spans().map { "\($0.service) \($0.name) \($0.trace)" })")
            throw error
        }
        // One trace, across exactly the three processes, every span naming the package.
        #expect(Set(spans.map(\.service)) == ["xietong-hub", "xietong-node-\(police)", "xietong-node-\(procuratorate)"])
        for span in spans {
            #expect(span.attributes["xietong.package.id"] == made.packageId, "\(span.name) names the package")
        }
        // Connected: the business system's span is the only parent from outside; every other parent is a span here.
        let ids = Set(spans.map(\.span))
        let roots = spans.filter { !ids.contains($0.parent) }
        #expect(roots.map(\.name) == ["POST /api/v1/packages"] && roots.first?.parent == businessSpan, "\(roots.map(\.name))")
        // And in order across the processes: the hub's intake continues the sender's forward, the receiving node's
        // fetch the hub's store.
        func span(_ name: String) -> ThrowawayOTLPReceiver.Span? { spans.first { $0.name == name } }
        let byId = Dictionary(spans.map { ($0.span, $0) }) { first, _ in first }
        #expect(byId[span("xietong.hub.intake")?.parent ?? ""]?.name == "xietong.node.forward")
        #expect(byId[span("xietong.node.forward")?.parent ?? ""]?.name == "xietong.node.outbox")
        #expect(byId[span("xietong.node.receive")?.parent ?? ""]?.name == "xietong.hub.store")
        #expect(byId[span("xietong.hub.feed")?.parent ?? ""]?.name == "xietong.hub.store")
        #expect(span("xietong.hub.feed")?.attributes["xietong.node"] == procuratorate)
        #expect(byId[span("xietong.node.push")?.parent ?? ""]?.name == "xietong.node.store")
        #expect(
            span("xietong.node.forward")?.service == "xietong-node-\(police)" && span("xietong.node.push")?.service == "xietong-node-\(procuratorate)"
        )
    }

    /// A setting swift-otel would stop the process on, or an endpoint that is not a URL, is named at start instead.
    @Test func aBadTracingSettingStopsTheServiceWithExitCode2() async throws {
        let directory = try TemporaryDirectory()
        let result = try await CommandRunner.run(
            ["hub", "--data-dir", directory.url.path, "--port", "0"],
            environment: ["XIETONG_OTLP_ENDPOINT": "ftp://collector", "XIETONG_LOG_LEVEL": "warning"]
        )
        #expect(result.status == 2)
        #expect(result.stderr.contains("XIETONG_OTLP_ENDPOINT") && result.stderr.contains("http(s)://"), "\(result.stderr)")
        let grpc = try await CommandRunner.run(
            ["hub", "--data-dir", directory.url.path, "--port", "0"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"]
        )
        #expect(grpc.status == 2 && grpc.stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL"), "\(grpc.stderr)")
    }
}
