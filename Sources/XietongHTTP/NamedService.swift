public import ServiceLifecycle

/// A background service that describes itself by its name only. ServiceLifecycle logs each service as
/// `"\(service)"` at debug level (starting, finished, failed), and a struct without a description is printed
/// field by field: the node's services hold its engine, and with it the hub token and the business systems' keys,
/// which reached the log 16 times in 6 s (issue 19, item 5). No secret may reach a log at any level.
public protocol NamedService: Service, CustomStringConvertible {}

extension NamedService {
    public var description: String { String(describing: Self.self) }
}
