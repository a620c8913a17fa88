import XietongCore

/// How far each node has read its feed and when it was last seen, for the administrator's node list. Monitoring
/// data only, so it is kept in memory: writing it to disk on every poll would cost a synced transaction per request.
actor NodeActivity {
    struct Entry {
        var acknowledged = 0
        var lastSeenAt: String?
    }

    private var entries: [String: Entry] = [:]

    /// A feed read `after` a position acknowledges everything up to it.
    func saw(_ organisation: String, acknowledging seq: Int? = nil) {
        var entry = self.entries[organisation, default: Entry()]
        entry.lastSeenAt = Timestamp.now()
        if let seq { entry.acknowledged = max(entry.acknowledged, seq) }
        self.entries[organisation] = entry
    }

    func entry(_ organisation: String) -> Entry? { self.entries[organisation] }
}
