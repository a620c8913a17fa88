import Foundation

/// A node's or the hub's answer, read whole: the status, the headers and the body. Callers judge the status
/// themselves (the tests assert exact statuses and bodies).
public struct Reply: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: self.body, as: UTF8.self) }

    /// The first header of that name, in any case.
    public func header(_ name: String) -> String? { self.headers.first { $0.name.lowercased() == name.lowercased() }?.value }

    /// The body decoded as JSON, or nil when it is not a `T`.
    public func json<T: Decodable>(_ type: T.Type) -> T? { try? JSONDecoder().decode(type, from: Data(self.body)) }

    /// The body decoded as JSON when the status is `expected`; otherwise an `UnexpectedReply` naming `what`.
    public func decode<T: Decodable>(_ type: T.Type, what: String, expected: Int = 200) throws -> T {
        guard self.status == expected, let value = self.json(type) else { throw UnexpectedReply(what, self) }
        return value
    }
}
