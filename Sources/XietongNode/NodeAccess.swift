import Foundation
import Hummingbird
import XietongHTTP

/// Who may call a node's API (issue 6): business systems, by the key their bearer token carries; with no keys
/// configured, anyone (development only). The WebSocket of events takes the key as `?key=` too.
enum NodeAccess {
    static let unauthorised = APIError(.authRequired, zh: "需要有效的接口密钥", en: "a valid API key is required")

    /// The business system a request for the events comes from, by its bearer token, else `?key=` (browsers cannot
    /// set headers on a WebSocket); nil for none.
    static func eventsCaller(path: String?, authorization: String?, credentials: CredentialSet) -> Principal? {
        let key = BearerToken.token(in: authorization) ?? URLComponents(string: path ?? "")?.queryItems?.first { $0.name == "key" }?.value
        return Self.businessSystem(key: key, credentials: credentials)
    }

    /// The business system a key names; with no keys configured, anyone.
    static func businessSystem(key: String?, credentials: CredentialSet) -> Principal? {
        if credentials.credentials.isEmpty { return Principal(name: "unauthenticated", role: .businessSystem) }
        return credentials.principal(token: key)
    }

    /// Puts the business system its bearer token names on the request context (`caller.token`).
    static func identify(_ credentials: CredentialSet) -> IdentifyCaller {
        IdentifyCaller { request, _ in Caller(token: Self.businessSystem(key: HTTPJSON.bearerToken(request), credentials: credentials)) }
    }

    /// The API's guard: a known business system, else 401 `auth.required`.
    static var businessSystems: CallerGuard { CallerGuard(refusing: Self.unauthorised) { $0.token != nil } }
}
