import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import XietongHTTP

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
            try DeclinedUpgrades.install(on: channel, mayUpgrade: self.mayUpgrade)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await self.channel.handle(value: value, logger: logger)
    }
}
