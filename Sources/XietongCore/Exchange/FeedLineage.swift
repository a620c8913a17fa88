/// One hub run's part of an organisation's feed: the run (a random id the hub makes at each start) and the first and
/// last positions it wrote (issue 19).
public struct FeedRun: Sendable, Hashable, Codable {
    public var boot: String
    public var first: Int
    public var last: Int

    public init(boot: String, first: Int, last: Int) {
        self.boot = boot
        self.first = first
        self.last = last
    }
}

/// Where a node's feed and a hub restored from an older copy part (issue 19).
///
/// A run writes each position once, so an entry both sides know under the same run and position is the same entry.
/// The restored hub holds a prefix of the feed the node read (what the copy had), followed by entries of runs after
/// the restore, which the node has not read. For each run both sides know, the positions both hold end at the
/// smaller of the two last positions; the feeds agree up to the largest of those, and never past the node's cursor.
public enum FeedLineage {
    public struct Resume: Sendable, Hashable {
        /// The hub's position to read after.
        public var after: Int
        /// The run of the entry at `after` (empty at the start of the feed).
        public var boots: [String]

        public init(after: Int, boots: [String]) {
            self.after = after
            self.boots = boots
        }
    }

    public static func resume(hub: [FeedRun], node: [FeedRun], cursor: Int) -> Resume {
        let read = Dictionary(node.map { ($0.boot, $0.last) }, uniquingKeysWith: max)
        var after = 0
        for run in hub {
            guard let last = read[run.boot] else { continue }
            let common = min(run.last, last, cursor)
            // A run that began after the node's common point holds nothing both read.
            if common >= run.first { after = max(after, common) }
        }
        // The runs that may have written the entry at `after` (one, unless several hub instances share the feed).
        let boots = hub.filter { read[$0.boot] != nil && $0.first <= after && after <= $0.last }.map(\.boot)
        return Resume(after: after, boots: after == 0 ? [] : boots.sorted())
    }
}
