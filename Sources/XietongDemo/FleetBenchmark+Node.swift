import AsyncHTTPClient
import Foundation
import XietongCore
import XietongHTTP
import XietongLocal
import XietongTrust

extension FleetBenchmark {
    /// One simulated node of the fleet: an organisation with its certificate, and a client of its own that presents
    /// it to the hub (as `xietong node` does).
    final class Member: Sendable {
        let party: CasePackage.Party
        let identity: Identity
        let client: HTTPClient
        let hub: HubClient

        init(party: CasePackage.Party, identity: Identity, hubURL: String, token: String) throws {
            self.party = party
            self.identity = identity
            self.client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .xietong(tls: try TLSSetup.client(identity), connectionsPerHost: 4)
            )
            self.hub = HubClient(baseURL: hubURL, token: token, client: self.client, link: HubLink(notifier: ChangeNotifier()))
        }

        var organisation: String { self.party.organisationCode }

        /// Reads this node's feed until cancelled, as `FeedPuller` does: fetches and checks each delivery, reports it
        /// stored and delivered, and checks each signed tree head against the last one with the hub's consistency
        /// proof (`TreeHeadCheck`).
        func poll(log: FleetLog) async {
            var cursor = 0
            var lastHead: Evidence.TreeHead?
            // The first poll answers at once, so that a connected node is known; the next ones wait as a node's do.
            var wait = 0.0
            while !Task.isCancelled {
                do {
                    defer { wait = 20 }
                    guard case .entries(let entries) = try await self.hub.feed(after: cursor, wait: wait) else {
                        throw HubClient.Failure(status: 409, message: "the hub answered that its feed diverged")
                    }
                    await log.answered(self.organisation)
                    var reports: [PackageEvent] = []
                    for entry in entries {
                        if let delivery = entry.delivery {
                            guard case .content = try await self.hub.content(of: delivery, hub: HubClient.ownHub) else {
                                throw HubClient.Failure(status: nil, message: "the bytes of \(delivery.packageId) do not match the hub's record")
                            }
                            await log.arrived(delivery.packageId, at: Date())
                            let now = Timestamp.now()
                            reports += [
                                PackageEvent(packageId: delivery.packageId, hop: .storedByReceiver, at: now, organisation: self.organisation),
                                PackageEvent(packageId: delivery.packageId, hop: .delivered, at: now, organisation: self.organisation),
                            ]
                        } else if let head = entry.treeHead {
                            let hub = self.hub
                            let problem = try await TreeHeadCheck.problem(
                                head,
                                after: lastHead,
                                trust: self.identity.trust,
                                hub: LocalTopology.hubOrganisation
                            ) {
                                (first, second) throws(HubClient.Failure) in try await hub.consistencyProof(from: first, to: second)
                            }
                            await log.checkedHead(problem: problem.map { "\(self.organisation): tree head \(head.treeSize): \($0.en)" })
                            if problem == nil { lastHead = head }
                        }
                        cursor = entry.seq
                    }
                    if !reports.isEmpty { try await self.report(reports, log: log) }
                } catch {
                    if Task.isCancelled { return }
                    // A passing failure (the connection, a timeout) is retried, as a node retries its feed; only a
                    // definitive answer is a problem. A package it delays still counts, through the latency.
                    if let failure = error as? HubClient.Failure, failure.status == nil {
                        await log.retried()
                    } else {
                        await log.problem("\(self.organisation) feed: \(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
        }

        /// Sends one signed package to `receiver` in a batch of one, as a node's lane does with a package at a time.
        /// (The hub takes the sender's hops from the batch itself; only a receiver reports hops.)
        func send(to receiver: Member, index: Int, run: String, phase: FleetPhase, log: FleetLog) async {
            let package = ExchangeBenchmark.casePackage(run: run, index: index, caseNumber: index, sender: self.party, receiver: receiver.party)
            let xml = CasePackageWriter.bytes(package)
            let id = package.envelope.packageId
            do {
                let signature = try PackageSignature.sign(packageId: id, content: xml, attachmentSHA256s: [], by: self.identity)
                let start = Date()
                await log.sending(id, to: receiver.organisation, phase: phase, at: start)
                // A passing failure (no connection from the pool in time, a dropped connection) is retried with the
                // same package, as a node's outbox retries, and counted as a retry; the hub answers a resend with the
                // first receipt. The latency counts from the first attempt.
                var attempt = 0
                var receipts: [Receipt]?
                while receipts == nil {
                    let failure: HubClient.Failure
                    do {
                        receipts = try await self.hub.send(packages: [xml], signatures: [signature]).receipts
                        continue
                    } catch {
                        failure = error
                    }
                    guard failure.status == nil, attempt < 5, !Task.isCancelled else { throw failure }
                    attempt += 1
                    await log.retried()
                    try? await Task.sleep(for: .milliseconds(500))
                }
                guard let receipt = receipts?.first, receipt.status == .accepted else {
                    await log.refused(id, "\(self.organisation): refused: \(receipts?.first?.findings.map(\.message.en) ?? [])")
                    return
                }
                await log.sent(milliseconds: Date().timeIntervalSince(start) * 1000)
            } catch {
                await log.refused(id, "\(self.organisation) send: \(error)")
            }
        }

        func report(_ events: [PackageEvent], log: FleetLog) async throws {
            let start = Date()
            let outcomes = try await self.hub.report(events)
            await log.reported(milliseconds: Date().timeIntervalSince(start) * 1000)
            for (event, outcome) in zip(events, outcomes) where outcome != "recorded" {
                await log.problem("\(self.organisation): report of \(event.hop.rawValue) for \(event.packageId): \(outcome)")
            }
        }
    }
}

/// What the fleet's nodes saw: when each package was sent and arrived, each request's time, each feed's answers.
actor FleetLog {
    struct Sent {
        var at: Date
        var receiver: String
        var phase: FleetPhase
        var refused = false
    }

    private var sent: [String: Sent] = [:]
    private var arrived: [String: Date] = [:]
    private var sendMilliseconds: [Double] = []
    private var reportMilliseconds: [Double] = []
    /// Per node, when its feed last answered, and the longest silence in the paced phase.
    private var lastAnswer: [String: Date] = [:]
    private var longestSilence: [String: Double] = [:]
    private var answeredInPhase: Set<String> = []
    private var pacedPhase: (start: Date, end: Date?)?
    private var treeHeads = 0
    private var alarms = 0
    private var problems: [String] = []
    private var problemCount = 0
    let nodes: [String]

    init(nodes: [String]) { self.nodes = nodes }

    var answeredNodes: Int { self.lastAnswer.count }

    func answered(_ node: String) {
        let now = Date()
        if let phase = self.pacedPhase, phase.end == nil {
            let since = max(self.lastAnswer[node] ?? phase.start, phase.start)
            self.longestSilence[node] = max(self.longestSilence[node] ?? 0, now.timeIntervalSince(since))
            self.answeredInPhase.insert(node)
        }
        self.lastAnswer[node] = now
    }

    func beginPacedPhase() { self.pacedPhase = (Date(), nil) }

    func endPacedPhase() {
        guard let start = self.pacedPhase?.start else { return }
        let end = Date()
        self.pacedPhase = (start, end)
        // A feed still waiting at the end has been silent since its last answer.
        for node in self.nodes {
            let since = max(self.lastAnswer[node] ?? start, start)
            self.longestSilence[node] = max(self.longestSilence[node] ?? 0, end.timeIntervalSince(since))
        }
    }

    func sending(_ id: String, to receiver: String, phase: FleetPhase, at date: Date) {
        self.sent[id] = Sent(at: date, receiver: receiver, phase: phase)
    }

    func sent(milliseconds: Double) { self.sendMilliseconds.append(milliseconds) }
    func reported(milliseconds: Double) { self.reportMilliseconds.append(milliseconds) }
    func arrived(_ id: String, at date: Date) { self.arrived[id] = date }

    func refused(_ id: String, _ problem: String) {
        self.sent[id]?.refused = true
        self.problem(problem)
    }

    /// Feed polls that failed in passing and were tried again.
    private(set) var retries = 0
    func retried() { self.retries += 1 }

    func problem(_ text: String) {
        self.problemCount += 1
        if self.problems.count < 20 { self.problems.append(text) }
    }

    func checkedHead(problem: String?) {
        self.treeHeads += 1
        if let problem {
            self.alarms += 1
            self.problem(problem)
        }
    }

    /// Whether every package of `phase` that the hub accepted has arrived.
    func allDelivered(_ phase: FleetPhase) -> Bool {
        self.sent.allSatisfy { id, sent in sent.phase != phase || sent.refused || self.arrived[id] != nil }
    }

    /// Waits until `condition` holds, or fails after `timeout` seconds saying what it waited for.
    func waitUntil(_ what: String, timeout: TimeInterval, _ condition: @Sendable (isolated FleetLog) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(self) {
            guard Date() < deadline else {
                throw LocalProcesses.Failure(message: "the fleet waited \(Int(timeout)) s for \(what); first problems: \(self.problems.prefix(5))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    struct Figures {
        var pacedDelivered: Int
        var throughHub: Percentiles
        var send: Percentiles
        var report: Percentiles
        var worstReceiverP99: Double
        var starved: Int
        var longestSilence: Double
        var treeHeads: Int
        var alarms: Int
        var problems: [String]
        var problemCount: Int
    }

    func figures() -> Figures {
        var throughHub: [Double] = []
        var byReceiver: [String: [Double]] = [:]
        var missing: Set<String> = []
        var delivered = 0
        for (id, sent) in self.sent where sent.phase == .paced {
            guard let arrived = self.arrived[id] else {
                missing.insert(sent.receiver)
                continue
            }
            delivered += 1
            let milliseconds = arrived.timeIntervalSince(sent.at) * 1000
            throughHub.append(milliseconds)
            byReceiver[sent.receiver, default: []].append(milliseconds)
        }
        let starved = self.nodes.filter { missing.contains($0) || !self.answeredInPhase.contains($0) }
        return Figures(
            pacedDelivered: delivered,
            throughHub: Percentiles(throughHub),
            send: Percentiles(self.sendMilliseconds),
            report: Percentiles(self.reportMilliseconds),
            worstReceiverP99: byReceiver.values.map { Percentiles($0).p99 }.max() ?? 0,
            starved: starved.count,
            longestSilence: self.longestSilence.values.max() ?? 0,
            treeHeads: self.treeHeads,
            alarms: self.alarms,
            problems: self.problems,
            problemCount: self.problemCount
        )
    }
}
