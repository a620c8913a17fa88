import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import UnixSignals
import XietongClient
import XietongCore
import XietongHTTP
import XietongHub
import XietongLocal
import XietongNode
import XietongStore
import XietongTrust

// The demo's narration: the business systems' side of the case, sent message by message through the nodes'
// API (XietongClient), each followed hop by hop and signed for, with the deadlines, reminders, the hand-over for
// execution as both hubs record it, the evidence, the link between the hubs and the consoles shown at the end.
// DemoRunner builds the two hubs and the nodes it talks to.
extension DemoRunner {
    /// The business systems' side: sends each message of the case, follows it hop by hop, signs for it.
    struct Scenario: NamedService {
        let runner: DemoRunner
        let endpoints: Endpoints
        let outcome: Outcome
        var say: @Sendable (String) -> Void { self.runner.options.output }

        func name(_ organisation: String) -> String { self.runner.registry[organisation]?.kind.name.zh ?? organisation }
        func node(_ organisation: String) -> String { "https://127.0.0.1:\(self.endpoints.nodes[organisation]!)" }
        /// The organisation's business system's client of its node.
        func api(_ organisation: String) -> NodeAPIClient {
            NodeAPIClient(
                baseURL: self.node(organisation),
                apiKey: self.endpoints.apiKey[organisation]!,
                client: self.endpoints.client,
                timeout: .seconds(10)
            )
        }
        /// An organisation's full name, from the registry.
        func fullName(_ organisation: String) -> String { self.runner.registry[organisation]?.name.zh ?? organisation }
        /// A hub, called as its administrator (both hubs have the demo's administrator token).
        func hub(_ site: HubSite) -> HubAPIClient {
            HubAPIClient(baseURL: site.url, token: self.endpoints.adminToken, client: self.endpoints.client, timeout: .seconds(10))
        }

