import Crypto
public import Foundation

/// The quality checks of ZJ-7.1.2.1 (GZ-4, GS-2) in one pass: hardened parsing, normalisation, structure against
/// the package's schema version, code sets, consistency with the catalog and the registry, the attachments
/// manifest against the files, and similar duplicates.
///
/// Senders' nodes run it before a package leaves the agency, the hub runs it again, and `xietong validate` runs
/// it on files.
public struct QualityChecker: Sendable {
    public var catalog: FlowCatalog
    public var registry: OrganisationRegistry
    public var codeSets: CodeSets
    public var schemas: SchemaSet
    public var limits: XMLLimits

    public init(catalog: FlowCatalog, registry: OrganisationRegistry, codeSets: CodeSets, schemas: SchemaSet, limits: XMLLimits = .casePackage) {
        self.catalog = catalog
        self.registry = registry
        self.codeSets = codeSets
        self.schemas = schemas
        self.limits = limits
    }

    /// Checks one package.
    /// - Parameters:
    ///   - attachments: resolves manifest locations to files; nil skips the file comparison.
    ///   - duplicates: the index of packages seen so far; nil skips the duplicate check.
    ///   - now: the current time, for "created in the future" checks; nil skips them.
    public func check(
        _ source: any XMLByteSource,
        attachments: (any AttachmentResolver)? = nil,
        duplicates: inout DuplicateIndex?,
        now: Date? = nil
    ) -> QualityReport {
        let digestSource = DigestingSource(source)
        var document: XMLElement
        do {
            document = try XMLDocumentParser.parse(digestSource.tee, limits: self.limits)
        } catch {
            return QualityReport(findings: [error.finding])
        }
        var report = QualityReport()
        let version = document.attribute("standardVersion") ?? ""
        guard let schema = self.schemas[version] else {
            report.findings.append(
                Finding(
                    .schemaVersion,
                    at: "/\(document.name.local)/@standardVersion",
                    line: document.line,
                    zh: version.isEmpty ? "缺少标准版本 standardVersion" : "不支持的标准版本“\(version)”，支持：\(self.schemas.versions.joined(separator: "、"))",
                    en: version.isEmpty
                        ? "the standardVersion attribute is missing"
                        : "the standard version '\(version)' is not supported; supported: \(self.schemas.versions.joined(separator: ", "))"
                )
            )
            report.document = document
            return report
        }
        report.findings += Normaliser(schema: schema).normalise(&document)
        report.document = document
        let structural = SchemaValidator(schema: schema).validate(document)
        report.findings += structural
        guard !structural.contains(where: { $0.severity == .error }) else { return report }

        let package = CasePackage(validated: document)
        report.package = package
        var context = CheckContext(package: package, checker: self, now: now)
        context.checkCatalogAndRouting()
        context.checkCaseCodes()
        context.checkPersons()
        context.checkReferencesAndDates()
        context.checkAttachments(attachments)
        report.findings += context.findings
        if duplicates != nil {
            report.findings += duplicates!.register(package, contentDigest: digestSource.digest)
        }
        return report
    }

    /// Checks one package without a duplicate index.
    public func check(_ source: any XMLByteSource, attachments: (any AttachmentResolver)? = nil, now: Date? = nil) -> QualityReport {
        var none: DuplicateIndex? = nil
        return self.check(source, attachments: attachments, duplicates: &none, now: now)
    }
}

/// Passes chunks through while hashing them, so that duplicates can tell a resend of the same bytes.
private struct DigestingSource {
    final class State: @unchecked Sendable {
        // Confined to the single parse that owns this source.
        var hasher = SHA256()
    }

    struct Tee: XMLByteSource {
        var inner: any XMLByteSource
        let state: State

        mutating func nextChunk() throws(XMLError) -> [UInt8]? {
            let chunk = try self.inner.nextChunk()
            if let chunk { self.state.hasher.update(data: chunk) }
            return chunk
        }
    }

    let state = State()
    let tee: Tee

    init(_ source: any XMLByteSource) {
        self.tee = Tee(inner: source, state: self.state)
    }

    var digest: String { self.state.hasher.finalize().hex }
}
