import Foundation
import XietongCore
import XietongLocal

/// Many distinct, valid packages for exchange tests: arrest requests of the police (330106000101) to the
/// procuratorate (330106000201), one case per `caseNumber`, each package with its own PDF.
public enum PackageFactory {
    public struct Made: Sendable {
        public let packageId: String
        public let caseCode: String
        public let xml: [UInt8]
        public let attachment: [UInt8]
        public var sha256: String { ContentHash.sha256(self.xml) }
    }

    static let template = Fixtures.example("arrestApproval.arrestRequest")
    static let templateId = Self.element("PackageId", in: Self.template)
    static let templateCode = Self.element("UnifiedCaseCode", in: Self.template)

    public static func element(_ name: String, in xml: String) -> String {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return "" }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    /// Package `message` of case `caseNumber` (both from 0). With `createdAt`, the creation time is replaced.
    public static func arrestRequest(case caseNumber: Int, message: Int, run: String = "run", createdAt: String? = nil) -> Made {
        let packageId = ExamplePackages.uuid("\(run)-\(caseNumber)-\(message)")
        let sequence = String(1000 + caseNumber)
        let caseCode = "202611201101330106000101" + String(repeating: "0", count: 8 - sequence.count) + sequence
        let pdf = MinimalPDF.make(lines: ["Case \(caseNumber)", "Message \(message)", run])
        let digest = ContentHash.sha256(pdf)
        var xml = self.template
            .replacingOccurrences(of: self.templateId, with: packageId)
            .replacingOccurrences(of: "1101-arrestApproval.arrestRequest-1", with: "\(run)-\(caseNumber)-\(message)")
            .replacingOccurrences(of: self.templateCode, with: caseCode)
            .replacingOccurrences(of: Self.element("AgencyCaseNumber", in: Self.template), with: "杭西公（刑）字〔2026〕\(5000 + caseNumber)号")
        xml = Self.replaceElement("SHA256", in: xml, with: digest)
        xml = Self.replaceElement("Size", in: xml, with: String(pdf.count))
        if let createdAt { xml = Self.replaceElement("CreatedAt", in: xml, with: createdAt) }
        return Made(packageId: packageId, caseCode: caseCode, xml: Array(xml.utf8), attachment: pdf)
    }

    static func replaceElement(_ name: String, in xml: String, with value: String) -> String {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else {
            return xml
        }
        return xml.replacingCharacters(in: start.upperBound..<end.lowerBound, with: value)
    }
}
