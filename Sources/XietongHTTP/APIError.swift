public import HTTPTypes
public import Hummingbird
public import XietongCore

/// An error a route of the hub or a node answers with: a documented code (docs/protocol.md, "Error codes"), which
/// fixes the HTTP status, and a message in Chinese and English. Handlers throw it; Hummingbird's router turns it into
/// the response `{"error": code, "message": {"en": …, "zh": …}}`, written by the same code as a `StoreError`'s.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    /// The stable code a client can act on, and the status that goes with it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, CaseIterable {
            case authRequired = "auth.required"
            case authForbidden = "auth.forbidden"
            case authWrongSender = "auth.wrong-sender"
            case authAdminRequired = "auth.admin-required"
            case authSupervisorRequired = "auth.supervisor-required"
            case packageTooLarge = "package.too-large"
            case packageNotFound = "package.not-found"
            case packageAlreadyHandled = "package.already-handled"
            case batchInvalid = "batch.invalid"
            case blobBadHash = "blob.bad-hash"
            case blobHashMismatch = "blob.hash-mismatch"
            case blobNotFound = "blob.not-found"
            case eventInvalid = "event.invalid"
            case ackInvalid = "ack.invalid"
            case heldInvalid = "held.invalid"
            case caseNotFound = "case.not-found"
            case queryInvalid = "query.invalid"
            case queryCaseRequired = "query.case-required"
            case evidenceNoTreeHead = "evidence.no-tree-head"
            case evidenceUnknownHead = "evidence.unknown-head"
            case cosignatureInvalid = "cosignature.invalid"
            case multipartInvalid = "multipart.invalid"
            case multipartNoPackage = "multipart.no-package"
            case hubUnreachable = "hub.unreachable"
            case uploadInvalid = "upload.invalid"
            case uploadInProgress = "upload.in-progress"
            case uploadOffsetMismatch = "upload.offset-mismatch"
            case uploadIO = "upload.io"
            case uploadTooLarge = "upload.too-large"
            case uploadHashMismatch = "upload.hash-mismatch"
            case returnReasonRequired = "return.reason-required"
            case subscriptionInvalid = "subscription.invalid"
            case methodNotAllowed = "method.not-allowed"
            case routeNotFound = "route.not-found"
            case contentTypeUnsupported = "content-type.unsupported"
            case requestTooLarge = "request.too-large"
            case uploadNotFound = "upload.not-found"
            case eventsUpgradeRequired = "events.upgrade-required"
            case rangeNotSatisfiable = "range.not-satisfiable"
            case preconditionFailed = "precondition.failed"
            case searchNoCriterion = "search.no-criterion"
            case reportInvalid = "report.invalid"
            case reportUnknownKind = "report.unknown-kind"
            case reportNotReporter = "report.not-reporter"
            case reportIdTaken = "report.id-taken"
            case reportNotFound = "report.not-found"
            case bookingInvalid = "booking.invalid"
            case bookingUnknownRoom = "booking.unknown-room"
            case bookingOutsideHours = "booking.outside-hours"
            case bookingConflict = "booking.conflict"
            case bookingNotAllowed = "booking.not-allowed"
            case bookingState = "booking.state"
            case bookingNotFound = "booking.not-found"
            case documentInvalid = "document.invalid"
            case documentNoSealKey = "document.no-seal-key"
            case documentToolMissing = "document.tool-missing"
            case documentFailed = "document.failed"
            case documentNotFound = "document.not-found"
            case readingInvalid = "reading.invalid"
            case readingClosed = "reading.closed"
            case readingNotFound = "reading.not-found"

            var status: HTTPResponse.Status {
                switch self {
                case .authRequired, .authAdminRequired, .authSupervisorRequired: .unauthorized
                case .authForbidden, .authWrongSender, .reportNotReporter, .bookingNotAllowed, .readingClosed: .forbidden
                case .packageNotFound, .blobNotFound, .caseNotFound, .evidenceNoTreeHead, .uploadNotFound, .routeNotFound, .reportNotFound,
                    .bookingNotFound, .bookingUnknownRoom, .documentNotFound, .readingNotFound:
                    .notFound
                case .methodNotAllowed: .methodNotAllowed
                case .contentTypeUnsupported: .unsupportedMediaType
                case .eventsUpgradeRequired: .upgradeRequired
                case .rangeNotSatisfiable: .rangeNotSatisfiable
                case .preconditionFailed: .preconditionFailed
                case .packageAlreadyHandled, .uploadInProgress, .uploadOffsetMismatch, .evidenceUnknownHead, .reportIdTaken, .bookingConflict,
                    .bookingState, .documentNoSealKey:
                    .conflict
                case .packageTooLarge, .uploadTooLarge, .requestTooLarge: .contentTooLarge
                case .blobHashMismatch, .uploadHashMismatch: .unprocessableContent
                case .hubUnreachable: .badGateway
                case .uploadIO, .documentFailed: .internalServerError
                case .documentToolMissing: .serviceUnavailable
                case .batchInvalid, .blobBadHash, .eventInvalid, .ackInvalid, .heldInvalid, .queryInvalid, .queryCaseRequired,
                    .multipartInvalid, .multipartNoPackage, .uploadInvalid, .returnReasonRequired, .subscriptionInvalid, .cosignatureInvalid,
                    .searchNoCriterion, .reportInvalid, .reportUnknownKind, .bookingInvalid, .bookingOutsideHours, .documentInvalid,
                    .readingInvalid:
                    .badRequest
                }
            }
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The code as clients see it, such as `auth.required`.
        public var rawValue: String { self.base.rawValue }
        /// The one HTTP status this code is answered with.
        public var status: HTTPResponse.Status { self.base.status }
        public var description: String { self.rawValue }

        /// Every code, in the order of the documentation's table.
        public static var allCases: [Code] { Base.allCases.map(Code.init) }

        /// 401: no valid node token, API key or session.
        public static var authRequired: Self { .init(.authRequired) }
        /// 403: the caller is known but may not read this.
        public static var authForbidden: Self { .init(.authForbidden) }
        /// 403: a node sent a package whose sender is another organisation.
        public static var authWrongSender: Self { .init(.authWrongSender) }
        /// 401: only the administrator may call this.
        public static var authAdminRequired: Self { .init(.authAdminRequired) }
        /// 401: only a supervisor or the administrator may call this.
        public static var authSupervisorRequired: Self { .init(.authSupervisorRequired) }
        /// 413: a package or a batch over its size limit.
        public static var packageTooLarge: Self { .init(.packageTooLarge) }
        /// 404: no such package.
        public static var packageNotFound: Self { .init(.packageNotFound) }
        /// 409: the package was already signed for or returned.
        public static var packageAlreadyHandled: Self { .init(.packageAlreadyHandled) }
        /// 400: a batch of packages that cannot be read.
        public static var batchInvalid: Self { .init(.batchInvalid) }
        /// 400: a blob name that is not a lower-case hex SHA-256.
        public static var blobBadHash: Self { .init(.blobBadHash) }
        /// 422: a blob's bytes do not hash to its name.
        public static var blobHashMismatch: Self { .init(.blobHashMismatch) }
        /// 404: no such blob.
        public static var blobNotFound: Self { .init(.blobNotFound) }
        /// 400: a hop report that cannot be read or may not be reported.
        public static var eventInvalid: Self { .init(.eventInvalid) }
        /// 400: a feed acknowledgement that cannot be read.
        public static var ackInvalid: Self { .init(.ackInvalid) }
        /// 400: a question about held packages that cannot be read.
        public static var heldInvalid: Self { .init(.heldInvalid) }
        /// 404: no flow of a case with this code.
        public static var caseNotFound: Self { .init(.caseNotFound) }
        /// 400: a query parameter out of its range.
        public static var queryInvalid: Self { .init(.queryInvalid) }
        /// 400: a query of a case's packages without the case.
        public static var queryCaseRequired: Self { .init(.queryCaseRequired) }
        /// 404: the evidence log has no signed tree head yet.
        public static var evidenceNoTreeHead: Self { .init(.evidenceNoTreeHead) }
        public static var evidenceUnknownHead: Self { .init(.evidenceUnknownHead) }
        public static var cosignatureInvalid: Self { .init(.cosignatureInvalid) }
        /// 400: a multipart request that cannot be read.
        public static var multipartInvalid: Self { .init(.multipartInvalid) }
        /// 400: a multipart request without its `package` part.
        public static var multipartNoPackage: Self { .init(.multipartNoPackage) }
        /// 502: the node cannot reach the hub.
        public static var hubUnreachable: Self { .init(.hubUnreachable) }
        /// 400: a new resumable upload that cannot be read.
        public static var uploadInvalid: Self { .init(.uploadInvalid) }
        /// 409: another request is writing this upload.
        public static var uploadInProgress: Self { .init(.uploadInProgress) }
        /// 409: an upload resumed at another offset than the one on disk (with `Upload-Offset`).
        public static var uploadOffsetMismatch: Self { .init(.uploadOffsetMismatch) }
        /// 500: the upload's file cannot be written.
        public static var uploadIO: Self { .init(.uploadIO) }
        /// 413: more bytes than the upload declared.
        public static var uploadTooLarge: Self { .init(.uploadTooLarge) }
        /// 422: an upload's bytes do not match its declared SHA-256; they were discarded.
        public static var uploadHashMismatch: Self { .init(.uploadHashMismatch) }
        /// 400: a return without a reason.
        public static var returnReasonRequired: Self { .init(.returnReasonRequired) }
        /// 400: a subscription that cannot be read.
        public static var subscriptionInvalid: Self { .init(.subscriptionInvalid) }
        /// 405: a method the path does not have (with `Allow`).
        public static var methodNotAllowed: Self { .init(.methodNotAllowed) }
        /// 404: no route has this path.
        public static var routeNotFound: Self { .init(.routeNotFound) }
        /// 415: a request body of a media type the operation does not take.
        public static var contentTypeUnsupported: Self { .init(.contentTypeUnsupported) }
        /// 413: a JSON body over its route's limit.
        public static var requestTooLarge: Self { .init(.requestTooLarge) }
        /// 404: no such resumable upload.
        public static var uploadNotFound: Self { .init(.uploadNotFound) }
        /// 426: a request for the events WebSocket that does not ask for the upgrade.
        public static var eventsUpgradeRequired: Self { .init(.eventsUpgradeRequired) }
        /// 416: the byte range asked for lies outside the file (with `Content-Range: bytes */size`).
        public static var rangeNotSatisfiable: Self { .init(.rangeNotSatisfiable) }
        /// 412: `If-Match` does not name the file's entity tag.
        public static var preconditionFailed: Self { .init(.preconditionFailed) }
        /// 400: a case search with nothing to look for (issue 26).
        public static var searchNoCriterion: Self { .init(.searchNoCriterion) }
        /// 400: a filing report with a field missing, malformed or too long (issue 26).
        public static var reportInvalid: Self { .init(.reportInvalid) }
        /// 400: a filing report of a kind the committee's catalog does not have.
        public static var reportUnknownKind: Self { .init(.reportUnknownKind) }
        /// 403: a filing report of a kind this agency does not report.
        public static var reportNotReporter: Self { .init(.reportNotReporter) }
        /// 409: a filing report id another organisation filed.
        public static var reportIdTaken: Self { .init(.reportIdTaken) }
        /// 404: no such filing report (of this organisation).
        public static var reportNotFound: Self { .init(.reportNotFound) }
        /// 400: a booking or a room with a field missing or malformed (issue 26).
        public static var bookingInvalid: Self { .init(.bookingInvalid) }
        /// 404: the detention house publishes no such room.
        public static var bookingUnknownRoom: Self { .init(.bookingUnknownRoom) }
        /// 400: a slot outside the room's hours, past, or too far ahead.
        public static var bookingOutsideHours: Self { .init(.bookingOutsideHours) }
        /// 409: the room, the detainee or the booker's officer is taken at that time.
        public static var bookingConflict: Self { .init(.bookingConflict) }
        /// 403: this organisation may not make that change (or publish rooms).
        public static var bookingNotAllowed: Self { .init(.bookingNotAllowed) }
        /// 409: the booking is cancelled, or already in the state asked for.
        public static var bookingState: Self { .init(.bookingState) }
        /// 404: no such booking (of this organisation).
        public static var bookingNotFound: Self { .init(.bookingNotFound) }
        /// 400: not a custody exchange of this organisation, or text its fonts cannot show (issue 26).
        public static var documentInvalid: Self { .init(.documentInvalid) }
        /// 409: the node has no seal key and certificate from the platform PKI.
        public static var documentNoSealKey: Self { .init(.documentNoSealKey) }
        /// 503: a tool the documents need (podofosign, pdfsig, certutil) is not installed.
        public static var documentToolMissing: Self { .init(.documentToolMissing) }
        /// 500: writing, signing or checking a document failed.
        public static var documentFailed: Self { .init(.documentFailed) }
        /// 404: no such document at this node.
        public static var documentNotFound: Self { .init(.documentNotFound) }
        /// 400: a reading grant with a field missing or malformed (issue 26).
        public static var readingInvalid: Self { .init(.readingInvalid) }
        /// 403: the reading grant is revoked or expired, or does not let the reader download.
        public static var readingClosed: Self { .init(.readingClosed) }
        /// 404: no such reading grant, package or file.
        public static var readingNotFound: Self { .init(.readingNotFound) }
    }

    public let code: Code
    public let message: LocalizedText
    /// Headers the answer carries besides the body's, such as `Upload-Offset`.
    public let headers: HTTPFields

    public init(_ code: Code, zh: String, en: String, headers: HTTPFields = [:]) {
        self.code = code
        self.message = LocalizedText(zh: zh, en: en)
        self.headers = headers
    }

    /// A service's refusal (`Refusal`, Core) answered with `code`, in its own words.
    public init<Problem>(_ code: Code, _ refusal: Refusal<Problem>) {
        self.init(code, zh: refusal.message.zh, en: refusal.message.en)
    }

    public var status: HTTPResponse.Status { self.code.status }

    /// 400 `query.invalid`: the parameter, the value given, and what it expects.
    public static func badQuery(_ name: String, _ value: String, expected: String) -> APIError {
        APIError(
            .queryInvalid,
            zh: "查询参数 \(name) 无效：“\(value)”，应为 \(expected)",
            en: "the query parameter \(name) is invalid: '\(value)'; expected \(expected)"
        )
    }

    public var description: String { "\(self.code.rawValue): \(self.message.zh) / \(self.message.en)" }

    public func response(from request: Request, context: some RequestContext) -> Response {
        var response = Self.response(self.status, code: self.code.rawValue, message: self.message)
        response.headers.append(contentsOf: self.headers)
        return response
    }

    /// An error answer as it travels, for a node that shows the hub's refusal in its own page.
    public struct Body: Codable, Sendable {
        public let error: String
        public let message: [String: String]
    }

    /// The answer to every error with a code, this type's and `StoreError`'s: `{"error": code, "message": {"en": …,
    /// "zh": …}}` in canonical JSON.
    static func response(_ status: HTTPResponse.Status, code: String, message: LocalizedText) -> Response {
        HTTPJSON.response(Body(error: code, message: ["zh": message.zh, "en": message.en]), status: status)
    }
}
