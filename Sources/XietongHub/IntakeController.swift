import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// The nodes' sending (docs/protocol.md): a package, a batch of up to 64, and what a restored hub no longer holds
/// (issue 19). Every route here is for nodes; the caller's organisation is on the request context.
struct IntakeController: Sendable {
    /// The free-space reserve, made once from the configuration (checked on every package and upload).
    let reserve: DiskReserve
    let intake: PackageIntake
    let store: HubStore
    /// Signs receipts (issue 6).
    let signer: HubSigner
    let logger: Logger
    static let maxPackageBytes = 32 << 20

    func addRoutes(to nodes: RouterGroup<PeerRequestContext>) {
        nodes.post("/v1/packages") { request, context in try await self.receivePackage(request, node: try HubAccess.node(context)) }
        nodes.post("/v1/packages/batch") { request, context in try await self.receiveBatch(request, node: try HubAccess.node(context)) }
        nodes.post("/v1/packages/held") { request, context in try await self.heldPackages(request, node: try HubAccess.node(context)) }
    }

    func receivePackage(_ request: Request, node: String) async throws -> Response {
        // Below the free-space reserve new packages are refused (507); the node keeps them and retries (issue 19).
        try self.reserve.check()
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxPackageBytes)
        } catch {
            throw APIError(.packageTooLarge, zh: "数据包超过 32 MiB", en: "the package exceeds 32 MiB")
        }
        let signature = request.headers[Self.signatureHeader].flatMap { Data(base64Encoded: $0) }.flatMap {
            JSONReader.decode(PackageSignature.self, from: Array($0))
        }
        let outcome = try await self.intake.receive(Array(body.readableBytesView), signature: signature, from: node) { "/v1/packages/\($0)" }
        switch outcome {
        case .receipt(let receipt, _):
            return HTTPJSON.response(try self.signer.sign(receipt), status: receipt.status == .accepted ? .ok : .unprocessableContent)
        case .unreadable(let findings):
            return HTTPJSON.response(Receipt(packageId: "", status: .refused, findings: findings), status: .unprocessableContent)
        case .wrongSender(let sender):
            throw APIError(
                .authWrongSender,
                zh: "节点 \(node) 不能代表机构 \(sender) 发送",
                en: "the node \(node) cannot send for \(sender)"
            )
        }
    }

    /// The sender's signature on a single package: its `PackageSignature` as JSON, base64.
    static let signatureHeader = HTTPField.Name("Xietong-Signature")!

    struct Batch: Codable, JSONReadable {
        var packages: [String]
        /// One per package (null for none), in order (issue 6).
        var signatures: [PackageSignature?]?
        /// The node records the hub's hops from the receipts, so they need not go to its feed (absent from nodes of
        /// earlier releases).
        var hopsInReceipt: Bool?
        /// One per package (null for none): the hub's own signed receipt for a package sent again because a restored
        /// hub no longer had it (issue 19).
        var replays: [Receipt?]?
        /// One per package (null for none): its trace's W3C traceparent (issue 22).
        var traceparents: [String?]?

        init(json reader: inout JSONReader) throws(JSONReader.Failure) {
            var packages: [String]?
            var signatures: [PackageSignature?]?
            var hopsInReceipt: Bool?
            var replays: [Receipt?]?
            var traceparents: [String?]?
            try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                switch key {
                case "packages": packages = try reader.read([String].self)
                case "signatures":
                    signatures = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                        try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readOptional(PackageSignature.self)
                        }
                    }
                case "hopsInReceipt":
                    hopsInReceipt = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readBool() }
                case "replays":
                    replays = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                        try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readOptional(Receipt.self) }
                    }
                case "traceparents":
                    traceparents = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                        try reader.readArray { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readOptionalString() }
                    }
                default: try reader.skipValue()
                }
            }
            self.packages = try reader.required(packages, "packages")
            self.traceparents = traceparents
            self.signatures = signatures
            self.hopsInReceipt = hopsInReceipt
            self.replays = replays
        }
    }

    struct BatchReceipts: Codable, CanonicalJSONWritable {
        var receipts: [Receipt]
        /// The certificate whose key signed the receipts, when the platform PKI is in use.
        var certificate: String?

        func write(to writer: inout CanonicalJSONWriter) {
            writer.object {
                $0.field("certificate", self.certificate)
                $0.field("receipts", self.receipts)
            }
        }
    }

    /// Up to 64 packages of one lane, base64 in JSON, in order; answered with one receipt each, in order.
    func receiveBatch(_ request: Request, node: String) async throws -> Response {
        try self.reserve.check()
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 48 << 20)
        } catch {
            throw APIError(.packageTooLarge, zh: "批量请求过大", en: "the batch is too large")
        }
        guard let batch = JSONReader.decode(Batch.self, from: Array(body.readableBytesView)), (1...64).contains(batch.packages.count) else {
            throw APIError(.batchInvalid, zh: "需要 1 至 64 个数据包", en: "expected {\"packages\": [base64 …]} with 1 to 64 packages")
        }
        var packages: [[UInt8]] = []
        for text in batch.packages {
            guard let data = Data(base64Encoded: text), data.count <= Self.maxPackageBytes else {
                throw APIError(.batchInvalid, zh: "数据包编码错误", en: "a package is not valid base64 or exceeds 32 MiB")
            }
            packages.append([UInt8](data))
        }
        let outcomes = try await self.intake.receive(
            batch: packages,
            signatures: batch.signatures,
            replays: self.verifiedReplays(batch.replays, from: node),
            traceparents: batch.traceparents,
            from: node,
            hopsInReceipt: batch.hopsInReceipt == true
        ) { "/v1/packages/\($0)" }
        return HTTPJSON.response(
            BatchReceipts(
                receipts: try outcomes.map { outcome throws(TrustError) in
                    try self.signer.sign(Self.receipt(outcome, node: node))
                },
                certificate: self.signer.certificate
            )
        )
    }

    static func receipt(_ outcome: PackageIntake.Outcome, node: String) -> Receipt {
        switch outcome {
        case .receipt(let receipt, _): return receipt
        case .unreadable(let findings): return Receipt(packageId: "", status: .refused, findings: findings)
        case .wrongSender(let sender):
            let finding = Finding(
                .codesetOrganisation,
                at: "/CasePackage/Envelope/Sender/OrganisationCode",
                zh: "节点 \(node) 不能代表机构 \(sender) 发送",
                en: "the node \(node) cannot send for \(sender)"
            )
            return Receipt(packageId: "", status: .refused, findings: [finding])
        }
    }

    struct HeldRequest: Decodable {
        var packageIds: [String]
    }

    struct HeldAnswer: Encodable {
        /// The ids asked about that the hub holds no package of, sent or received by the asking node.
        var missing: [String]
    }

    /// `POST /v1/packages/held` `{"packageIds": […]}` (1 to 1,000 ids of packages the node sent or received): which
    /// of them the hub does not hold. A node asks after it finds the hub restored, and sends the missing ones again.
    func heldPackages(_ request: Request, node: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let asked = try? JSONDecoder().decode(HeldRequest.self, from: Data(body.readableBytesView)),
            (1...1000).contains(asked.packageIds.count)
        else {
            throw APIError(
                .heldInvalid,
                zh: "需要 {\"packageIds\": [...]}，1 至 1000 个数据包编号",
                en: "expected {\"packageIds\": [...]} with 1 to 1,000 package ids"
            )
        }
        return HTTPJSON.response(HeldAnswer(missing: try await self.store.missingPackages(asked.packageIds, organisation: node)))
    }

    /// The replays of a batch the hub itself signed, for packages of the sending node; any other is dropped (and
    /// its package taken as new), so a node cannot choose a code or a time for a package by sending a receipt.
    func verifiedReplays(_ replays: [Receipt?]?, from node: String) -> [Receipt?]? {
        guard let replays else { return nil }
        return replays.map { receipt in
            guard let receipt else { return nil }
            guard self.signer.signed(receipt) else {
                self.logger.warning(
                    "a replayed package's receipt is not this hub's; taking the package as new",
                    metadata: ["xietong.node": "\(node)", "xietong.package": "\(receipt.packageId)"]
                )
                return nil
            }
            return receipt
        }
    }
}
