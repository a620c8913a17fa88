import Foundation
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// Issue 5's acceptance: every flow of the catalog is played end to end through a real hub and real nodes (one per
/// sending organisation), along a valid path from a message that opens it to one that closes it, and each flow
/// refuses an out-of-order step: a reply sent before the message it answers (`flow.unknown-reference`) and a reply
/// after the flow was closed (`flow.closed`). The packages are the shipped examples (examples/packages), which answer
/// each other through `InReplyTo`.
@Suite(.serialized, .timeLimit(.minutes(6))) struct EveryFlowTests {
    struct Example {
        let name: String
        let xml: String
        let packageId: String
        let inReplyTo: String?
        let sender: String
        let flow: String
        let messageType: String
    }

    static func element(_ name: String, in xml: String, after marker: String? = nil) -> String? {
        var range = xml.startIndex..<xml.endIndex
        if let marker, let found = xml.range(of: marker) { range = found.upperBound..<xml.endIndex }
        guard let start = xml.range(of: "<\(name)>", range: range), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex)
        else {
            return nil
        }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    static let examples: [Example] = {
        let folder = Repository.examples
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            $0.hasSuffix(".xml") && $0.split(separator: ".").count == 3
        }
        return names.sorted().compactMap { file in
            guard let xml = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8), xml.contains("encoding=\"UTF-8\""),
                let id = Self.element("PackageId", in: xml), let flow = Self.element("Flow", in: xml),
                let type = Self.element("MessageType", in: xml),
                let sender = Self.element("OrganisationCode", in: xml, after: "<Sender>")
            else { return nil }
            return Example(
                name: String(file.dropLast(4)),
                xml: xml,
                packageId: id,
                inReplyTo: Self.element("InReplyTo", in: xml),
                sender: sender,
                flow: flow,
                messageType: type
            )
        }
    }()

    /// The examples from an opening message to a closing one, following `InReplyTo` back from a closing message.
    static func path(of flow: Flow) -> [Example] {
        let mine = Self.examples.filter { $0.flow == flow.id && !$0.name.hasPrefix("batch") }
        let byId = Dictionary(mine.map { ($0.packageId, $0) }, uniquingKeysWith: { first, _ in first })
        var best: [Example] = []
        for closing in flow.messages where closing.closes == .flow {
            guard var current = mine.first(where: { $0.messageType == closing.id }) else { continue }
            var chain = [current]
            while let previous = current.inReplyTo.flatMap({ byId[$0] }) {
                chain.insert(previous, at: 0)
                current = previous
            }
            if flow.message(chain[0].messageType)?.startsFlow == true && chain.count > best.count { best = chain }
        }
        return best
    }

    static func attachment(_ example: Example) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: Repository.examples.appendingPathComponent("attachments/\(example.name).pdf")))
    }

    /// The same package under a new id and idempotency key.
    static func renamed(_ example: Example, _ suffix: String) -> (xml: String, packageId: String) {
        let id = UUID().uuidString.lowercased()
        let xml = example.xml.replacingOccurrences(of: "<PackageId>\(example.packageId)</PackageId>", with: "<PackageId>\(id)</PackageId>")
            .replacingOccurrences(of: "-1</IdempotencyKey>", with: "-\(suffix)</IdempotencyKey>")
        return (xml, id)
    }

    /// Sends through the sender's node and waits for the hub's verdict as the node hears it.
    static func send(
        _ xml: String,
        packageId: String,
        attachment: [UInt8],
        from sender: String,
        harness: ExchangeHarness
    ) async throws -> [PackageEvent] {
        let reply = try await harness.send(Array(xml.utf8), attachments: [attachment], from: sender)
        guard reply.status == 202 || reply.status == 200 else {
            throw ExchangeHarness.HarnessError(message: "the node refused \(packageId): \(reply.status) \(reply.text)")
        }
        var events: [PackageEvent] = []
        try await harness.eventually("the hub's verdict on \(packageId)", timeout: 60) {
            events = try await harness.status(of: packageId, at: sender)
            return events.contains { $0.hop == .receivedByHub || $0.hop == .refused }
        }
        return events
    }

    @Test func everyFlowRunsToItsCloseAndRefusesOutOfOrderSteps() async throws {
        let catalog = try FlowCatalog.bundled()
        let paths = catalog.flows.map { ($0, Self.path(of: $0)) }
        for (flow, path) in paths {
            #expect(path.count >= 1, "no example path opens and closes \(flow.id)")
        }
        let senders = Set(paths.flatMap { $0.1.map(\.sender) }).sorted()
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: senders, alertCheckSeconds: 0.5)
        for sender in senders { try harness.addNode(sender) }
        try await harness.startAll()

        for (flow, path) in paths where !path.isEmpty {
            // A reply before the message it answers: refused, the hub has no such message yet.
            if path.count >= 2 {
                let early = Self.renamed(path[1], "early")
                let events = try await Self.send(
                    early.xml,
                    packageId: early.packageId,
                    attachment: try Self.attachment(path[1]),
                    from: path[1].sender,
                    harness: harness
                )
                let refusal = events.first { $0.hop == .refused }
                #expect(refusal?.findings?.first?.code == .flowUnknownReference, "\(flow.id): \(path[1].messageType) before \(path[0].messageType)")
            }
            // The valid path, step by step.
            for step in path {
                let events = try await Self.send(
                    step.xml,
                    packageId: step.packageId,
                    attachment: try Self.attachment(step),
                    from: step.sender,
                    harness: harness
                )
                let refusal = events.first { $0.hop == .refused }
                #expect(refusal == nil, "\(flow.id): \(step.messageType) refused: \(refusal?.findings?.map { "\($0.code) \($0.message.en)" } ?? [])")
            }
            // A further reply after the close: refused.
            if path.count >= 2 {
                let late = Self.renamed(path[1], "late")
                let events = try await Self.send(
                    late.xml,
                    packageId: late.packageId,
                    attachment: try Self.attachment(path[1]),
                    from: path[1].sender,
                    harness: harness
                )
                let refusal = events.first { $0.hop == .refused }
                #expect(refusal?.findings?.first?.code == .flowClosed, "\(flow.id): \(path[1].messageType) after the close")
            }
        }
        // The hub's timeline shows each flow closed.
        for (flow, path) in paths where !path.isEmpty {
            let code = try #require(Self.element("UnifiedCaseCode", in: path[0].xml))
            let timeline = try await harness.get("\(harness.services["hub"]!.url)/v1/cases/\(code)/timeline", key: harness.adminToken)
            let instance = timeline.json(CaseTimeline.self)?.instances.first { $0.instanceId == path[0].packageId }
            #expect(instance?.closedAt != nil, "\(flow.id) is not closed")
            #expect(instance?.steps.map(\.packageId) == path.map(\.packageId), "\(flow.id): steps")
        }
    }
}
