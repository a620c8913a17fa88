/// The outcome of checking one package: every finding, and the normalised package when it could be read.
public struct QualityReport: Sendable {
    public var findings: [Finding]
    /// The typed package, once the structure was valid.
    public var package: CasePackage?
    /// The normalised document tree, once it parsed.
    public var document: XMLElement?

    public init(findings: [Finding] = [], package: CasePackage? = nil, document: XMLElement? = nil) {
        self.findings = findings
        self.package = package
        self.document = document
    }

    /// A package is accepted when no finding is an error.
    public var isAccepted: Bool { !self.findings.contains { $0.severity == .error } }
    public var errors: [Finding] { self.findings.filter { $0.severity == .error } }
}
