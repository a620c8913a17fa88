import XietongCore
import XietongHTTP
import XietongStore

/// Who may read a package, and the log of who read which case data, and when (issue 6). Refused reads are logged too.
struct ReadAccess: Sendable {
    let store: HubStore

    /// The caller may read a package when it is its sender or receiver (or the peer hub serving either), or the administrator; supervisors may read
    /// its metadata (status and hops), not its content.
    func mayRead(_ caller: Caller, _ packageId: String, metadataOnly: Bool = false) async throws -> Bool {
        if caller.isAdministrator || (metadataOnly && caller.supervisor != nil) { return true }
        guard let node = caller.node, let parties = try await self.store.parties(of: packageId) else { return false }
        // A peer hub reads the packages of the organisations it serves (issue 23).
        return self.store.flows.federation.isParty(node, sender: parties.sender, receiver: parties.receiver)
    }

    /// Lets the caller read a package (`mayRead`) or refuses it with 403, logging either way.
    func authorise(_ caller: Caller, _ action: String, _ packageId: String, metadataOnly: Bool = false) async throws {
        guard try await self.mayRead(caller, packageId, metadataOnly: metadataOnly) else {
            try await self.log(caller, action, packageId, allowed: false)
            throw HubAccess.forbidden
        }
        try await self.log(caller, action, packageId)
    }

    /// Logs a read of case data: who read what, and when.
    func log(_ caller: Caller, _ action: String, _ subject: String, allowed: Bool = true) async throws {
        let reader = caller.reader ?? Principal(name: "anonymous", role: .node)
        try await self.store.accessLog.record(reader, action: action, subject: subject, allowed: allowed)
    }
}
