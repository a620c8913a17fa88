import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// The nodes' side of delivery (docs/protocol.md): hop reports from receiving nodes, each node's feed (long-polled)
/// and its acknowledgements, and the answer of a restored hub to a feed cursor past what it holds (issue 19).
struct FeedController: Sendable {
    let store: HubStore
    let notifier: ChangeNotifier
    let activity: NodeActivity
    let logger: Logger
    /// Each package's trace (issue 22): the span of the feed serving it to its receiver, while tracing is on.
    var tracing: PackageTracing = .off

    func addRoutes(to nodes: RouterGroup<PeerRequestContext>) {
        nodes.post("/v1/packages/:id/events") { request, context in try await self.packageEvent(request, context) }
        nodes.post("/v1/events") { request, context in try await self.events(request, node: try HubAccess.node(context)) }
        nodes.get("/v1/feed") { request, context in try await self.feed(request, node: try HubAccess.node(context)) }
        nodes.post("/v1/feed/ack") { request, context in try await self.acknowledge(request, node: try HubAccess.node(context)) }
    }

    func packageEvent(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let node = try HubAccess.node(context)
        let packageId = context.parameters.get("id") ?? ""
        let body = try await request.body.collect(upTo: 4 << 20)
        guard var event = try? JSONDecoder().decode(PackageEvent.self, from: Data(body.readableBytesView)), event.packageId == packageId,
            Self.reportable.contains(event.hop)
        else {
            throw APIError(.eventInvalid, zh: "事件格式错误", en: "not a valid hop report")
        }
        event.organisation = node
        switch try await self.store.record(event, reportedBy: node) {
        case .recorded:
            // The sender's long poll is woken by the commit notification of its feed entry (FeedRelay).
            return HTTPJSON.response(["status": "recorded"])
        case .unknownPackage:
            throw CaseDataController.noSuchPackage
        case .notAParty:
            throw HubAccess.forbidden
        }
    }

    static let reportable = Hop.reportedByReceiver

    struct EventOutcomes: Codable, CanonicalJSONWritable {
        var outcomes: [String]

        func write(to writer: inout CanonicalJSONWriter) {
            writer.object { $0.field("outcomes", self.outcomes) }
        }
    }

    /// A batch of hop reports from a receiving node, recorded in one transaction.
    func events(_ request: Request, node: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        guard let events = JSONReader.decode([PackageEvent].self, from: Array(body.readableBytesView)), events.count <= 1000 else {
            throw APIError(.eventInvalid, zh: "事件格式错误", en: "expected a JSON array of at most 1000 hop reports")
        }
        let valid = events.filter { Self.reportable.contains($0.hop) }
        let results = try await self.store.record(valid, reportedBy: node)
        var outcomes: [String] = []
        var index = 0
        for event in events {
            guard Self.reportable.contains(event.hop) else {
                outcomes.append("invalid")
                continue
            }
            let result = results[index]
            index += 1
            outcomes.append("\(result)")
        }
        return HTTPJSON.response(EventOutcomes(outcomes: outcomes))
    }

    func feed(_ request: Request, node: String) async throws -> Response {
        let after = try Query.integer(request, "after", default: 0, in: 0...Int.max)
        let limit = min(max(try Query.integer(request, "limit", default: 200), 1), 1000)
        let wait = min(max(try Query.number(request, "wait", default: 0), 0), 60)
        await self.activity.saw(node, acknowledging: after)
        if let diverged = try await self.divergence(request, node: node, after: after) { return diverged }
        let version = await self.notifier.version(of: node)
        var page = try await self.store.feedPage(organisation: node, after: after, limit: limit)
        if page.count == 0 && wait > 0 {
            // A long-poll ends at once when the hub shuts down, so that a restart is not held up by waiting nodes.
            let notifier = self.notifier
            await cancelWhenGracefulShutdown { await notifier.wait(for: node, since: version, timeout: .milliseconds(Int(wait * 1000))) }
            page = try await self.store.feedPage(organisation: node, after: after, limit: limit)
        }
        if self.tracing.tracer != nil, page.count > 0 { self.traceServed(page.json, to: node) }
        return HTTPJSON.response(json: page.json)
    }

    /// The feed's span of each package it serves (issue 22, item 3): a child of the hub's span that stored it, with
    /// how long the package waited in the feed. Read from the page only while tracing is on.
    func traceServed(_ page: [UInt8], to node: String) {
        struct Page: JSONReadable {
            var entries: [FeedEntry]
            init(json reader: inout JSONReader) throws(JSONReader.Failure) {
                self.entries = try reader.readObject(field: "entries", as: [FeedEntry].self)
            }
        }
        guard let entries = JSONReader.decode(Page.self, from: page)?.entries else { return }
        let now = self.store.clock.now()
        for case let delivery? in entries.map(\.delivery) where delivery.traceparent != nil {
            let span = self.tracing.start("xietong.hub.feed", packageId: delivery.packageId, continuing: delivery.traceparent, kind: .producer)
            span?.set("xietong.node", node)
            if let accepted = Timestamp.date(delivery.acceptedAt) {
                span?.set("xietong.feed.waited_ms", String(Int(max(now.timeIntervalSince(accepted), 0) * 1000)))
            }
            span.end()
        }
    }

    func acknowledge(_ request: Request, node: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 4096)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any], let upTo = object["upTo"] as? Int
        else {
            throw APIError(.ackInvalid, zh: "确认格式错误", en: "expected {\"upTo\": N}")
        }
        await self.activity.saw(node, acknowledging: upTo)
        return HTTPJSON.response(["status": "acknowledged"])
    }

    /// The answer to a feed read whose cursor this hub does not hold (409 `feed.diverged`): the runs of the hub
    /// that wrote the feed, so that the node can find the last entry it read that this hub still has.
    struct Diverged: Encodable {
        let error = "feed.diverged"
        let message: [String: String]
        let runs: [FeedRun]
    }

    /// When the node names the hub run of the entry at its cursor (`boots`, comma-separated) and this hub does not
    /// hold that entry, the 409 that says so; otherwise nil and the feed is read as usual.
    func divergence(_ request: Request, node: String, after: Int) async throws -> Response? {
        guard let text = request.uri.queryParameters.get("boots"), !text.isEmpty else { return nil }
        let boots = text.split(separator: ",").prefix(16).map(String.init)
        if try await self.store.feedHolds(organisation: node, seq: after, boots: boots) { return nil }
        let runs = try await self.store.feedRuns(organisation: node)
        self.logger.warning(
            "a node's feed cursor is past what this hub holds: was the hub restored from an older copy?",
            metadata: ["xietong.node": "\(node)", "xietong.cursor": "\(after)", "xietong.runs": "\(runs.count)"]
        )
        return HTTPJSON.response(
            Diverged(
                message: [
                    "zh": "中心平台没有本节点队列位置 \(after) 的记录：中心平台可能已从较早的备份恢复，请从双方共有的最后位置继续",
                    "en":
                        "this hub does not hold position \(after) of the node's feed as the node read it: the hub may have been restored from an older copy; resume after the last position both hold",
                ],
                runs: runs
            ),
            status: .conflict
        )
    }
}
