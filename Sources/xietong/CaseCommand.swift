import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
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
    @OptionGroup var data: DataOptions
    @Flag(help: "Print the JSON as received.") var json = false

    func validate() throws {
        guard (self.node == nil) != (self.hub == nil) else { throw ValidationError("give exactly one of --node URL or --hub URL") }
    }

    func run() async throws {
        let url = self.node.map { "\($0)/api/v1/cases/\(self.code)/timeline" } ?? "\(self.hub ?? "")/v1/cases/\(self.code)/timeline"
        var request = HTTPClientRequest(url: url)
        if let key = self.node != nil ? self.apiKey : self.token {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        } catch {
            printError("xietong: cannot reach \(url): \(error)")
            throw ExitCode(2)
        }
        let body = try await response.body.collect(upTo: 32 << 20)
        guard response.status == .ok else {
            printError("xietong: \(response.status.code): \(String(buffer: body))")
            throw ExitCode(response.status == .notFound ? 1 : 2)
        }
        guard !self.json, let timeline = try? JSONDecoder().decode(CaseTimeline.self, from: Data(body.readableBytesView)) else {
            print(String(buffer: body))
            return
        }
        let registry = (try? self.data.loadRegistry().0)
        for line in timeline.lines(name: { code in registry?[code].map { "\($0.name.zh) \(code)" } ?? code }) { print(line) }
    }
}
