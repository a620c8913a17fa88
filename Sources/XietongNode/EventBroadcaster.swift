public import XietongCore

/// Passes every hop of this organisation's packages to the business systems listening on the node's WebSocket
/// (ZJ-5.2.2 b: message data goes to both sender and receiver).
public actor EventBroadcaster {
    private var listeners: [Int: AsyncStream<NodeMessage>.Continuation] = [:]
    private var nextId = 0

    public init() {}

    public func subscribe() -> (id: Int, events: AsyncStream<NodeMessage>) {
        let (stream, continuation) = AsyncStream<NodeMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        self.nextId += 1
        self.listeners[self.nextId] = continuation
        return (self.nextId, stream)
    }

    public func unsubscribe(_ id: Int) {
        self.listeners.removeValue(forKey: id)?.finish()
    }

    public func publish(_ event: PackageEvent) {
        for continuation in self.listeners.values { continuation.yield(.packageEvent(event)) }
    }

    public func publish(_ reminder: DeadlineReminder) {
        for continuation in self.listeners.values { continuation.yield(.deadlineReminder(reminder)) }
    }

    public func publish(_ notice: BookingNotice) {
        for continuation in self.listeners.values { continuation.yield(.bookingNotice(notice)) }
    }

    public var listenerCount: Int { self.listeners.count }
}

/// What the node's WebSocket sends: a hop of a package, a time-limit reminder, or a change of a remote arraignment
/// booking.
public enum NodeMessage: Sendable {
    case packageEvent(PackageEvent)
    case deadlineReminder(DeadlineReminder)
    case bookingNotice(BookingNotice)
}
