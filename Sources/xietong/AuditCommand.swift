import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import XietongClient
import XietongCore
import XietongHTTP
import XietongHub
import XietongStore
import XietongTrust

/// `xietong audit verify`: checks the hub's evidence log (issue 6) and names any tampering.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the hub's tamper-evident evidence log.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the evidence log and compare it with the hub's events and signed tree heads.",
            discussion: """
                Give the hub's data (--config, --database or --data-dir: every check, events included), or a running hub \
                (--hub with an administrator token: the leaves against the signed tree heads). Exits 0 when nothing was \
                tampered with, 1 when something was (each finding names the event or leaf), 2 when it cannot be read.
                """
        )

        @Option(help: "The hub's configuration file (its database, TLS files and organisation).") var config: String?
        @Option(help: "The hub's database (postgres://… or sqlite:PATH).") var database: String?
        @Option(name: .customLong("data-dir"), help: "The hub's data directory (hub.sqlite in it).") var dataDir: String?
        @Option(help: "A running hub's URL.") var hub: String?
        @Option(help: "An administrator token of the running hub.") var token: String?
        @Option(help: "The platform CA certificate, to check tree heads signed with the hub's certificate (and to trust an https hub).")
        var ca: String?
        @Option(help: "The platform CA's revocation list.") var revocations: String?
        @Option(help: "The committee's organisation code (the hub's certificate names it).") var organisation = "330100000001"
        @Option(
            name: .customLong("heads"),
            help: """
                Tree heads kept elsewhere, to name a truncated or rolled-back log: a file with a node's \
                GET /api/v1/evidence answer, or a JSON array of signed tree heads (repeatable).
                """
        )
        var headFiles: [String] = []
        @Flag(help: "Print the report as JSON.") var json = false

        /// The heads in `--heads` files: a node's evidence answer (`{"treeHead": …}`) or an array of heads.
        func keptHeads() throws -> [Evidence.TreeHead] {
            struct NodeEvidence: Decodable { let treeHead: Evidence.TreeHead? }
            var heads: [Evidence.TreeHead] = []
            for file in self.headFiles {
                guard let data = FileManager.default.contents(atPath: file) else {
                    printError("xietong: cannot read \(file) / 无法读取 \(file)")
                    throw ExitCode(2)
                }
                if let list = try? JSONDecoder().decode([Evidence.TreeHead].self, from: data) {
                    heads += list
                } else if let node = try? JSONDecoder().decode(NodeEvidence.self, from: data), let head = node.treeHead {
                    heads.append(head)
                } else {
                    printError("xietong: \(file) holds no signed tree head (a node's /api/v1/evidence answer, or an array of heads) / 文件中没有签名树头")
                    throw ExitCode(2)
                }
            }
            return heads
        }

        func run() async throws {
            let trust: TrustStore?
            do {
                trust = try self.ca.map { ca throws(TrustError) in
                    try TrustStore(caCertificate: URL(fileURLWithPath: ca), revocationFile: self.revocations.map { URL(fileURLWithPath: $0) })
                }
            } catch {
                printError("xietong: \(error)")
                throw ExitCode(2)
            }
            let report: EvidenceAudit.Report
            if let hub {
                report = try await self.remote(hub, trust: trust)
            } else {
                report = try await self.local(trust: trust)
            }
            if self.json {
                printJSON(report)
            } else {
                print("证据日志 evidence log: \(report.leaves) 条记录 leaves, \(report.events) 个事件 events, \(report.treeHeads) 个签名树头 signed tree heads")
                for problem in report.problems { print("✘ \(problem)") }
                if report.problems.isEmpty { print("✔ 未发现篡改 no tampering found") }
            }
            if !report.problems.isEmpty { throw ExitCode(1) }
        }

        func local(trust: TrustStore?) async throws -> EvidenceAudit.Report {
            let location: DatabaseURL
            var blobs: URL?
            var organisation = self.organisation
            var trust = trust
            do {
                if let database {
                    location = try DatabaseURL.parse(database, path: "--database")
                } else if let dataDir {
                    location = try DatabaseURL.resolve(nil, dataDirectory: dataDir, defaultFile: "hub.sqlite", file: nil)
                    blobs = URL(fileURLWithPath: dataDir).appendingPathComponent("blobs")
                } else {
                    let configuration = try HubConfiguration.load(file: self.config)
                    location = try configuration.databaseLocation(file: self.config)
                    blobs = configuration.blobLocation
                    organisation = configuration.organisation
                    if trust == nil, let files = configuration.tls {
                        trust = try TrustStore(
                            caCertificate: URL(fileURLWithPath: files.caCertificate),
                            revocationFile: files.revocationList.map { URL(fileURLWithPath: $0) }
                        )
                    }
                }
            } catch let error as ConfigurationError {
                exitForConfiguration(error)
            }
            if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
                printError("xietong: no hub database at \(path)")
                throw ExitCode(2)
            }
            do {
                let database = try await location.open(migrations: Migrations.hub, logger: makeLogger("xietong.audit", default: .warning))
                defer { Task { await database.close() } }
                let store = HubStore(database: database, hubOrganisation: organisation, flows: try FlowEngine.bundled(), clock: .system)
                let blobStore = try blobs.map { try BlobStore(root: $0, directIO: false) }
                return try await EvidenceAudit.audit(store: store, trust: trust, hub: organisation, blobs: blobStore, keptHeads: try self.keptHeads())
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("xietong: cannot read the hub's database: \(error)")
                throw ExitCode(2)
            }
        }

        func remote(_ hub: String, trust: TrustStore?) async throws -> EvidenceAudit.Report {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let ca { tls.trustRoots = .file(ca) }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: tls))
            do {
                let api = HubAPIClient(baseURL: hub, token: self.token, client: client)
                func decode<T: Decodable>(_ reply: Reply, _ path: String, _ type: T.Type) throws -> T {
                    guard reply.status == 200 else { throw ValidationError("\(path): HTTP \(reply.status) \(reply.text.prefix(300))") }
                    return try JSONDecoder().decode(T.self, from: Data(reply.body))
                }
                let heads = try decode(try await api.treeHeads(), "/v1/evidence/tree-heads", [Evidence.TreeHead].self)
                var leaves: [EvidenceAudit.Leaf] = []
                while true {
                    let page = try decode(
                        try await api.evidenceLeaves(from: leaves.count, count: 10000),
                        "/v1/evidence/leaves?from=\(leaves.count)&count=10000",
                        [EvidenceAudit.Leaf].self
                    )
                    leaves += page
                    if page.count < 10000 { break }
                }
                let report = try await EvidenceAudit.check(
                    leaves: leaves,
                    events: nil,
                    nodes: [],
                    heads: heads,
                    trust: trust,
                    hub: self.organisation,
                    keptHeads: try self.keptHeads()
                )
                try await client.shutdown()
                return report
            } catch {
                try? await client.shutdown()
                printError("xietong: cannot read the hub's evidence log: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
