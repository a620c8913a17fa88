import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XietongClient
import XietongCore

/// `xietong track PACKAGE_ID`: where a package is, hop by hop (GZ-5), from a node or from the hub.
struct TrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Show a package's status history across its hops, from a node (--node) or the hub (--hub).",
        discussion: "Exits 0 when the package is found, 1 when it is not, 2 on a usage error."
    )

    @Argument(help: "The package id.") var packageId: String
    @Option(help: "A node's base URL, for example http://127.0.0.1:8410.") var node: String?
    @Option(help: "The node's API key.") var apiKey: String?
    @Option(help: "The hub's base URL.") var hub: String?
    @Option(help: "A node token or the administrator token, for --hub.") var token: String?
    @Option(help: "The platform CA's certificate, to trust an https node or hub.") var ca: String?
    @Flag(help: "Print the JSON as received.") var json = false

    func validate() throws {
        guard (self.node == nil) != (self.hub == nil) else { throw ValidationError("give exactly one of --node URL or --hub URL") }
    }

    struct Status: Decodable {
        var events: [PackageEvent]
    }

    func run() async throws {
        let body = try await queryService(
            node: self.node,
            apiKey: self.apiKey,
            hub: self.hub,
            token: self.token,
            ca: self.ca,
            { try await $0.packageStatus(self.packageId) },
            { try await $0.packageStatus(self.packageId) }
        )
        if self.json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        guard let status = try? JSONDecoder().decode(Status.self, from: body) else {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        print("数据包 package \(self.packageId)")
        for event in status.events {
            let detail = event.detail.map { "  \($0)" } ?? ""
            print("  \(event.at)  \(event.hop.name.zh) / \(event.hop.name.en)  [\(event.organisation)]\(detail)")
            for finding in event.findings ?? [] where finding.severity == .error {
                print("      \(finding.code.rawValue) at \(finding.location): \(finding.message.zh) / \(finding.message.en)")
            }
        }
        let hops = Set(status.events.map(\.hop))
        let last = Hop.allCases.last { hops.contains($0) && $0.next != nil }
        if !hops.contains(.delivered), !hops.contains(.refused), let next = last?.next {
            print("  → waiting for: \(next.name.zh) / \(next.name.en)")
        }
    }
}
