/// A call answered with a status its caller cannot go on from: what was asked, the status and the body's text.
public struct UnexpectedReply: Error, CustomStringConvertible {
    public let what: String
    public let status: Int
    public let text: String

    public init(_ what: String, _ reply: Reply) {
        self.what = what
        self.status = reply.status
        self.text = reply.text
    }

    public var description: String { "\(self.what): \(self.status) \(self.text)" }
}
