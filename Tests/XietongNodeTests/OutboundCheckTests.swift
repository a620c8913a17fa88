import Foundation
import Testing
import XietongCore
import XietongNode
import XietongStore
import XietongTesting

/// The node refuses bad packages before they leave the agency (GZ-4).
@Suite struct OutboundCheckTests {
    @Test func aNodeSendsOnlyValidPackagesOfItsOwnOrganisation() {
        let request = Array(Fixtures.example("arrestApproval.arrestRequest").utf8)
        let resolver = FileAttachmentResolver(base: Repository.examples)
        #expect(OutboundCheck(checker: Fixtures.checker, organisation: "330106000101").check(request, attachments: resolver).isAccepted)
        let foreign = OutboundCheck(checker: Fixtures.checker, organisation: "330106000201").check(request, attachments: resolver)
        #expect(foreign.errorCodes == ["codeset.organisation"])
    }

    @Test func aPackageWhoseDossierIsNotThereNeverLeaves() throws {
        // The manifest names a file the node cannot find: refused at the node, before the hub sees anything.
        let request = Array(Fixtures.example("arrestApproval.arrestRequest").utf8)
        let empty = try TemporaryDirectory()
        let report = OutboundCheck(checker: Fixtures.checker, organisation: "330106000101")
            .check(request, attachments: FileAttachmentResolver(base: empty.url))
        #expect(!report.isAccepted && report.errorCodes.contains("attachment.missing"))
    }
}
