import Foundation
import XietongCore
public import XietongStore

extension HubStore.Accepted {
    /// A package as the hub's intake hands it to the store, from bytes that pass the quality checks (attachments are
    /// not looked for); nil when they do not.
    public static func checked(_ bytes: [UInt8], unifiedCaseCode: String? = nil) -> HubStore.Accepted? {
        guard let package = Fixtures.check(bytes: bytes, attachments: false).package else { return nil }
        return HubStore.Accepted(
            package: package,
            content: bytes,
            contentSHA256: ContentHash.sha256(bytes),
            unifiedCaseCode: unifiedCaseCode ?? package.envelope.unifiedCaseCode ?? "",
            codeAssigned: false,
            warnings: []
        )
    }
}
