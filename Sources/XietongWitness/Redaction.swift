// What a witness's configuration shows when printed or reflected: never its token at the hub (issue 19, item 5).
extension WitnessConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "WitnessConfiguration(name: \(self.name), hub: \(self.hub.url), secrets redacted)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["name": self.name, "hub": self.hub.url], displayStyle: .struct) }
}