        func run() async throws {
            for url in self.endpoints.hubs.map(\.url)
                + DemoCase.organisations.flatMap({ [self.node($0), "http://127.0.0.1:\(self.endpoints.businesses[$0]!)"] })
            {
                try await self.waitUntilUp(url)
            }
            self.say("协同 Xietong 演示：一个刑事案件的全流程 / demo: one criminal case, end to end")
            // Each hub with its committee, its platform's CA and the agencies whose nodes connect to it.
            for site in self.endpoints.hubs {
                self.say("  \(site.label)  \(site.url)  \(self.fullName(site.organisation))  (双向 TLS mutual TLS; 平台根证书 CA \(site.ca))")
                for organisation in site.organisations {
                    self.say(
                        "    \(self.fullName(organisation))  node \(self.node(organisation))  business system http://127.0.0.1:\(self.endpoints.businesses[organisation]!)"
                    )
                }
            }
            self.say("  两个中心平台互联，各自只为对方所辖机关信任对方根证书 the hubs are linked, each trusting the other's CA for the other's agencies only")
            let city = self.endpoints.city
            self.say(
                "  监控 metrics  curl -H 'Authorization: \(BearerToken.header(self.endpoints.metricsToken))' --cacert \(city.ca) \(city.url)/metrics"
            )
            self.say(
                "                 (the provincial hub too, with --cacert \(self.endpoints.province.ca); every node: NODE/metrics; /readyz, /version;"
                    + " Prometheus rules and Grafana dashboard: docs/monitoring/)"
            )
            self.say("")
            let steps = DemoCase.steps(dossierMegabytes: self.runner.options.dossierMegabytes)
            var packageIds: [String] = []
            var codes: [String: String] = [:]
            var results: [(String, Bool)] = []
            for (index, step) in steps.enumerated() {
                let related = codes.filter { $0.key != step.sender }.map(\.value).sorted()
                let built = DemoCase.build(
                    step,
                    index: index,
                    run: self.runner.run,
                    registry: self.runner.registry,
                    catalog: self.runner.catalog,
                    inReplyTo: step.answers.map { packageIds[$0] },
                    caseCode: codes[step.sender],
                    related: related
                )
                let message = self.runner.catalog.message(flow: step.flow, type: step.messageType)!
                self.say(
                    String(format: "[%2d/%d] ", index + 1, steps.count)
                        + "\(self.name(step.sender)) → \(self.name(step.receiver))  \(message.zh) \(message.en)"
                        + String(format: "  (%d documents, %.1f MB)", built.files.count, Double(built.bytes) / 1_048_576)
                )
                let start = Date()
                for file in built.files { try await self.upload(file, to: step.sender) }
                let receipt = try await self.send(built.xml, from: step.sender)
                guard receipt.status == .accepted else {
                    self.say("       refused: \(receipt.findings.map { "\($0.code) \($0.message.zh)" }.joined(separator: "; "))")
                    results.append((built.package.envelope.packageId, false))
                    packageIds.append(built.package.envelope.packageId)
                    continue
                }
                let packageId = built.package.envelope.packageId
                packageIds.append(packageId)
                let events = try await self.follow(packageId, sender: step.sender)
                if let code = events.first(where: { $0.hop == .coded })?.detail?.split(separator: " ").first {
                    codes[step.sender] = String(code)
                }
                let intact = try await self.checkIntact(built, at: step.receiver)
                try await self.signFor(packageId, at: step.receiver)
                _ = try await self.follow(packageId, sender: step.sender, until: .signedFor, quietly: true)
                self.say(
                    String(
                        format: "       %@  %.2f s",
                        intact ? "完整送达 delivered intact, signed for 已签收" : "NOT INTACT 不完整",
                        Date().timeIntervalSince(start)
                    )
                )
                results.append((packageId, intact))
            }
            let intactCount = results.filter(\.1).count
            self.say("")
            self.say("结果 Result: \(intactCount)/\(steps.count) 件数据包完整送达 packages delivered intact (byte-identical; attachments verified by SHA-256)")
            await self.outcome.set(intactCount == steps.count)
            try await self.showDeadlines(caseCode: codes[DemoCase.police])
            if let code = codes[DemoCase.police] { try await self.bookArraignment(caseCode: code) }
            try await self.sealCustodyExchange(caseCode: codes[DemoCase.police])
            if let first = packageIds.first { try await self.grantReading(of: first) }
            try await self.showSimilarCases(caseCode: codes[DemoCase.police])
            // The hand-over for execution crosses the link (court on the city's hub, prison on the province's): each hub
            // records it, and each side's node checks it against its own hub's evidence log.
            if let index = steps.firstIndex(where: { $0.messageType == "imprisonmentHandover" }), index < packageIds.count {
                let handover = packageIds[index]
                try await self.showHops(of: handover, step: steps[index])
                try await self.showEvidence(of: handover, at: DemoCase.prison)
                try await self.showEvidence(of: handover, at: DemoCase.court)
                try await self.showWitnessed(handover)
            }
            try await self.showLinks()
            try await self.leaveOneForTheClerk(steps[0])
            try self.showConsoles()
            if !self.runner.options.once {
                self.say("")
                self.say("演示继续运行，按 Ctrl-C 结束 / the demo keeps running; press Ctrl-C to stop. Try:")
                let last = packageIds.last ?? ""
                self.say(
                    "  xietong track \(last) --node \(self.node(DemoCase.court)) --api-key \(self.endpoints.apiKey[DemoCase.court]!) --ca \(city.ca)"
                )
                for site in self.endpoints.hubs {
                    self.say(
                        "  curl -H 'Authorization: \(BearerToken.header(self.endpoints.adminToken))' \(site.url)/v1/admin/links --cacert \(site.ca)"
                    )
                }
                self.say(
                    "  curl -H 'Authorization: \(BearerToken.header(self.endpoints.adminToken))' \(city.url)/v1/admin/nodes --cacert \(city.ca)"
                )
                self.say("  curl http://127.0.0.1:\(self.endpoints.businesses[DemoCase.prison]!)/received")
                if let code = codes[DemoCase.police] {
                    self.say(
                        "  xietong case \(code) --node \(self.node(DemoCase.court)) --api-key \(self.endpoints.apiKey[DemoCase.court]!) --ca \(city.ca)"
                    )
                }
                self.say("  data: \(self.runner.options.dataDirectory.path)")
                try? await gracefulShutdown()
            }
        }

