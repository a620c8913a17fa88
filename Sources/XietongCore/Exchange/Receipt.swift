import Foundation

/// The answer to a sent package: accepted (with the unified case code) or refused (with the findings).
/// The same receipt is returned for a resend with the same idempotency key or package id (GZ-7).
public struct Receipt: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case accepted
        case refused
    }

    public var packageId: String
    public var status: Status
    /// The unified case code: the package's own, or the one the hub assigned (ZJ-7.1.1).
    public var unifiedCaseCode: String?
    /// True when the hub assigned the code.
    public var codeAssigned: Bool
    public var receivedAt: String
    /// The findings: errors for a refusal, warnings and normalisations for an acceptance.
    public var findings: [Finding]
    /// Where to follow the package, relative to the component that issued the receipt.
    public var statusURL: String?
    /// The hub's signature (ECDSA P-256, DER, base64) over `signedBytes`, when the platform PKI is in use (issue 6).
    public var hubSignature: String?
    /// On the hub's receipt for an accepted package, the hops the hub recorded (`receivedByHub`, `coded`,
    /// `forwarded`): the sending node records them from here (GZ-5), so they do not travel again in its feed. Signed
    /// with the rest of the receipt; absent on a node's receipt to its business system.
    public var hops: [PackageEvent]?

    /// What the hub signs: the receipt without its signature, as JSON with sorted keys.
    public var signedBytes: [UInt8] {
        var unsigned = self
        unsigned.hubSignature = nil
        return CanonicalJSON.bytes(unsigned)
    }

    public init(
        packageId: String,
        status: Status,
        unifiedCaseCode: String? = nil,
        codeAssigned: Bool = false,
        receivedAt: String = Timestamp.now(),
        findings: [Finding] = [],
        statusURL: String? = nil
    ) {
        self.packageId = packageId
        self.status = status
        self.unifiedCaseCode = unifiedCaseCode
        self.codeAssigned = codeAssigned
        self.receivedAt = receivedAt
        self.findings = findings
        self.statusURL = statusURL
    }
}
