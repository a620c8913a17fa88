import Foundation
import Testing
import XietongCore
import XietongHub
import XietongStore
import XietongTesting

/// The hub assigns unified codes (ZJ-7.1.1) for packages that arrive without one.
@Suite struct CaseCodeAssignerTests {
    @Test func codesUseTheChinaDayAndTheSendersCodes() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("hub.sqlite").path, migrations: Migrations.hub)
        // 17:30 UTC on 21 November is 01:30 on 22 November in China.
        let assigner = CaseCodeAssigner(
            registry: Fixtures.registry,
            sequences: SQLCodeSequenceStore(database: database),
            now: { Date(timeIntervalSince1970: 1_795_282_200) }
        )
        let first = try await assigner.assign(organisationCode: "330106000101")
        let second = try await assigner.assign(organisationCode: "330106000101")
        #expect(first.rawValue == "20261122110133010600010100000001")
        #expect(second.sequence == 2)
        #expect(first.agencyCode == "1101" && first.organisationCode == "330106000101")
        await database.close()
    }

    @Test func aPackageWithACodeKeepsIt() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("hub.sqlite").path, migrations: Migrations.hub)
        let assigner = CaseCodeAssigner(registry: Fixtures.registry, sequences: SQLCodeSequenceStore(database: database))
        var package = try #require(Fixtures.check(Fixtures.example("arrestApproval.arrestRequest")).package)
        let kept = try await assigner.code(for: package)
        #expect(!kept.assigned && kept.code.rawValue == package.envelope.unifiedCaseCode)
        package.envelope.unifiedCaseCode = nil
        let assigned = try await assigner.code(for: package)
        #expect(assigned.assigned && assigned.code.organisationCode == "330106000101")
        await database.close()
    }

    @Test func anUnknownOrganisationGetsNoCode() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("hub.sqlite").path, migrations: Migrations.hub)
        let assigner = CaseCodeAssigner(registry: Fixtures.registry, sequences: SQLCodeSequenceStore(database: database))
        await #expect(throws: CaseCodeAssigner.Failure.self) { try await assigner.assign(organisationCode: "999999999999") }
        await database.close()
    }

    /// A package a restored hub lost and its sender sent again keeps the code the hub's receipt gave it (issue 19),
    /// and no later case of that day gets the same number: the sequence moves past it, never back.
    @Test func aReplayedPackageKeepsItsCodeAndTheSequenceMovesPastIt() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLiteDatabase.open(path: directory.file("hub.sqlite").path, migrations: Migrations.hub)
        let assigner = CaseCodeAssigner(
            registry: Fixtures.registry,
            sequences: SQLCodeSequenceStore(database: database),
            now: { Date(timeIntervalSince1970: 1_795_282_200) }
        )
        #expect(try await assigner.assign(organisationCode: "330106000101").sequence == 1)
        let lost = "20261122110133010600010100000007"
        let replay = Receipt(packageId: "p7", status: .accepted, unifiedCaseCode: lost, codeAssigned: true, receivedAt: "2026-11-21T17:30:00Z")
        let kept = try #require(try await assigner.code(replaying: replay))
        #expect(kept.code.rawValue == lost && kept.assigned)
        #expect(try await assigner.assign(organisationCode: "330106000101").sequence == 8)
        // An older replay does not move the sequence back.
        let older = Receipt(
            packageId: "p3",
            status: .accepted,
            unifiedCaseCode: "20261122110133010600010100000003",
            codeAssigned: true,
            receivedAt: "2026-11-21T17:30:00Z"
        )
        _ = try await assigner.code(replaying: older)
        #expect(try await assigner.assign(organisationCode: "330106000101").sequence == 9)
        // A code the package brought itself reserves nothing; a receipt without a valid code gives none.
        let own = Receipt(packageId: "p", status: .accepted, unifiedCaseCode: "20261122110133010600010100000050", codeAssigned: false)
        #expect(try await assigner.code(replaying: own)?.assigned == false)
        #expect(try await assigner.assign(organisationCode: "330106000101").sequence == 10)
        #expect(try await assigner.code(replaying: Receipt(packageId: "q", status: .accepted, unifiedCaseCode: "nonsense")) == nil)
        await database.close()
    }
}