        /// The case's statutory time limits as the hub tracks them (issue 5): who must act by when, met or open.
        func showDeadlines(caseCode: String?) async throws {
            guard let caseCode else { return }
            let reply = try await self.hub(self.endpoints.city).timeline(ofCase: caseCode)
            guard reply.status == 200, let timeline = reply.json(CaseTimeline.self) else {
                self.say("期限 time limits: unavailable (\(reply.status))")
                return
            }
            self.say("")
            self.say("法定期限 Statutory time limits of the case（中心平台按法律计算 counted by the hub as the law counts them）:")
            for line in timeline.deadlineLines(name: { self.runner.registry[$0]?.name.zh ?? $0 }) { self.say("  " + line) }
            try await self.showReminders()
        }

        /// A package's hand-overs in the evidence log of `organisation`'s hub, with inclusion proofs checked by its node
        /// against a signed tree head it keeps (issue 6, SZ-3). Shown once a signed head covers the signing for (or,
        /// after 30 s, the storing by the receiver).
        func showEvidence(of packageId: String, at organisation: String) async throws {
            struct Verified: Decodable {
                struct Receipt: Decodable {
                    let treeHead: Evidence.TreeHead
                    let entries: [Evidence.Inclusion]
                }
                let receipt: Receipt
                let verified: Bool
            }
            let site = self.endpoints.hub(serving: organisation)
            var latest: Verified?
            for _ in 0..<300 {  // up to 30 s for a signed head to cover the hand-overs
                if let evidence = try await self.api(organisation).evidence(of: packageId).json(Verified.self) {
                    latest = evidence
                    if evidence.receipt.entries.contains(where: { $0.event.hop == .signedFor }) { break }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            self.say("")
            guard let evidence = latest, evidence.receipt.entries.contains(where: { $0.event.hop == .storedByReceiver }) else {
                self.say("存证 Evidence log · \(site.label): 尚无签名树头覆盖 no signed tree head covers \(packageId) yet")
                return
            }
            self.say(
                "存证 Evidence log（防篡改 tamper-evident, RFC 9162）· \(site.label) · \(self.fullName(organisation))节点核验 checked by its node: \(packageId)"
            )
            for entry in evidence.receipt.entries {
                self.say(
                    "  #\(entry.leafIndex)  \(entry.event.hop.name.zh) / \(entry.event.hop.name.en)  \(entry.event.at)  包含证明 proof: \(entry.proof.count) hashes"
                )
            }
            self.say(
                "  \(evidence.verified ? "✔ 已验证 verified" : "✘ 验证失败 NOT verified") by \(self.fullName(organisation))"
                    + " against the signed tree head of \(site.label) (\(evidence.receipt.treeHead.treeSize) entries)"
            )
        }

        /// A package that crossed the link (issue 23) as each hub records it, hop by hop with the organisation that
        /// recorded each: the sender's hub with the far hub's hops under the peer's names, the far hub with its own.
        func showHops(of packageId: String, step: DemoCase.Step) async throws {
            let message = self.runner.catalog.message(flow: step.flow, type: step.messageType)
            self.say("")
            self.say(
                "跨平台交接 Across the link: \(self.name(step.sender)) → \(self.name(step.receiver))  \(message?.zh ?? step.messageType) \(message?.en ?? "")"
            )
            self.say("  两个中心平台各自的记录 as each hub records it（GET /v1/packages/\(packageId)）:")
            for site in self.endpoints.hubs {
                let reply = try await self.hub(site).packageStatus(packageId)
                guard reply.status == 200, let summary = reply.json(HubStore.PackageSummary.self) else {
                    self.say("  \(site.label): unavailable (\(reply.status))")
                    continue
                }
                self.say("  \(site.label)（\(self.fullName(site.organisation))）:")
                for event in summary.events.sorted(by: PackageEvent.journeyOrder) {
                    self.say("    \(event.hop.name.zh) / \(event.hop.name.en)  \(self.fullName(event.organisation))  \(event.at)")
                }
            }
        }

        /// The link between the hubs as each sees it (`GET /v1/admin/links`, issue 23): whether the peer reads this
        /// hub's link feed and answers its reads, what waits for the peer, and the peer's evidence log as checked here.
        /// Shown once both ways work and nothing waits, or after 10 s as it is.
        /// The handover's evidence receipt from the city hub against a head the provincial committee's witness
        /// countersigned (issue 23, SZ-3): the witness mirrored the log and checked that head before signing it.
        func showWitnessed(_ packageId: String) async throws {
            let policy = try WitnessPolicy(WitnessRequirement(required: 1, publicKeys: [self.endpoints.witnessKey]))
            let hub = HubAPIClient(
                baseURL: self.endpoints.city.url,
                token: self.endpoints.adminToken,
                client: self.endpoints.client,
                timeout: .seconds(10)
            )
            for _ in 0..<300 {  // up to 30 s for the witness to countersign a head that covers every hand-over
                let reply = try await hub.request(.GET, "/v1/evidence/packages/\(packageId)?witnessed=true")
                if let receipt = reply.json(Evidence.Receipt.self), receipt.entries.contains(where: { $0.event.hop == .signedFor }) {
                    let witnessed = policy.problem(receipt.treeHead) == nil
                    let witness = self.runner.registry[LocalTopology.provinceHubOrganisation]?.name.zh ?? LocalTopology.provinceHubOrganisation
                    self.say("")
                    self.say("见证 Witnessed（SZ-3 第三方保全 preserved by an independent party）: \(packageId)")
                    self.say(
                        "  \(witnessed && receipt.proofsHold ? "✔ 已见证 witnessed" : "✘ 未见证 NOT witnessed"): \(receipt.entries.count) 条交接记录 hand-overs in the city hub's head of \(receipt.treeHead.treeSize) entries, 由 \(witness) 见证方副署 countersigned by the provincial committee's witness after mirroring and checking the log"
                    )
                    self.say("  见证方 witness: \(self.endpoints.witnessURL)/v1/witness  公钥 public key \(self.endpoints.witnessKey)")
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            self.say("")
            self.say("见证 Witnessed: 30 秒内见证方未副署覆盖该数据包的树头 / the witness did not countersign a head covering the package within 30 s")
        }

        func showLinks() async throws {
            struct Link: Decodable {
                let name: String
                let hub: String
                let peerReading: Bool
                let peerAnswering: Bool
                let waiting: Int
                let peerTreeSize: Int?
                let evidenceAlarm: LocalizedText?

                var settled: Bool { self.peerReading && self.peerAnswering && self.waiting == 0 && self.peerTreeSize != nil }
            }
            var views: [(site: HubSite, links: [Link])] = []
            let giveUp = Date().addingTimeInterval(10)
            repeat {
                views = []
                for site in self.endpoints.hubs {
                    let reply = try await self.hub(site).request(.GET, "/v1/admin/links")
                    views.append((site, reply.json([Link].self) ?? []))
                }
                if views.allSatisfy({ !$0.links.isEmpty && $0.links.allSatisfy(\.settled) }) { break }
                try await Task.sleep(for: .milliseconds(200))
            } while Date() < giveUp
            self.say("")
            self.say("中心平台间链路 The link between the hubs（GET /v1/admin/links）:")
            func mark(_ working: Bool) -> String { working ? "● 正常 working" : "○ 中断 down" }
            for (site, links) in views {
                for link in links {
                    let evidence =
                        link.evidenceAlarm.map { "✘ \($0.zh) / \($0.en)" }
                        ?? link.peerTreeSize.map { "✔ 已核验 checked, \($0) entries" } ?? "—"
                    self.say(
                        "  \(site.label) → \(link.name)（\(self.fullName(link.hub))）  对端读取本平台队列 peer reads this hub \(mark(link.peerReading))"
                            + "  本平台读取对端队列 this hub reads the peer \(mark(link.peerAnswering))  待对端取走 waiting for the peer \(link.waiting)"
                            + "  对端证据日志 peer's evidence log \(evidence)"
                    )
                }
            }
        }

        /// A second case's arrest request, left for the procuratorate's clerk to sign for in the web console.
        func leaveOneForTheClerk(_ step: DemoCase.Step) async throws {
            let built = DemoCase.build(
                step,
                index: 99,
                run: self.runner.run,
                registry: self.runner.registry,
                catalog: self.runner.catalog,
                inReplyTo: nil,
                caseCode: nil,
                related: []
            )
            var package = built.package
            package.body.caseInfo.name = "李某某诈骗案"
            package.body.caseInfo.summary = "犯罪嫌疑人李某某冒充客服人员骗取他人钱款，价值共计人民币五万余元。"
            package.body.persons[0].name = "李某某"
            package.body.persons[0].idCardNumber = ResidentIDNumber.build(division: "330106", birth: "19880708", order: 215, male: true)?.rawValue
            package.body.persons[0].birthDate = "1988-07-08"
            package.body.charges = [CasePackage.Charge(personRef: "p1", name: "诈骗罪", lawArticle: "刑法第266条")]
            let pending = DemoCase.Built(package: package, xml: CasePackageWriter.bytes(package), files: built.files)
            for file in pending.files { try await self.upload(file, to: step.sender) }
            let receipt = try await self.send(pending.xml, from: step.sender)
            guard receipt.status == .accepted else { return }
            _ = try await self.follow(package.envelope.packageId, sender: step.sender, quietly: true)
            self.say("")
            self.say(
                "待签收 Waiting in the procuratorate's console: \(self.name(step.sender)) → \(self.name(step.receiver))  提请批准逮捕（李某某诈骗案） \(package.envelope.packageId)"
            )
        }

        /// Every reminder the agencies' nodes have received so far, with the agency.
        func receivedReminders() async throws -> [(String, DeadlineReminder)] {
            var reminders: [(String, DeadlineReminder)] = []
            for organisation in DemoCase.organisations {
                let received = try await self.api(organisation).reminders().json([DeadlineReminder].self) ?? []
                reminders += received.map { (organisation, $0) }
            }
            return reminders
        }

        /// The web consoles' addresses and demo users (issue 7), also written to `console.json` in the data folder; and
        /// beside it, `business-systems.json`: each agency's node and its business system's API key, to call the node's
        /// interface by hand (the browser test sends a recording through it, issue 24).
        func showConsoles() throws {
            self.say("")
            self.say("网页控制台 Web consoles（中文，可切换 English）:")
            for user in self.endpoints.users {
                let site = self.runner.registry[user.organisation]?.name.zh ?? "政法委 committee"
                self.say("  \(user.console)  \(site)  用户 user: \(user.user)  密码 password: \(user.password)  (\(user.role))")
            }
            let folder = self.runner.options.dataDirectory
            try CanonicalJSON.pretty(self.endpoints.users).write(to: folder.appendingPathComponent("console.json"))
            let systems = DemoCase.organisations.map { ["organisation": $0, "node": self.node($0), "apiKey": self.endpoints.apiKey[$0]!] }
            try CanonicalJSON.pretty(systems).write(to: folder.appendingPathComponent("business-systems.json"))
        }

        /// The reminders the hub pushed to the agencies' nodes (GS-3), as their business systems receive them. The hub
        /// checks every second and sends every reminder then due, so they are shown once they have settled: some have
        /// come, and none for 2.5 s. (Shown at the first to come, they had sometimes been only a limit due today,
        /// without the protest window the case had just opened.)
        func showReminders() async throws {
            var reminders: [(String, DeadlineReminder)] = []
            var changed = Date()
            let giveUp = Date().addingTimeInterval(30)  // the hub checks every second, later under load
            while Date() < giveUp {
                let received = try await self.receivedReminders()
                if received.count != reminders.count {
                    reminders = received
                    changed = Date()
                } else if !reminders.isEmpty && Date().timeIntervalSince(changed) > 2.5 {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard !reminders.isEmpty else { return }
            self.say("")
            self.say("期限提醒 Time-limit reminders pushed to the agencies（各机关节点已收到 received by their nodes）:")
            for (organisation, reminder) in reminders {
                self.say("  → \(self.runner.registry[organisation]?.name.zh ?? organisation): \(reminder.text.zh) / \(reminder.text.en)")
            }
        }

        func waitUntilUp(_ url: String) async throws {
            for _ in 0..<600 {
                let service = APITransport(baseURL: url, bearer: nil, client: self.endpoints.client, timeout: .seconds(2))
                if let reply = try? await service.request(.GET, "/healthz"), reply.status == 200 {
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw DemoError(message: "\(url) did not start")
        }

        /// Uploads a document through the resumable upload interface, in 1 MiB chunks (ZJ-7.2.3 a, GZ-6).
        func upload(_ file: [UInt8], to organisation: String) async throws {
            try await self.api(organisation).upload(file, chunkSize: 1 << 20)
        }

        func send(_ xml: [UInt8], from organisation: String) async throws -> Receipt {
            let reply = try await self.api(organisation).sendPackage(xml)
            guard let receipt = reply.json(Receipt.self) else { throw DemoError(message: "send failed: \(reply.status) \(reply.text)") }
            return receipt
        }

        /// Prints each new hop as the sender's node learns of it, until delivery (or `until`).
        func follow(_ packageId: String, sender: String, until last: Hop = .delivered, quietly: Bool = false) async throws -> [PackageEvent] {
            var shown = 0
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let events = try await self.api(sender).events(of: packageId)
                if !quietly {
                    for event in events.dropFirst(shown) {
                        var line = "       \(event.hop.name.zh) \(event.hop.name.en)"
                        if event.hop == .coded, let code = event.detail { line += "  统一赋码 \(code)" }
                        // The far hub's hops of a package that crossed the link (issue 23): which hub.
                        if event.hop == .receivedByPeerHub || event.hop == .forwardedByPeerHub { line += "  \(self.fullName(event.organisation))" }
                        self.say(line)
                    }
                }
                shown = events.count
                if events.contains(where: { $0.hop == last || $0.hop == .refused }) { return events }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw DemoError(message: "package \(packageId) did not reach \(last.rawValue) within 120 s")
        }

        /// Whether the receiving business system holds exactly the bytes sent, with all attachments (which it
        /// verified by SHA-256 while downloading them).
        func checkIntact(_ built: DemoCase.Built, at organisation: String) async throws -> Bool {
            let business = APITransport(
                baseURL: "http://127.0.0.1:\(self.endpoints.businesses[organisation]!)",
                bearer: nil,
                client: self.endpoints.client
            )
            let received = try await business.request(.GET, "/received").json([BusinessSystemSimulator.Received].self) ?? []
            guard let entry = received.first(where: { $0.packageId == built.package.envelope.packageId }) else { return false }
            return entry.contentSHA256 == built.sha256 && entry.attachments == built.files.count
        }

        func signFor(_ packageId: String, at organisation: String) async throws {
            _ = try await self.api(organisation).signFor(packageId)
        }
    }

    struct DemoError: Error, CustomStringConvertible {
        let message: String
        var description: String { self.message }
    }
}
