import XietongStore

/// Each configured node's queue depth and last contact (the admin API and the console's administration page).
struct NodeOverview: Sendable {
    struct NodeView: Codable {
        var organisation: String
        var queued: Int
        var acknowledged: Int
        var lastSeenAt: String?
    }

    let store: HubStore
    let nodes: [String]
    let activity: NodeActivity

    func views() async throws -> [NodeView] {
        let heads = try await self.store.feedHeads()
        var views: [NodeView] = []
        for node in self.nodes {
            let written = heads.first { $0.organisation == node }?.lastSeq ?? 0
            let activity = await self.activity.entry(node)
            views.append(
                NodeView(
                    organisation: node,
                    queued: max(0, written - (activity?.acknowledged ?? 0)),
                    acknowledged: activity?.acknowledged ?? 0,
                    lastSeenAt: activity?.lastSeenAt
                )
            )
        }
        return views
    }
}
