import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Periodic sharing (ZJ-7.2.7): each subscription receives, on its schedule, a batch listing the packages that
/// arrived since its last batch (filtered by flow), with the links to fetch them from the node.
struct SubscriptionRunner: NamedService {
    let engine: NodeEngine

    struct Batch: Codable {
        var subscriptionId: String
        var organisation: String
        var packages: [NodeStoreItemView]
    }

    struct NodeStoreItemView: Codable {
        var packageId: String
        var sender: String
        var flow: String
        var messageType: String
        var unifiedCaseCode: String
        var storedAt: String
        var contentURL: String
    }

    func run() async throws {
        await self.engine.loop.every(.seconds(1), logger: self.engine.logger, failure: "subscription delivery failed") { now in
            for subscription in try await self.engine.store.subscriptions() where subscription.nextRunAt <= Timestamp.string(now) {
                try await self.deliver(subscription)
            }
        }
    }

    func deliver(_ subscription: NodeStore.Subscription) async throws {
        let items = try await self.engine.store.inbox(afterSeq: subscription.afterSeq, limit: 1000)
        let selected = items.filter { subscription.flows.isEmpty || subscription.flows.contains($0.delivery.flow) }
        let batch = Batch(
            subscriptionId: subscription.subscriptionId,
            organisation: self.engine.configuration.organisation,
            packages: selected.map {
                NodeStoreItemView(
                    packageId: $0.packageId,
                    sender: $0.delivery.sender,
                    flow: $0.delivery.flow,
                    messageType: $0.delivery.messageType,
                    unifiedCaseCode: $0.delivery.unifiedCaseCode,
                    storedAt: $0.storedAt,
                    contentURL: "/api/v1/inbox/\($0.packageId)"
                )
            }
        )
        var request = HTTPClientRequest(url: subscription.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(batch)))
        let response = try await self.engine.httpClient.execute(request, timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw DeliveryPusher.Rejected(status: Int(response.status.code))
        }
        let next = Timestamp.string(self.engine.clock.now().addingTimeInterval(TimeInterval(subscription.intervalSeconds)))
        try await self.engine.store.advanceSubscription(
            subscription.subscriptionId,
            afterSeq: items.last?.feedSeq ?? subscription.afterSeq,
            nextRunAt: next
        )
    }
}
