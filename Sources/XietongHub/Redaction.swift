import XietongCore

// What the hub's configuration shows when printed or reflected: never a token, key or password (issue 19, item 5).
extension HubConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "HubConfiguration(organisation: \(self.organisation), nodes: \(self.nodes.count), secrets redacted)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror {
        Mirror(self, children: ["organisation": self.organisation, "nodes": self.nodes.map(\.organisation)], displayStyle: .struct)
    }
}
