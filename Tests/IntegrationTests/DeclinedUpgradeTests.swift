import Foundation
import Testing
import XietongLocal
import XietongTesting

/// A client that asks to switch protocols on a keep-alive connection (Java's HttpClient offers h2c on its first
/// request) is answered, and so is its next request (issue 24): NIO's decoder reads nothing after such a request, so
/// the services answer it with `Connection: close` and the client opens a new connection. The WebSocket still opens.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DeclinedUpgradeTests {
    /// curl, three requests in a row on one connection where it can; the status codes, space-separated.
    static func statuses(_ url: String, upgradeFirst: Bool) async throws -> CommandResult {
        let upgrade = ["-H", "Connection: Upgrade, HTTP2-Settings", "-H", "Upgrade: h2c", "-H", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"]
        let format = ["-s", "-o", "/dev/null", "-w", "%{http_code} ", "--max-time", "10"]
        return try await CommandRunner.runTool(
            "/usr/bin/curl",
            format + (upgradeFirst ? upgrade : []) + [url, "--next"] + format + upgrade + [url, "--next"] + format + [url]
        )
    }

    @Test func aRequestAskingForAnotherProtocolIsAnsweredAndSoIsTheNext() async throws {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police])
        try harness.addNode(police)
        try await harness.start("hub")
        try await harness.start(police)
        for service in ["hub", police] {
            let url = harness.services[service]!.url + "/healthz"
            for upgradeFirst in [true, false] {
                let result = try await Self.statuses(url, upgradeFirst: upgradeFirst)
                #expect(result.status == 0 && result.stdout == "200 200 200 ", "\(service): \(result.stdout) \(result.stderr)")
            }
            let headers = try await CommandRunner.runTool(
                "/usr/bin/curl",
                ["-s", "-D", "-", "-o", "/dev/null", "-H", "Connection: Upgrade", "-H", "Upgrade: h2c", url]
            )
            #expect(headers.stdout.lowercased().contains("connection: close"), "\(headers.stdout)")
            let plain = try await CommandRunner.runTool("/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", url])
            #expect(!plain.stdout.lowercased().contains("connection: close"), "a plain request keeps its connection")
        }
        // The node's WebSocket still opens: the events stream answers 101.
        let events = try await CommandRunner.runTool(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
                "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "-H", "Authorization: Bearer \(ExchangeHarness.apiKey(police))", harness.services[police]!.url + "/api/v1/events",
            ]
        )
        #expect(events.stdout == "101", "\(events.stdout) \(events.stderr)")
    }
}
