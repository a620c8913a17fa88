import Foundation
internal import XietongCore

/// Who may call an API, and as what (issue 6, access control). Secrets are kept only as their SHA-256: the tokens
/// are random 256-bit strings made by `xietong token new`, so a plain hash is as strong as a slow one and lets every
/// request be checked quickly.
public enum Role: String, Sendable, Codable, Hashable, CaseIterable {
    /// An exchange node, acting for its organisation.
    case node
    /// An agency business system, calling its node.
    case businessSystem
    /// The political-legal committee's supervisors: every case's metadata, read-only (SZ-4, GS-3).
    case supervisor
    /// The platform's administrators: the administrative endpoints.
    case administrator
    /// An agency's officer or clerk, using the node's web console (issue 7).
    case officer
    /// A monitoring system (Prometheus): `GET /metrics` only (issue 22).
    case monitor
    /// A witness of the hub's evidence log (issue 23): reads its signed heads, consistency proofs and leaves, and
    /// hands in its countersignatures; nothing else.
    case witness
    /// A reader of a dossier under a reading grant (issue 26): the node's reading pages, signed in with the grant's
    /// access code; never a credential of the configuration.
    case reader

    public init(from decoder: any Decoder) throws {
        self = try ConfigurationError.choice(Role.self, from: decoder)
    }
}

/// A named caller and the SHA-256 (hex) of its token.
public struct Credential: Sendable, Codable, Hashable {
    public var name: String
    public var role: Role
    public var tokenSHA256: String

    public init(name: String, role: Role, tokenSHA256: String) {
        self.name = name
        self.role = role
        self.tokenSHA256 = tokenSHA256.lowercased()
    }

    public init(name: String, role: Role, token: String) {
        self.init(name: name, role: role, tokenSHA256: Self.hash(token))
    }

    public static func hash(_ token: String) -> String {
        ContentHash.sha256(Array(token.utf8))
    }

    /// A new random token: 32 bytes from the system's generator, base64url.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The caller a request's bearer token names.
public struct Principal: Sendable, Hashable, Codable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// As it is written in the access log: `role:name`.
    public var label: String { "\(self.role.rawValue):\(self.name)" }
}

/// The credentials an API accepts.
public struct CredentialSet: Sendable {
    public let credentials: [Credential]

    public init(_ credentials: [Credential]) {
        self.credentials = credentials
    }

    /// The caller whose token hashes to a stored hash, compared in constant time.
    public func principal(token: String?) -> Principal? {
        guard let token else { return nil }
        let hash = Credential.hash(token)
        var found: Principal?
        for credential in self.credentials where HTTPJSON.constantTimeEqual(credential.tokenSHA256, hash) {
            found = Principal(name: credential.name, role: credential.role)
        }
        return found
    }

    /// Whether a stored value is a SHA-256 in hex.
    public static func isHash(_ value: String) -> Bool {
        value.count == 64 && value.allSatisfy { $0.isHexDigit }
    }
}
