import XietongCore
public import XietongHTTP

// What a node's values show when printed or reflected: never a token, key or password (issue 19, item 5). A log
// line that prints one of these, by mistake or through a library that describes the values it is given, shows
// which node and which hub, and nothing that lets anyone in.

extension NodeConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "NodeConfiguration(organisation: \(self.organisation), hub: \(self.hub.url), secrets redacted)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["organisation": self.organisation, "hub": self.hub.url], displayStyle: .struct) }
}

extension HubClient: CustomStringConvertible, CustomReflectable {
    public var description: String { "HubClient(\(self.baseURL), token redacted)" }
    public var customMirror: Mirror { Mirror(self, children: ["baseURL": self.baseURL], displayStyle: .struct) }
}

extension NodeEngine: CustomStringConvertible, CustomReflectable {
    public var description: String { "NodeEngine(\(self.configuration.organisation))" }
    public var customMirror: Mirror { Mirror(self, children: ["organisation": self.configuration.organisation], displayStyle: .struct) }
}
