import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The node's HTTP/1 channel with its WebSocket upgrade (issue 22, item 6). hummingbird-websocket answers an upgrade
/// that `shouldUpgrade` declines with an empty 400 and closes the connection, whereas a request for the events without
/// a valid key should get the API's JSON 401 like any other request. So `UpgradeGate` takes the upgrade away from the
/// requests the node would decline before NIO's upgrade handler sees them, and the routes answer those requests.
struct NodeChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let channel: HTTP1WebSocketUpgradeChannel
    /// Whether a first request may go on to the upgrade handler: a complete handshake that the node would accept.
    let mayUpgrade: @Sendable (HTTPRequestHead) -> Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        self.channel.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(UpgradeGate(mayUpgrade: self.mayUpgrade), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await self.channel.handle(value: value, logger: logger)
    }
}

/// Removes `Upgrade` from a connection's first request when the node would not open a WebSocket for it, so that NIO's
/// upgrade handler passes the request to the routes. The gate leaves the pipeline after that first request, as the
/// upgrade handler does (NIO considers no other request of a connection for an upgrade).
final class UpgradeGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    let mayUpgrade: @Sendable (HTTPRequestHead) -> Bool

    init(mayUpgrade: @escaping @Sendable (HTTPRequestHead) -> Bool) {
        self.mayUpgrade = mayUpgrade
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = self.unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if head.headers.contains(name: "upgrade"), !self.mayUpgrade(head) {
            head.headers.remove(name: "upgrade")
        }
        context.fireChannelRead(self.wrapInboundOut(.head(head)))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
