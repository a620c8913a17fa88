/// Which hub serves which organisation (issue 23): this hub's own organisations, and the peer hubs it links to with the
/// organisations each serves (a city hub's provincial peer serves the province's agencies, and those of the national
/// hub beyond it). Decides, in one place, where a package or an event for an organisation goes: the organisation's
/// own feed when this hub serves it, or the feed of the peer hub that does, which that hub reads over the link.
public struct Federation: Sendable, Hashable {
    public struct Peer: Sendable, Hashable {
        /// The link's name in configuration, logs and metrics (`province`, `guangzhou`).
        public var name: String
        /// The peer hub's own organisation code: the committee it runs for, named in its certificate and its hops.
        public var hub: String
        /// The organisations the peer serves, directly or through hubs beyond it.
        public var organisations: Set<String>

        public init(name: String, hub: String, organisations: Set<String>) {
            self.name = name
            self.hub = hub
            self.organisations = organisations
        }
    }

    public var peers: [Peer]
    private var servedBy: [String: Int]

    public init(peers: [Peer] = []) {
        self.peers = peers
        var servedBy: [String: Int] = [:]
        for (index, peer) in peers.enumerated() {
            for organisation in peer.organisations where servedBy[organisation] == nil { servedBy[organisation] = index }
        }
        self.servedBy = servedBy
    }

    /// No peers: a hub on its own.
    public static let none = Federation()

    public var isEmpty: Bool { self.peers.isEmpty }

    /// The peer hub that serves `organisation`, or nil when this hub serves it.
    public func peer(serving organisation: String) -> Peer? {
        self.servedBy[organisation].map { self.peers[$0] }
    }

    /// The peer named `name`.
    public func peer(named name: String) -> Peer? { self.peers.first { $0.name == name } }

    /// Whether this hub serves `organisation` itself: its time limits are counted here and its node reads its feed.
    public func servesLocally(_ organisation: String) -> Bool { self.servedBy[organisation] == nil }

    /// The feed where what is meant for `organisation` is queued: its own, or its peer hub's link feed.
    public func feed(for organisation: String) -> String {
        self.peer(serving: organisation).map { Self.linkFeed($0.name) } ?? organisation
    }

    /// The feed a peer hub reads over its link: `peer:NAME`. No organisation code has a colon, so the two never meet.
    public static func linkFeed(_ peer: String) -> String { "peer:" + peer }

    /// The peer whose link feed `feed` is, if it is one.
    public static func peerName(ofFeed feed: String) -> String? {
        feed.hasPrefix("peer:") ? String(feed.dropFirst(5)) : nil
    }

    /// Whether the caller that reads `feed` takes part in a package between `sender` and `receiver`, and so may read
    /// it: a node as either party; a peer hub when it serves either.
    public func isParty(_ feed: String, sender: String, receiver: String) -> Bool {
        guard let name = Self.peerName(ofFeed: feed) else { return feed == sender || feed == receiver }
        return self.peer(serving: receiver)?.name == name || self.peer(serving: sender)?.name == name
    }

    /// Whether the caller that reads `feed` may report `hop` of a package between `sender` and `receiver`: a node, of
    /// its own organisation's packages as receiver; a peer hub, of the packages whose receiver it serves, and its
    /// alert alone of those whose sender it serves (the receiver's hops are the receiver's hub's to report).
    public func mayReport(_ hop: Hop, as feed: String, sender: String, receiver: String) -> Bool {
        guard let name = Self.peerName(ofFeed: feed) else { return feed == receiver }
        if self.peer(serving: receiver)?.name == name { return true }
        return hop == .alerted && self.peer(serving: sender)?.name == name
    }
}
