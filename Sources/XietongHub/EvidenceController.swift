import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// The evidence log's interface (issue 6, SZ-3, GS-7): its signed head, consistency proofs between two sizes,
/// a package's hand-overs with inclusion proofs, and the leaves for an outside audit.
struct EvidenceController: Sendable {
    let store: HubStore
    let reads: ReadAccess

    /// Any `known` caller may check the log; only `administrators` list its heads and leaves.
    func addRoutes(
        known: RouterGroup<PeerRequestContext>,
        administrators: RouterGroup<PeerRequestContext>,
        auditors: RouterGroup<PeerRequestContext>,
        witnesses: RouterGroup<PeerRequestContext>
    ) {
        known.get("/v1/evidence/tree-head") { request, _ in try await self.treeHead(request) }
        known.get("/v1/evidence/consistency") { request, _ in try await self.consistency(request) }
        known.get("/v1/evidence/packages/:id") { request, context in try await self.package(request, context) }
        administrators.get("/v1/evidence/tree-heads") { _, _ in HTTPJSON.response(try await self.store.treeHeads()) }
        // The leaves, for an audit and for witnesses mirroring the log (issue 23).
        auditors.get("/v1/evidence/leaves") { request, _ in try await self.leaves(request) }
        witnesses.post("/v1/evidence/cosignatures") { request, context in try await self.cosign(request, as: context.caller.principal?.name ?? "") }
    }

    static let noHead = APIError(.evidenceNoTreeHead, zh: "证据日志尚无签名树头", en: "the evidence log has no signed tree head yet")

    /// The latest signed head; `?cosigned=true`: the latest one witnesses countersigned, with their countersignatures
    /// (`&witnesses=K`: at least K of them).
    func treeHead(_ request: Request) async throws -> Response {
        HTTPJSON.response(try await self.head(request, countersigned: "cosigned"))
    }

    /// The latest signed head, or with `?FLAG=true` the latest one at least `?witnesses=K` (default 1) witnesses
    /// countersigned (issue 23); 404 `evidence.no-tree-head` when there is none.
    func head(_ request: Request, countersigned flag: String) async throws -> Evidence.TreeHead {
        let countersigned = try Query.boolean(request, flag, default: false)
        let witnesses = try Query.integer(request, "witnesses", default: 1, in: 1...100)
        guard let head = try await (countersigned ? self.store.latestCosignedTreeHead(witnesses: witnesses) : self.store.latestTreeHead()) else {
            throw Self.noHead
        }
        return head
    }

    struct Countersigned: Decodable {
        var treeSize: Int
        var rootHash: String
        var cosignature: Evidence.Cosignature
    }

    /// `POST /v1/evidence/cosignatures` (witnesses): a witness's countersignature of a head this hub signed, in the
    /// name of the witness's user.
    func cosign(_ request: Request, as witness: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        // A witness countersigns in its own name, the name of its user here, and in no other.
        guard let sent = try? JSONDecoder().decode(Countersigned.self, from: Data(body.readableBytesView)), sent.cosignature.witness == witness else {
            throw Self.invalidCosignature
        }
        guard let head = try await self.store.treeHead(size: sent.treeSize), head.rootHash == sent.rootHash else {
            throw APIError(
                .evidenceUnknownHead,
                zh: "本中心平台未签署该树头（\(sent.treeSize) 条，根哈希 \(sent.rootHash)）",
                en: "this hub signed no head of size \(sent.treeSize) with root \(sent.rootHash)"
            )
        }
        guard sent.cosignature.verifies(head) else { throw Self.invalidCosignature }
        _ = try await self.store.addCosignature(sent.cosignature, treeSize: sent.treeSize, rootHash: sent.rootHash)
        return HTTPJSON.response(["status": "recorded"])
    }

    static let invalidCosignature = APIError(
        .cosignatureInvalid,
        zh: "副署格式错误或签名无效",
        en: "expected {\"treeSize\", \"rootHash\", \"cosignature\"} whose signature verifies with its key"
    )

    struct ConsistencyView: Codable {
        var first: Int
        var second: Int
        var proof: [String]
    }

    /// `?first=M&second=N`: the proof that the log of M leaves is a prefix of the log of N leaves (0 < M ≤ N ≤ size).
    func consistency(_ request: Request) async throws -> Response {
        let size = try await self.store.evidenceSize()
        let firstText = request.uri.queryParameters.get("first") ?? ""
        let secondText = request.uri.queryParameters.get("second") ?? ""
        guard let first = Int(firstText), let second = Int(secondText), 0 < first, first <= second, second <= size else {
            throw APIError.badQuery("first/second", "\(firstText)/\(secondText)", expected: "0 < first ≤ second ≤ \(size)")
        }
        let proof = try await self.store.consistencyProof(from: first, to: second)
        return HTTPJSON.response(ConsistencyView(first: first, second: second, proof: proof.map(Hex.string)))
    }

    /// A package's hand-overs, each with its inclusion proof against the latest signed head: its evidence receipt.
    func package(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let packageId = context.parameters.get("id") ?? ""
        // An unknown package is 404 for every caller, as for its status (issue 22), not a refused read.
        guard try await self.store.parties(of: packageId) != nil else { throw CaseDataController.noSuchPackage }
        try await self.reads.authorise(context.caller, "package.evidence", packageId, metadataOnly: true)
        // `?witnessed=true[&witnesses=K]`: against the latest head (at least K) witnesses countersigned, which the receipt
        // then carries (issue 23).
        let head = try await self.head(request, countersigned: "witnessed")
        var receipt = try await self.store.evidence(of: packageId, against: head)
        receipt.treeHead.cosignatures = head.cosignatures
        return HTTPJSON.response(receipt)
    }

    /// `?from=N&count=M` (at most 10,000): the leaves, for `xietong audit verify --hub`. Administrators only.
    func leaves(_ request: Request) async throws -> Response {
        let from = try Query.integer(request, "from", default: 0, in: 0...Int.max)
        let count = min(max(try Query.integer(request, "count", default: 1000), 1), 10_000)
        return HTTPJSON.response(
            try await self.store.evidenceLeaves(from: max(0, from), count: max(1, count)).map {
                EvidenceAudit.Leaf(index: $0.index, leaf: $0.leaf, hash: $0.hash)
            }
        )
    }
}
