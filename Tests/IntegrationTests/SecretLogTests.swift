import Foundation
import NIOHTTP1
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// No secret reaches a log at any level (issue 19, item 5). A hub, a sending node and a receiving node run at
/// `XIETONG_LOG_LEVEL=trace`, exchange a package and stop; none of their logs holds a hub token, a business
/// system's key, the administrator's or the supervisor's token or an officer's password. Before, the node's hub
/// token appeared 16 times in 6 s in ServiceLifecycle's description of its services.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SecretLogTests {
    @Test func noSecretReachesATraceLevelLog() async throws {
        let metricsToken = "metrics-token-secret-log-\(UUID().uuidString)"
        let harness = try ExchangeHarness(environment: ["XIETONG_LOG_LEVEL": "trace", "XIETONG_METRICS_TOKEN": metricsToken])
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        let made = PackageFactory.arrestRequest(case: 0, message: 0, run: "secrets")
        try await harness.sendCases([[made]], from: police)
        try await harness.eventually("the package is delivered") { try await harness.received(by: procuratorate).count == 1 }
        // Scraped with the metrics token (issue 22), which must not reach a log either.
        for name in ["hub", police] {
            #expect(try await harness.request(.GET, harness.services[name]!.url + "/metrics", key: metricsToken).status == 200)
        }
        try await Task.sleep(for: .seconds(2))
        for name in ["hub", police, procuratorate] { await harness.stop(name) }

        let secrets = [
            harness.exchange.token(for: police), harness.exchange.token(for: procuratorate), ExchangeHarness.apiKey(police),
            ExchangeHarness.apiKey(procuratorate), harness.adminToken, harness.supervisorToken,
            LocalExchange.officer(police).password, LocalExchange.officer(procuratorate).password, metricsToken,
        ]
        for name in ["hub", police, procuratorate] {
            let log = harness.log(name)
            // The log is the trace-level one: the service group's lines about each service are in it.
            #expect(log.contains("Starting service"), "\(name) did not log at trace level")
            // Counted, not shown: a failure must not print the secrets it found.
            let leaked = secrets.indices.filter { log.contains(secrets[$0]) }
            #expect(leaked.isEmpty, "\(name)'s log holds secrets number \(leaked) of the list")
        }
    }
}
