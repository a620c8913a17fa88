import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Where the node delivers incoming packages to: the business system's receive URL, or its exchange database.
protocol DeliveryTarget: Sendable {
    /// Hands the package over durably; returns only once the business system's side holds it. Called again after a
    /// crash for a package it may hold already: the target recognises the repeat.
    func deliver(_ item: NodeStore.InboxItem, content: [UInt8]) async throws
}

/// Delivers stored packages to the business system (ZJ-7.2.3 c, real-time sharing of ZJ-7.2.7), in the order they
/// arrived, retrying with backoff until it takes them: by HTTP push (`PushTarget`) or into its exchange database
/// (`ExchangeDatabaseTarget`, issue 24). A package is marked delivered only after the target took it, so a crash
/// causes a repeat, never a loss.
struct DeliveryPusher: NamedService {
    let engine: NodeEngine
    let target: any DeliveryTarget

    func run() async throws {
        let workers = self.engine.configuration.deliveryLanes
        await withDiscardingTaskGroup { group in
            for worker in 0..<workers {
                group.addTask { await self.runWorker(worker, of: workers) }
            }
        }
    }

    func runWorker(_ worker: Int, of workers: Int) async {
        let signal = NodeEngine.Signal.inbox(worker)
        await self.engine.loop.run { now in
            do {
                let version = await self.engine.version(of: signal)
                guard let next = try await self.engine.store.nextUndelivered(worker: worker, of: workers) else {
                    return .wait(for: signal, upTo: .seconds(5), since: version)
                }
                guard next.due <= Timestamp.string(now) else { return .wait(for: signal, upTo: .milliseconds(50), since: version) }
                do {
                    try await self.target.deliver(next.item, content: next.content)
                    let recorded = try await self.engine.store.markDelivered(next.item.packageId)
                    // Delivered now, not taken already by a pull: counted with how long it waited (issue 22).
                    if !recorded.isEmpty { self.engine.countDelivered(next.item) }
                    await self.engine.announce(recorded)
                } catch {
                    let delay = self.engine.retry.delay(afterAttempt: next.attempts)
                    try await self.engine.store.retryDelivery(packageId: next.item.packageId, at: self.engine.later(delay), error: "\(error)")
                    let reason = error is Rejected ? "business_system_status" : "business_system_unreachable"
                    self.engine.metrics.count(.retries, [("queue", "delivery"), ("reason", reason)])
                    if next.attempts % 10 == 0 {
                        self.engine.logger.warning(
                            "the business system did not take the package; retrying",
                            metadata: ["xietong.package": "\(next.item.packageId)", "xietong.error": "\(error)"]
                        )
                    }
                }
                return .again
            } catch {
                self.engine.logger.warning("delivery loop failed", metadata: ["xietong.error": "\(error)"])
                return .sleep(.milliseconds(200))
            }
        }
    }

    struct Rejected: Error, CustomStringConvertible {
        let status: Int
        var description: String { "the business system answered HTTP \(self.status)" }
    }
}

/// Pushes each package to the business system's receive URL; it answers 2xx once it holds it, and recognises a
/// repeat by `Xietong-Package-Id`.
struct PushTarget: DeliveryTarget {
    let engine: NodeEngine
    let url: String

    func deliver(_ item: NodeStore.InboxItem, content: [UInt8]) async throws {
        // The last step of the package's trace (issue 22): the business system may continue it from `traceparent`.
        let span = self.engine.tracing.start(
            "xietong.node.push",
            packageId: item.packageId,
            continuing: item.delivery.traceparent,
            kind: .client
        )
        do {
            try await self.push(item, content: content, span: span)
            span.end()
        } catch {
            span.end(error: error)
            throw error
        }
    }

    func push(_ item: NodeStore.InboxItem, content: [UInt8], span: PackageSpan?) async throws {
        var request = HTTPClientRequest(url: self.url)
        span?.inject(into: &request.headers)
        request.method = .POST
        let delivery = item.delivery
        request.headers.add(name: "Content-Type", value: "application/xml")
        request.headers.add(name: "Xietong-Package-Id", value: delivery.packageId)
        request.headers.add(name: "Xietong-Unified-Case-Code", value: delivery.unifiedCaseCode)
        request.headers.add(name: "Xietong-Sender", value: delivery.sender)
        request.headers.add(name: "Xietong-Flow", value: delivery.flow)
        request.headers.add(name: "Xietong-Message-Type", value: delivery.messageType)
        request.headers.add(name: "Xietong-Attachments", value: "/api/v1/inbox/\(delivery.packageId)/attachments/")
        request.body = .bytes(ByteBuffer(bytes: content))
        let response = try await self.engine.httpClient.execute(request, timeout: .seconds(60))
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else { throw DeliveryPusher.Rejected(status: Int(response.status.code)) }
    }
}
