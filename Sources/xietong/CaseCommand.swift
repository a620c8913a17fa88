import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XietongClient
import XietongCore

/// `xietong case CODE`: every node of every flow of a case, with its hops and time limits (GUI-3, SZ-4).
struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Show a case's timeline: every flow, every message, its hops and its time limits; from a node (--node) or the hub (--hub).",
        discussion: "Any of the case's unified codes finds it. Exits 0 when the case is found, 1 when it is not, 2 on a usage error."
    )

    @Argument(help: "A unified case code of the case (any agency's).") var code: String
    @Option(help: "A node's base URL, for example http://127.0.0.1:8410.") var node: String?
    @Option(help: "The node's API key.") var apiKey: String?
    @Option(help: "The hub's base URL.") var hub: String?
    @Option(help: "A node token or the administrator token, for --hub.") var token: String?
    @Option(help: "The platform CA's certificate, to trust an https node or hub.") var ca: String?
    @OptionGroup var data: DataOptions
    @Flag(help: "Print the JSON as received.") var json = false

    func validate() throws {
        guard (self.node == nil) != (self.hub == nil) else { throw ValidationError("give exactly one of --node URL or --hub URL") }
    }

    func run() async throws {
        let body = try await queryService(
            node: self.node,
            apiKey: self.apiKey,
            hub: self.hub,
            token: self.token,
            ca: self.ca,
            { try await $0.timeline(ofCase: self.code) },
            { try await $0.timeline(ofCase: self.code) }
        )
        guard !self.json, let timeline = try? JSONDecoder().decode(CaseTimeline.self, from: body) else {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        let registry = (try? self.data.loadRegistry().0)
        for line in timeline.lines(name: { code in registry?[code].map { "\($0.name.zh) \(code)" } ?? code }) { print(line) }
    }
}
