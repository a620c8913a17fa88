import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// The exchange as an IT centre's monitoring sees it (issue 22): a real Prometheus scrapes the hub and the nodes and
/// answers for the packages by hop; `/readyz` on a node follows the hub; every request leaves a line with its id.
@Suite(.serialized, .timeLimit(.minutes(4))) struct MonitoringTests {
    static let metricsToken = "metrics-token-monitoring-tests"

    @Test func prometheusScrapesTheHubAndTheNodesAndCountsPackagesByHop() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ThrowawayPrometheus.binary), "Debian's prometheus (.ci/run installs it)")
        let harness = try ExchangeHarness(environment: ["XIETONG_METRICS_TOKEN": Self.metricsToken])
        let hub = try harness.addHub(nodes: [police, procuratorate])
        let sender = try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        let receiver = try #require(harness.services[procuratorate])
        let prometheus = try ThrowawayPrometheus(
            targets: [
                .init(job: "xietong-hub", url: hub.url), .init(job: "xietong-node", url: sender.url),
                .init(job: "xietong-node", url: receiver.url),
            ],
            bearer: Self.metricsToken
        )
        try await prometheus.ready()

        let cases = (0..<3).map { c in [PackageFactory.arrestRequest(case: c, message: 0, run: "monitoring")] }
        try await harness.sendCases(cases, from: police)
        try await harness.eventually("the packages arrive", timeout: 60) { try await harness.received(by: procuratorate).count == 3 }

        // Prometheus has scraped all three, and counts the packages at each hop.
        let byHop = "sum by (hop, outcome) (xietong_packages_total)"
        do {
            try await harness.eventually("Prometheus counts every hop", timeout: 30) {
                let series = try await prometheus.query(byHop)
                let counts = Dictionary(series.map { ("\($0.labels["hop"] ?? "") \($0.labels["outcome"] ?? "")", $0.value) }) { $1 }
                return counts["submit accepted"] == 3 && counts["forward forwarded"] == 3 && counts["intake accepted"] == 3
                    && counts["receive received"] == 3 && counts["deliver delivered"] == 3
            }
        } catch {
            Issue.record("\(error): \(try await prometheus.query(byHop)); targets: \(await prometheus.targets())")
            throw error
        }
        let up = try await prometheus.query("up")
        #expect(up.count == 3 && up.allSatisfy { $0.value == 1 }, "\(up)")
        // The queues drained, the delivery queue at the hub with them, and the hops' latencies were recorded.
        try await harness.eventually("the hub's delivery queue is empty", timeout: 30) {
            try await prometheus.query("xietong_queue_depth{job=\"xietong-hub\",queue=\"delivery\"}").first?.value == 0
        }
        let forward = try await prometheus.query("sum(xietong_package_hop_duration_seconds_count{hop=\"forward\"})")
        #expect(forward.first?.value == 3)
        let endToEnd = try await prometheus.query("sum(xietong_package_end_to_end_duration_seconds_count)")
        #expect(endToEnd.first?.value == 3)
        // One series per node of the hub's feed lag, by organisation, back to 0 once the nodes have read their feeds.
        let lag = try await prometheus.query("xietong_feed_lag_entries")
        #expect(Set(lag.compactMap { $0.labels["node"] }) == [police, procuratorate])
        try await harness.eventually("the feed lag returns to 0", timeout: 45) {
            let lag = try await prometheus.query("xietong_feed_lag_entries")
            return lag.count == 2 && lag.allSatisfy { $0.value == 0 }
        }
        let names = try await prometheus.query("count by (__name__) ({job=~\"xietong-.*\"})")
        for series in try await prometheus.query("{__name__=~\"xietong_.*\"}") {
            #expect(!series.labels.values.contains { $0.contains(cases[0][0].packageId) }, "\(series.labels)")
        }
        #expect(names.count > 15, "\(names.map { $0.labels["__name__"] ?? "" })")
        // Every query of the shipped dashboard is valid against these series (docs/monitoring/dashboard.json).
        struct Dashboard: Decodable {
            struct Panel: Decodable {
                struct Target: Decodable { let expr: String }
                let title: String
                let targets: [Target]
            }
            let panels: [Panel]
        }
        let dashboard = try JSONDecoder().decode(Dashboard.self, from: Data(contentsOf: Repository.url("docs/monitoring/dashboard.json")))
        for panel in dashboard.panels {
            for target in panel.targets {
                await #expect(throws: Never.self, "\(panel.title): \(target.expr)") { _ = try await prometheus.query(target.expr) }
            }
        }
    }

    @Test func aNodeIsUnreadyWhileTheHubIsGoneAndReadyWhenItReturns() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police])
        let node = try harness.addNode(police)
        try await harness.startAll()
        func readiness() async throws -> (status: Int, hub: Bool?) {
            let reply = try await harness.request(.GET, node.url + "/readyz")
            struct Body: Decodable {
                struct Check: Decodable {
                    let name: String
                    let ok: Bool
                }
                let status: String
                let checks: [Check]
            }
            return (reply.status, reply.json(Body.self)?.checks.first { $0.name == "hub" }?.ok)
        }
        try await harness.eventually("ready with the hub up", timeout: 20) { try await readiness() == (200, true) }
        await harness.stop("hub")
        try await harness.eventually("unready once the hub is gone", timeout: 30) { try await readiness() == (503, false) }
        try await harness.start("hub")
        try await harness.eventually("ready again when the hub returns", timeout: 30) { try await readiness() == (200, true) }
    }

    @Test func everyRequestIsLoggedWithItsIdRouteStatusAndCaller() async throws {
        let harness = try ExchangeHarness(environment: ["XIETONG_LOG_LEVEL": "info"])
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        let made = PackageFactory.arrestRequest(case: 0, message: 0, run: "request-log")
        let reply = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        let id = try #require(reply.header("X-Request-Id"))
        let status = try await harness.request(
            .GET,
            harness.services[police]!.url + "/api/v1/packages/\(made.packageId)?x=secret-query-value",
            key: ExchangeHarness.apiKey(police)
        )
        try await harness.eventually("the package reaches the hub", timeout: 30) { try await harness.received(by: procuratorate).count == 1 }
        let nodeLog = harness.log(police)
        let line = try #require(nodeLog.split(separator: "\n").first { $0.contains("request_id=\(id)") }, "\(nodeLog.suffix(2000))")
        #expect(line.contains("http_method=POST") && line.contains("http_route=/api/v1/packages") && line.contains("http_status=\(reply.status)"))
        #expect(line.contains("principal=businessSystem:") && line.contains("duration_ms="))
        // The route's pattern, not the path with the package id, and never the query.
        let statusLine = try #require(nodeLog.split(separator: "\n").first { $0.contains("request_id=\(status.header("X-Request-Id") ?? "?")") })
        #expect(statusLine.contains("http_route=/api/v1/packages/{id}") && !statusLine.contains(made.packageId))
        #expect(!nodeLog.contains("secret-query-value") && !nodeLog.contains(ExchangeHarness.apiKey(police)))
        // The hub logged the node's requests under the node's organisation.
        #expect(harness.log("hub").contains("http_route=/v1/packages/batch http_status=200 principal=node:\(police)"))
        #expect(harness.log("hub").contains("xietong hub starting") && harness.log(police).contains("xietong node starting"))
        // A WebSocket upgrade, which never reaches the router, has its line too, with its caller and never its key.
        let port = harness.services[police]!.port
        let handshake =
            "GET /api/v1/events?key=\(ExchangeHarness.apiKey(police)) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        #expect(try NodeInterfaceTests.rawAnswer(port: port, handshake).hasPrefix("HTTP/1.1 101"))
        try await harness.eventually("the upgrade is logged", timeout: 10) {
            harness.log(police).contains("http_route=/api/v1/events http_status=101 principal=businessSystem:")
        }
        #expect(!harness.log(police).contains(ExchangeHarness.apiKey(police)))
    }
}
