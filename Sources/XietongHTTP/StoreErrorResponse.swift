public import HTTPTypes
public import Hummingbird
import Logging
import XietongCore
public import XietongStore

/// A storage failure as an HTTP answer: its stable code and its Chinese and English text, with the status that tells a
/// client what to do. Before this, any storage failure a route did not catch became Hummingbird's empty 500.
/// - `store.disk-full`: 507 with `Retry-After` (issue 19): nothing was written, try again later.
/// - `store.busy` 503 with `Retry-After`: another connection held the embedded database's write lock too long.
/// - `store.too-large` 413, `store.hash-mismatch` 422, `store.conflict` 409, `store.not-found` 404.
/// - anything else: 500 with the code and text (never the SQL or the payload, which go to the log only).
extension StoreError: HTTPResponseError {
    /// How long a client waits before it retries after a full disk: the operator's time to free space.
    public static let retryAfterSeconds = 60

    public var status: HTTPResponse.Status {
        switch self.code {
        case .diskFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
        case .busy: .serviceUnavailable
        case .tooLarge: .contentTooLarge
        case .hashMismatch: .unprocessableContent
        case .conflict: .conflict
        case .notFound: .notFound
        default: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let level: Logger.Level = self.status == .internalServerError || self.code == .diskFull || self.code == .busy ? .error : .info
        context.logger.log(
            level: level,
            "storage failure answered",
            metadata: ["xietong.code": "\(self.code.rawValue)", "xietong.error": "\(self.debugDescription)", "http.path": "\(request.uri.path)"]
        )
        var response = APIError.response(self.status, code: self.code.rawValue, message: self.message)
        switch self.code {
        case .diskFull: response.headers[.retryAfter] = String(Self.retryAfterSeconds)
        case .busy: response.headers[.retryAfter] = "1"
        default: break
        }
        return response
    }
}
