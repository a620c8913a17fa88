public import Foundation

/// Every flow and message type the platform carries, with time limits and their legal basis (ZJ-6, ZJ-7.1.3.1).
///
/// The catalog is data: `Resources/catalog/flows.json` ships the default, and a province adds or replaces
/// flows and messages with an override file of the same format (`FlowCatalog.merging(_:)`).
public struct FlowCatalog: Sendable, Hashable, Codable {
    public static let fileFormat = "xietong.catalog/1"

    public var format: String
    /// The version of this catalog's content, carried in tracking records so that a decision can be traced to
    /// the rules in force.
    public var catalogVersion: String
    public var standard: String
    public var flows: [Flow]
    public var interfaceProcessKinds: [InterfaceProcessKind]

    public func flow(_ id: String) -> Flow? { self.flows.first { $0.id == id } }

    public func message(flow: String, type: String) -> MessageType? { self.flow(flow)?.message(type) }

    /// The shipped catalog.
    public static func bundled() throws(ConfigurationError) -> FlowCatalog {
        try FlowCatalog(data: BundledData.read("catalog/flows.json"), file: "catalog/flows.json")
    }

    /// Decodes and checks a catalog file.
    public init(data: Data, file: String? = nil) throws(ConfigurationError) {
        self = try DataFileDecoder.decode(FlowCatalog.self, from: data, file: file)
        do {
            try self.check()
        } catch {
            throw error.inFile(file ?? "")
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, catalogVersion, standard, flows, interfaceProcessKinds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.format = try c.decode(String.self, forKey: .format)
        self.catalogVersion = try c.decode(String.self, forKey: .catalogVersion)
        self.standard = try c.decodeIfPresent(String.self, forKey: .standard) ?? ""
        self.flows = try c.decodeIfPresent([Flow].self, forKey: .flows) ?? []
        self.interfaceProcessKinds = try c.decodeIfPresent([InterfaceProcessKind].self, forKey: .interfaceProcessKinds) ?? []
    }

    /// Applies a province's override: flows and messages with a known id replace the shipped ones, new ones are
    /// added, and the override's `catalogVersion` becomes the catalog's version.
    public func merging(_ override: FlowCatalog) throws(ConfigurationError) -> FlowCatalog {
        var merged = self
        merged.catalogVersion = override.catalogVersion
        for flow in override.flows {
            if let index = merged.flows.firstIndex(where: { $0.id == flow.id }) {
                var base = merged.flows[index]
                base.zh = flow.zh
                base.en = flow.en
                base.clause = flow.clause
                base.category = flow.category
                base.processKind = flow.processKind ?? base.processKind
                for message in flow.messages {
                    if let messageIndex = base.messages.firstIndex(where: { $0.id == message.id }) {
                        base.messages[messageIndex] = message
                    } else {
                        base.messages.append(message)
                    }
                }
                merged.flows[index] = base
            } else {
                merged.flows.append(flow)
            }
        }
        for kind in override.interfaceProcessKinds {
            if let index = merged.interfaceProcessKinds.firstIndex(where: { $0.id == kind.id }) {
                merged.interfaceProcessKinds[index] = kind
            } else {
                merged.interfaceProcessKinds.append(kind)
            }
        }
        try merged.check()
        return merged
    }

    /// Checks that ids are unique, that every reply answers a message of its own flow, and that process kinds
    /// and time limits make sense.
    public func check() throws(ConfigurationError) {
        guard self.format == Self.fileFormat else {
            throw ConfigurationError(
                .format,
                path: "format",
                zh: "目录文件格式应为“\(Self.fileFormat)”",
                en: "the format must be '\(Self.fileFormat)', not '\(self.format)'"
            )
        }
        let processKinds = Set(self.interfaceProcessKinds.map(\.id))
        var flowIds: Set<String> = []
        for (flowIndex, flow) in self.flows.enumerated() {
            let flowPath = "flows[\(flowIndex)]"
            guard flowIds.insert(flow.id).inserted else {
                throw ConfigurationError(.duplicate, path: "\(flowPath).id", zh: "流程标识“\(flow.id)”重复", en: "the flow id '\(flow.id)' is used twice")
            }
            if let kind = flow.processKind, !processKinds.contains(kind) {
                throw ConfigurationError(
                    .unknownReference,
                    path: "\(flowPath).processKind",
                    zh: "未知的接口业务类别“\(kind)”",
                    en: "unknown interface process kind '\(kind)'"
                )
            }
            let messageIds = flow.messages.map(\.id)
            var seen: Set<String> = []
            for (messageIndex, message) in flow.messages.enumerated() {
                let path = "\(flowPath).messages[\(messageIndex)]"
                guard seen.insert(message.id).inserted else {
                    throw ConfigurationError(
                        .duplicate,
                        path: "\(path).id",
                        zh: "消息类型“\(message.id)”在流程内重复",
                        en: "the message type '\(message.id)' is used twice in the flow"
                    )
                }
                if message.from.isEmpty || message.to.isEmpty {
                    throw ConfigurationError(
                        .missingField,
                        path: "\(path).from",
                        zh: "消息必须指明发送方和接收方机关类别",
                        en: "a message must name its sender and receiver kinds"
                    )
                }
                for answered in message.answers where !messageIds.contains(answered) {
                    throw ConfigurationError(
                        .unknownReference,
                        path: "\(path).answers",
                        zh: "回复的消息“\(answered)”不在流程“\(flow.id)”中",
                        en: "the answered message '\(answered)' is not in the flow '\(flow.id)'"
                    )
                }
                for (limitIndex, limit) in message.limits.enumerated() {
                    for answer in limit.metBy ?? [] where !flow.messages.contains(where: { $0.id == answer && $0.answers.contains(message.id) }) {
                        throw ConfigurationError(
                            .unknownReference,
                            path: "\(path).limits[\(limitIndex)].metBy",
                            zh: "“\(answer)”不是流程“\(flow.id)”中对“\(message.id)”的答复",
                            en: "'\(answer)' is not a message of the flow '\(flow.id)' that answers '\(message.id)'"
                        )
                    }
                }
                if let kind = message.processKind, !processKinds.contains(kind) {
                    throw ConfigurationError(
                        .unknownReference,
                        path: "\(path).processKind",
                        zh: "未知的接口业务类别“\(kind)”",
                        en: "unknown interface process kind '\(kind)'"
                    )
                }
                for (limitIndex, limit) in message.limits.enumerated() where limit.value < 0 || (limit.unit != .immediately && limit.value == 0) {
                    throw ConfigurationError(
                        .invalidValue,
                        path: "\(path).limits[\(limitIndex)].value",
                        zh: "时限数值必须为正数",
                        en: "a time limit must be positive (use the unit 'immediately' for 立即)"
                    )
                }
            }
            if !flow.messages.contains(where: \.startsFlow) && !flow.messages.isEmpty {
                throw ConfigurationError(
                    .invalidValue,
                    path: "\(flowPath).messages",
                    zh: "流程“\(flow.id)”没有发起消息",
                    en: "the flow '\(flow.id)' has no message that starts it"
                )
            }
        }
        for (index, kind) in self.interfaceProcessKinds.enumerated() {
            for flow in kind.flows where !flowIds.contains(flow) {
                throw ConfigurationError(
                    .unknownReference,
                    path: "interfaceProcessKinds[\(index)].flows",
                    zh: "未知的流程“\(flow)”",
                    en: "unknown flow '\(flow)'"
                )
            }
        }
    }
}
