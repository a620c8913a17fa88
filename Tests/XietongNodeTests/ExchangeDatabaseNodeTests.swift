import Foundation
import Testing
import XietongCore
import XietongStore
import XietongTesting

@testable import XietongNode

/// The node's side of the exchange database (issue 24) that needs no database: which files it reads for the business
/// system, and how delivered files are named.
@Suite struct ExchangeDatabaseNodeTests {
    /// `file_path` may name only a readable regular file, inside `fileRoot` when that is set: not a device, a pipe or
    /// a folder, and not a way out of the root by a link.
    @Test func onlyRegularFilesInsideTheRootAreRead() throws {
        let directory = try TemporaryDirectory()
        let root = directory.file("files")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let inside = root.appendingPathComponent("a.pdf")
        try Data("%PDF".utf8).write(to: inside)
        let outside = directory.file("secret.key")
        try Data("key".utf8).write(to: outside)
        let link = root.appendingPathComponent("link.pdf")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: outside)

        var settings = NodeConfiguration.ExchangeDatabaseSettings(url: "sqlite:/tmp/x.sqlite")
        #expect(settings.refusal(ofPath: inside.path) == nil)
        #expect(settings.refusal(ofPath: outside.path) == nil, "without a root, any regular file")
        #expect(settings.refusal(ofPath: "/dev/zero")?.en.contains("regular file") == true)
        #expect(settings.refusal(ofPath: root.path)?.en.contains("regular file") == true)
        #expect(settings.refusal(ofPath: directory.file("missing").path) != nil)
        settings.fileRoot = root.path
        #expect(settings.refusal(ofPath: inside.path) == nil)
        #expect(settings.refusal(ofPath: outside.path)?.en.contains("outside the allowed folder") == true)
        #expect(settings.refusal(ofPath: link.path)?.zh.contains("不在允许的目录") == true)
        #expect(settings.refusal(ofPath: root.path + "/../secret.key") != nil)
    }

    /// Two attachments with the same bytes keep their own ids: delivering them must not break the table's key.
    @Test func deliveredFilesArePairedByPositionNotByHash() throws {
        var package = try #require(Fixtures.package("arrestApproval.arrestRequest"))
        var twin = try #require(package.attachments.first)
        twin.id = "a2"
        package.attachments.append(twin)
        let delivery = Delivery.of(package)
        let paired = ExchangeDatabaseTarget.pair(delivery, package)
        #expect(paired.map(\.attachmentId) == [package.attachments[0].id, "a2"])
        // Without the package (it could not be read), each still gets an id of its own.
        let ids = ExchangeDatabaseTarget.pair(delivery, nil).map(\.attachmentId)
        #expect(Set(ids).count == 2)
    }

    /// The settings print without the database's password.
    @Test func theSettingsNeverShowThePassword() {
        let settings = NodeConfiguration.ExchangeDatabaseSettings(url: "postgres://vendor:s3cret@db.agency/exchange")
        #expect(!"\(settings)".contains("s3cret") && "\(settings)".contains("***"))
        #expect(!String(reflecting: settings).contains("s3cret"))
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains("s3cret"))
    }
}
