public import HummingbirdCore
public import Logging
public import NIOCore
public import NIOHTTP1

/// What becomes of a request that asks to switch protocols (`Upgrade`) and is not switched (issue 24). NIO's decoder
/// stops reading a connection after a request with `Connection: upgrade` and `Upgrade` (llhttp takes what follows for
/// the new protocol, and only an upgrade hands it on), so a second request on that connection was never answered:
/// Java's HttpClient, which offers h2c on its first request by default, hung at the node and the hub. Such a request
/// is answered as usual, with `Connection: close`, and the connection is closed after it; the client opens a new one.
public enum DeclinedUpgrades {
    /// Puts the gate behind the HTTP decoder of `channel`'s pipeline and the closer behind its encoder.
    /// `mayUpgrade`: whether a first request goes on to the pipeline's upgrade handler; nil where it has none.
    public static func install(on channel: any Channel, mayUpgrade: (@Sendable (HTTPRequestHead) -> Bool)?) throws {
        let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let encoder = try channel.pipeline.syncOperations.handler(type: HTTPResponseEncoder.self)
        let closer = CloseAfterResponse()
        try channel.pipeline.syncOperations.addHandler(closer, position: .after(encoder))
        try channel.pipeline.syncOperations.addHandler(UpgradeGate(mayUpgrade: mayUpgrade, closer: closer), position: .after(decoder))
    }
}

/// The hub's HTTP/1 channel: Hummingbird's, closing the connection after a request whose upgrade it does not make.
public struct HTTP1ClosingDeclinedUpgrades: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value

    let channel: HTTP1Channel

    public init(_ channel: HTTP1Channel) {
        self.channel = channel
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        self.channel.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try DeclinedUpgrades.install(on: channel, mayUpgrade: nil)
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await self.channel.handle(value: value, logger: logger)
    }
}

/// Removes `Upgrade` from each request that will not be upgraded, so that NIO's upgrade handler (where there is one)
/// passes it to the routes, and arms the closer when the decoder has stopped reading the connection. A first request
/// that is upgraded takes both handlers out of the pipeline.
final class UpgradeGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// Whether the first request may go on to the upgrade handler; nil where the pipeline has none. Later requests of
    /// a connection are never upgraded (NIO's handler leaves after the first).
    var mayUpgrade: (@Sendable (HTTPRequestHead) -> Bool)?
    let closer: CloseAfterResponse

    init(mayUpgrade: (@Sendable (HTTPRequestHead) -> Bool)?, closer: CloseAfterResponse) {
        self.mayUpgrade = mayUpgrade
        self.closer = closer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = self.unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let upgrading = head.headers.contains(name: "upgrade") && self.mayUpgrade?(head) == true
        self.mayUpgrade = nil
        if upgrading {
            // A WebSocket: its frames must reach neither handler.
            context.pipeline.syncOperations.removeHandler(self.closer, promise: nil)
            context.fireChannelRead(self.wrapInboundOut(.head(head)))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        if head.headers.contains(name: "upgrade") {
            // llhttp flags an upgrade when `Connection` names it too; then the decoder reads no further.
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }) { self.closer.armed = true }
            head.headers.remove(name: "upgrade")
        }
        context.fireChannelRead(self.wrapInboundOut(.head(head)))
    }
}

/// Once armed, closes the connection after the response being written, telling the client with `Connection: close`.
final class CloseAfterResponse: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Set by the gate, on the event loop.
    var armed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.armed else {
            context.write(data, promise: promise)
            return
        }
        switch self.unwrapOutboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(self.wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            context.write(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .body:
            context.write(data, promise: promise)
        }
    }
}
