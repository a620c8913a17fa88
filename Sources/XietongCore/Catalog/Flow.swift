/// A collaboration flow of ZJ-6 (for example 6.1.2 arrest approval) and its messages.
public struct Flow: Sendable, Hashable, Codable {
    public enum Category: String, Sendable, Hashable, Codable {
        /// ZJ-6.1 criminal cases.
        case criminal
        /// ZJ-6.2 administrative-to-criminal linkage (行刑衔接).
        case adminCriminalLinkage
        /// ZJ-6.3 civil.
        case civil
    }

    public var id: String
    /// The clause of DB33/T 1420.2-2025, for example `ZJ-6.1.2`.
    public var clause: String
    public var category: Category
    public var zh: String
    public var en: String
    /// The ZJ-7.1.3.1 interface process kind, where the flow maps to one.
    public var processKind: String?
    public var messages: [MessageType]

    public var name: LocalizedText { LocalizedText(zh: self.zh, en: self.en) }

    public func message(_ id: String) -> MessageType? {
        self.messages.first { $0.id == id }
    }
}

/// One of the 11 interface process kinds of ZJ-7.1.3.1, mapped to the flows that carry it.
public struct InterfaceProcessKind: Sendable, Hashable, Codable {
    public var id: String
    public var zh: String
    public var en: String
    /// Flows that carry this process; empty for interfaces reserved without a ZJ-6 flow (GS-4).
    public var flows: [String]
    public var basis: String
    public var notes: String?
}
