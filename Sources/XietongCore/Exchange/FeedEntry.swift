/// What the hub queues for one organisation's node, in order: packages to fetch, and status changes of packages the
/// organisation sent or receives (ZJ-5.2.2b: message data goes to both sides).
public struct FeedEntry: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case delivery
        case event
        /// A time limit reminder for the organisation (issue 5).
        case reminder
        /// A signed head of the hub's evidence log (issue 6): the node checks it extends the last one it kept.
        case treeHead
        /// A change of a remote arraignment booking the organisation books or hosts (issue 26, GUI-2).
        case booking
    }

    /// Position in this organisation's feed, from 1, without gaps.
    public var seq: Int
    public var kind: Kind
    public var delivery: Delivery?
    public var event: PackageEvent?
    public var reminder: DeadlineReminder?
    public var treeHead: Evidence.TreeHead?
    public var booking: BookingNotice?
    /// The hub run that wrote the entry (a random id made at each start; absent on entries written before hub
    /// migration 13). A node keeps the run of the entry at its cursor and asks for what follows it "after `seq`,
    /// written by that run": a hub restored from an older copy no longer has that entry, and says so (issue 19).
    public var boot: String?

    public init(seq: Int, delivery: Delivery) {
        self.seq = seq
        self.kind = .delivery
        self.delivery = delivery
    }

    public init(seq: Int, event: PackageEvent) {
        self.seq = seq
        self.kind = .event
        self.event = event
    }

    public init(seq: Int, reminder: DeadlineReminder) {
        self.seq = seq
        self.kind = .reminder
        self.reminder = reminder
    }

    public init(seq: Int, booking: BookingNotice) {
        self.seq = seq
        self.kind = .booking
        self.booking = booking
    }

    public init(seq: Int, treeHead: Evidence.TreeHead) {
        self.seq = seq
        self.kind = .treeHead
        self.treeHead = treeHead
    }
}

/// A package waiting for its receiving node: enough to fetch and verify it.
public struct Delivery: Sendable, Hashable, Codable {
    public struct File: Sendable, Hashable, Codable {
        public var sha256: String
        public var size: Int
        public var name: String
        public var mediaType: String

        public init(sha256: String, size: Int, name: String, mediaType: String) {
            self.sha256 = sha256
            self.size = size
            self.name = name
            self.mediaType = mediaType
        }
    }

    public var packageId: String
    public var sender: String
    public var receiver: String
    public var flow: String
    public var messageType: String
    public var unifiedCaseCode: String
    public var agencyCaseNumber: String
    /// SHA-256 and size of the package's bytes, exactly as the sender sent them (GZ-1).
    public var contentSHA256: String
    public var contentSize: Int
    public var attachments: [File]
    public var acceptedAt: String
    /// When the sending business system created the package (its CreatedAt, as UTC), for the end-to-end latency the
    /// receiving node measures (issue 22); absent from hubs of earlier releases.
    public var createdAt: String?
    /// The package's bytes, base64, carried in the feed for small packages so that the node needs no extra request.
    public var content: String?
    /// The sender's signature over the package (issue 6), checked by the hub and again by the receiving node.
    public var signature: PackageSignature?
    /// The W3C `traceparent` of the package's trace (issue 22): the hub's span that stored it, and at the receiving
    /// node the span that stored it there; absent while tracing is off.
    public var traceparent: String?
    /// The step this package answers, as the hub that queued it knows it, when the package goes to a peer hub over a
    /// link (issue 23): the peer's flow engine continues the instance from it when it never carried that step itself
    /// (a prison's decision made within the province, answered to a city's community-correction bureau).
    public var answering: FlowStep?

    public init(
        packageId: String,
        sender: String,
        receiver: String,
        flow: String,
        messageType: String,
        unifiedCaseCode: String,
        agencyCaseNumber: String,
        contentSHA256: String,
        contentSize: Int,
        attachments: [File],
        acceptedAt: String,
        content: String? = nil,
        signature: PackageSignature? = nil,
        traceparent: String? = nil,
        createdAt: String? = nil,
        answering: FlowStep? = nil
    ) {
        self.answering = answering
        self.packageId = packageId
        self.sender = sender
        self.receiver = receiver
        self.flow = flow
        self.messageType = messageType
        self.unifiedCaseCode = unifiedCaseCode
        self.agencyCaseNumber = agencyCaseNumber
        self.contentSHA256 = contentSHA256
        self.contentSize = contentSize
        self.attachments = attachments
        self.acceptedAt = acceptedAt
        self.content = content
        self.signature = signature
        self.traceparent = traceparent
        self.createdAt = createdAt
    }

    /// Packages up to this size travel inside their feed entry.
    public static let inlineLimit = 256 << 10
}
