import ArgumentParser
import Foundation
import XietongCore
import XietongHTTP

/// `xietong token new`: make a random token for a business system, a supervisor or an administrator, and the
/// configuration entry that stores only its SHA-256 (issue 6).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make API tokens; configuration files keep only their SHA-256.",
        subcommands: [New.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random token and the JSON entry for the hub's `users` or the node's `businessSystems`."
        )

        @Option(name: .long, help: "Who uses it (a business system, or a person); shown in the access log.")
        var name: String

        @Option(name: .long, help: "businessSystem (for a node), supervisor or administrator (for the hub).")
        var role: String

        func validate() throws {
            guard let role = Role(rawValue: self.role), role != .node else {
                throw ValidationError("--role must be businessSystem, supervisor or administrator; not '\(self.role)'")
            }
            guard !self.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name must not be empty") }
        }

        func run() throws {
            let token = Credential.newToken()
            let entry = Credential(name: self.name, role: Role(rawValue: self.role)!, token: token)
            let json = String(decoding: try CanonicalJSON.encode(entry), as: UTF8.self)
            let section = entry.role == .businessSystem ? "businessSystems (node)" : "users (hub)"
            print("token 令牌 (give it to \(self.name); it is not stored anywhere): \(token)")
            print("entry for \(section) 配置条目: \(json)")
        }
    }
}
