/// The `Authorization: Bearer …` header of every caller of the hub and the nodes, built and read in this one place.
public enum BearerToken {
    static let scheme = "Bearer "

    /// The `Authorization` header's value that carries `token`.
    public static func header(_ token: String) -> String { Self.scheme + token }

    /// The token an `Authorization` header's value carries, when it is a bearer token.
    public static func token(in value: String?) -> String? {
        guard let value, value.hasPrefix(Self.scheme) else { return nil }
        return String(value.dropFirst(Self.scheme.count))
    }
}
