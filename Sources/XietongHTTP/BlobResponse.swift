public import HTTPTypes
public import Hummingbird
public import XietongStore

/// A stored file (an attachment: a dossier, an interrogation recording, a court video) answered to a `GET` or `HEAD`
/// (issue 24): `Accept-Ranges: bytes`, its SHA-256 as a strong `ETag`, and the whole file or the one byte range asked
/// for, streamed from the blob store with at most two chunks in memory whatever its size, so that a player seeks in a
/// recording of gigabytes. `ByteRange` decides the answer; this writes it.
public enum BlobResponse {
    /// The answer to `request` for the blob `sha256` of `size` bytes; `headers` are the file's own (`Content-Type`,
    /// `Content-Disposition`), sent with a 200 or 206. Throws 412 `precondition.failed` and 416
    /// `range.not-satisfiable` (with `Content-Range: bytes */size`).
    public static func answer(
        to request: Request,
        blobs: BlobStore,
        sha256: String,
        size: Int,
        headers: HTTPFields = [:]
    ) throws -> Response {
        try Self.answer(method: request.method, request: request.headers, blobs: blobs, sha256: sha256, size: size, headers: headers)
    }

    /// The same, from the request's method and headers.
    public static func answer(
        method: HTTPRequest.Method,
        request: HTTPFields,
        blobs: BlobStore,
        sha256: String,
        size: Int,
        headers own: HTTPFields = [:]
    ) throws -> Response {
        let eTag = ByteRange.entityTag(sha256)
        let answer = ByteRange.answer(
            size: size,
            eTag: sha256,
            range: method == .get ? request[.range] : nil,
            ifRange: request[.ifRange],
            ifMatch: request[.ifMatch],
            ifNoneMatch: request[.ifNoneMatch]
        )
        var headers = own
        headers[.acceptRanges] = "bytes"
        headers[.eTag] = eTag
        switch answer {
        case .whole:
            headers[.contentLength] = String(size)
            let body = method == .head ? ResponseBody() : ResponseBody(asyncSequence: blobs.chunks(sha256))
            return Response(status: .ok, headers: headers, body: body)
        case .part(let range):
            headers[.contentRange] = range.contentRange(of: size)
            headers[.contentLength] = String(range.count)
            return Response(
                status: .partialContent,
                headers: headers,
                body: ResponseBody(asyncSequence: blobs.chunks(sha256, offset: range.first, length: range.count))
            )
        case .notModified:
            // The validator only (RFC 9110 §15.4.5); the HTTP/1 encoder sends a 304 without a body or its length.
            return Response(status: .notModified, headers: [.eTag: eTag, .acceptRanges: "bytes"])
        case .preconditionFailed:
            throw APIError(
                .preconditionFailed,
                zh: "文件的 ETag 与 If-Match 不符",
                en: "the file's ETag does not match If-Match",
                headers: [.eTag: eTag]
            )
        case .unsatisfiable:
            throw APIError(
                .rangeNotSatisfiable,
                zh: "请求的字节范围不在文件内（文件共 \(size) 字节）",
                en: "the byte range asked for is outside the file (\(size) bytes)",
                headers: [.contentRange: ByteRange.unsatisfiable(of: size), .acceptRanges: "bytes", .eTag: eTag]
            )
        }
    }
}
