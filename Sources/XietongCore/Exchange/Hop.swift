/// The hops of a package's journey (GZ-5), in the order they normally happen.
public enum Hop: String, Sendable, Hashable, Codable, CaseIterable {
    /// The sender's node accepted the package from the business system.
    case acceptedByNode
    /// The hub received it and its checks passed.
    case receivedByHub
    /// The hub assigned (or confirmed) the unified case code.
    case coded
    /// The hub queued it for the receiving node, or for the peer hub serving the receiver (issue 23).
    case forwarded
    /// The peer hub serving the receiver took it over the link, checked it again and stored it (issue 23): its side of
    /// the hand-over between hubs, as it reported it. The detail is the content's hash the peer logged.
    case receivedByPeerHub
    /// The peer hub queued it for the receiving node.
    case forwardedByPeerHub
    /// The receiving node stored the package and its attachments.
    case storedByReceiver
    /// The receiving business system took it.
    case delivered
    /// The receiver signed for it (签收).
    case signedFor
    /// The receiver returned it (退回), with a reason.
    case returned
    /// The hub or the receiving node refused it (ZJ-7.2.6); the findings travel back to the sender.
    case refused
    /// It did not arrive in time; the alert names the hop where it is stuck.
    case alerted
    /// Not a package's: a change of a remote arraignment booking (issue 26, GUI-2), recorded in the evidence log as
    /// each hand-over is. Its package id is the booking's id and the change's number (`Booking.changeEvent`).
    case booked

    public var name: LocalizedText {
        switch self {
        case .acceptedByNode: LocalizedText(zh: "发送节点已接收", en: "accepted by the sending node")
        case .receivedByHub: LocalizedText(zh: "中心平台已接收", en: "received by the hub")
        case .coded: LocalizedText(zh: "已统一赋码", en: "coded")
        case .forwarded: LocalizedText(zh: "已转发", en: "forwarded")
        case .receivedByPeerHub: LocalizedText(zh: "对端中心平台已接收", en: "received by the peer hub")
        case .forwardedByPeerHub: LocalizedText(zh: "对端中心平台已转发", en: "forwarded by the peer hub")
        case .storedByReceiver: LocalizedText(zh: "接收节点已入库", en: "stored by the receiving node")
        case .delivered: LocalizedText(zh: "已推送至接收方业务系统", en: "delivered to the receiving system")
        case .signedFor: LocalizedText(zh: "已签收", en: "signed for")
        case .returned: LocalizedText(zh: "已退回", en: "returned")
        case .refused: LocalizedText(zh: "被拒收", en: "refused")
        case .alerted: LocalizedText(zh: "超时告警", en: "overdue alert")
        case .booked: LocalizedText(zh: "提审预约变更", en: "arraignment booking changed")
        }
    }

    /// The hops after which nothing more happens to a package: the receiver signed for it or returned it, or it was
    /// refused.
    public static let final: Set<Hop> = [.signedFor, .returned, .refused]

    /// The hops a receiving node reports to the hub (and the hub passes to the sender).
    public static let reportedByReceiver: Set<Hop> = [.storedByReceiver, .delivered, .signedFor, .returned, .refused]

    /// A hop a peer hub reports over a link, as this hub records it (issue 23): the peer's own hub hops under the
    /// peer's names (each hop is recorded once per package), its confirmation of the code left out (the code is the
    /// sender's hub's), a node's first hop never, which only the sending node's own hub records, nor a booking's change.
    public var reportedByPeer: Hop? {
        switch self {
        case .receivedByHub: .receivedByPeerHub
        case .forwarded: .forwardedByPeerHub
        case .coded, .acceptedByNode: nil
        // A booking's change is the hub's own record, never a package's hop a peer reports.
        case .booked: nil
        default: self
        }
    }

    /// The hop expected after this one on the normal path, for naming where a package is stuck.
    public var next: Hop? {
        switch self {
        case .acceptedByNode: .receivedByHub
        case .receivedByHub: .coded
        case .coded: .forwarded
        case .forwarded: .storedByReceiver
        case .receivedByPeerHub: .forwardedByPeerHub
        case .forwardedByPeerHub: .storedByReceiver
        case .storedByReceiver: .delivered
        case .delivered: .signedFor
        default: nil
        }
    }
}
