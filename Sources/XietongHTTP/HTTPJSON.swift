import Foundation
public import Hummingbird
import XietongCore
public import XietongStore

/// JSON responses; errors with a stable code and a Chinese and English message are `APIError`s.
public enum HTTPJSON {
    public static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? CanonicalJSON.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// A response of JSON already written.
    public static func response(json: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json))
        )
    }

    /// The bearer token of a request, if any.
    public static func bearerToken(_ request: Request) -> String? {
        BearerToken.token(in: request.headers[.authorization])
    }

    /// Compares secrets in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// What `/healthz` answers for the hub and the nodes: up, and each data disk's free space against the reserve
/// (issue 19). `status` is `ok`, or `disk-below-reserve` while new packages are refused for space.
public struct Health: Encodable, Sendable {
    public var status: String
    public var organisation: String
    public var disks: [DiskReserve.Status]

    public init(organisation: String, disks: [DiskReserve.Status]) {
        self.status = disks.contains(where: \.belowReserve) ? "disk-below-reserve" : "ok"
        self.organisation = organisation
        self.disks = disks
    }
}
