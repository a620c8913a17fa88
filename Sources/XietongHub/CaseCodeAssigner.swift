public import Foundation
public import XietongCore
public import XietongStore

/// The hub's unified coding (统一赋码, ZJ-7.1.1): a package that arrives without a unified case code gets one
/// for its sender, built from the day in China time, the sender's collaborating-agency and organisation codes,
/// and the next sequence number from the store.
public struct CaseCodeAssigner: Sendable {
    public let registry: OrganisationRegistry
    public let sequences: any CodeSequenceStore
    let now: @Sendable () -> Date

    public init(registry: OrganisationRegistry, sequences: any CodeSequenceStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.registry = registry
        self.sequences = sequences
        self.now = now
    }

    public enum Failure: Error, Sendable {
        case unknownOrganisation(String)
        case store(StoreError)
        case code(CodeError)
    }

    /// A new code for a case of `organisationCode`.
    public func assign(organisationCode: String) async throws(Failure) -> UnifiedCaseCode {
        guard let organisation = self.registry[organisationCode] else { throw .unknownOrganisation(organisationCode) }
        let day = CalendarDate(chinaDayOf: self.now())
        let sequence: Int
        do {
            sequence = try await self.sequences.nextSequence(organisationCode: organisation.code, day: day.compact)
        } catch {
            throw .store(error)
        }
        do {
            return try UnifiedCaseCode(date: day, agencyCode: organisation.agencyCode, organisationCode: organisation.code, sequence: sequence)
        } catch {
            throw .code(error)
        }
    }

    /// The code a restored hub's own receipt gave the package before the restore (issue 19), kept: its sequence is
    /// reserved so that no other case gets it again.
    public func code(replaying receipt: Receipt) async throws(Failure) -> (code: UnifiedCaseCode, assigned: Bool)? {
        guard let text = receipt.unifiedCaseCode, let code = try? UnifiedCaseCode(text) else { return nil }
        if receipt.codeAssigned {
            do {
                try await self.sequences.reserve(organisationCode: code.organisationCode, day: code.date.compact, upTo: code.sequence)
            } catch {
                throw .store(error)
            }
        }
        return (code, receipt.codeAssigned)
    }

    /// The package's own code when it has one, otherwise a newly assigned one.
    public func code(for package: CasePackage) async throws(Failure) -> (code: UnifiedCaseCode, assigned: Bool) {
        if let text = package.envelope.unifiedCaseCode, let existing = try? UnifiedCaseCode(text) {
            return (existing, false)
        }
        return (try await self.assign(organisationCode: package.envelope.sender.organisationCode), true)
    }
}
