import Foundation
import Testing
import XietongCore
import XietongHub
import XietongNode
import XietongTesting

/// `blobDirectIO` (file) and `XIETONG_BLOB_DIRECT_IO` (environment) turn direct I/O for attachments off or on, for the
/// hub and for nodes; a value that is not a yes or no stops the service with its name.
@Suite struct BlobSettingsTests {
    @Test func directIOIsOnUnlessTheFileOrTheEnvironmentTurnsItOff() throws {
        let directory = try TemporaryDirectory()
        let hubFile = directory.file("hub.json")
        try Data(#"{"format":"xietong.hub/1","blobDirectIO":false}"#.utf8).write(to: hubFile)
        let nodeFile = directory.file("node.json")
        try Data(
            #"{"format":"xietong.node/1","organisation":"330106000101","hub":{"url":"http://127.0.0.1:1","token":"t"},"openAccess":true,"blobDirectIO":false}"#
                .utf8
        ).write(to: nodeFile)

        #expect(try HubConfiguration.load(file: nil, environment: [:]).blobDirectIO)
        #expect(try !HubConfiguration.load(file: hubFile.path, environment: [:]).blobDirectIO)
        #expect(try HubConfiguration.load(file: hubFile.path, environment: ["XIETONG_BLOB_DIRECT_IO": "on"]).blobDirectIO)
        #expect(try !NodeConfiguration.load(file: nodeFile.path, environment: [:]).blobDirectIO)
        #expect(try NodeConfiguration.load(file: nodeFile.path, environment: ["XIETONG_BLOB_DIRECT_IO": "TRUE"]).blobDirectIO)

        #expect(throws: ConfigurationError.self) { _ = try HubConfiguration.load(file: nil, environment: ["XIETONG_BLOB_DIRECT_IO": "maybe"]) }
        do {
            _ = try NodeConfiguration.load(file: nodeFile.path, environment: ["XIETONG_BLOB_DIRECT_IO": "maybe"])
            Issue.record("'maybe' was taken")
        } catch {
            #expect(error.code == .invalidValue && error.path == "XIETONG_BLOB_DIRECT_IO")
            #expect(error.message.zh.contains("maybe") && error.message.en.contains("true or false"))
        }
    }
}
