public import Foundation
import SwiftASN1
@_spi(CMS) public import X509
public import XietongCore

/// What a signature in a PDF says, as Debian's `pdfsig` (poppler) reads it against the platform CA: who signed, when,
/// whether the bytes are the ones signed, and whether the signer's certificate chains to a trusted CA.
public struct SealCheck: Sendable, Hashable, Codable {
    public var field: String
    /// The signer's certificate's common name: the organisation's code.
    public var signer: String
    public var signerName: String?
    /// When it was signed, in China time with its offset ("2026-12-07T17:48:35+08:00"), as the signature says.
    public var signedAt: String
    /// The signature matches the bytes it covers.
    public var signatureValid: Bool
    /// The signature covers the whole file: nothing was appended after signing.
    public var wholeDocument: Bool
    /// The signer's certificate chains to the platform CA.
    public var certificateTrusted: Bool
    /// pdfsig's own words for the two checks.
    public var signatureStatus: String
    public var certificateStatus: String
    /// The signer's certificate's serial number (hex, as the CA's lists write it), read from the signature itself.
    public var signerSerial: String? = nil
    /// The CA has revoked the signer's certificate (its revocation list names the serial).
    public var revoked = false

    /// A seal that holds: the bytes are those signed, all of them, by a certificate of the platform that the CA has
    /// not revoked.
    public var valid: Bool { self.signatureValid && self.wholeDocument && self.certificateTrusted && !self.revoked }

    private enum EncodingKeys: String, CodingKey {
        case field, signer, signerName, signedAt, signatureValid, wholeDocument, certificateTrusted, signatureStatus
        case certificateStatus, signerSerial, revoked, valid
    }

    /// The stored fields, and `valid` with them, so that a client reads the verdict rather than working it out (a
    /// client that checked two of the four conditions showed a revoked seal as holding). Decoding ignores `valid`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: EncodingKeys.self)
        try container.encode(self.field, forKey: .field)
        try container.encode(self.signer, forKey: .signer)
        try container.encodeIfPresent(self.signerName, forKey: .signerName)
        try container.encode(self.signedAt, forKey: .signedAt)
        try container.encode(self.signatureValid, forKey: .signatureValid)
        try container.encode(self.wholeDocument, forKey: .wholeDocument)
        try container.encode(self.certificateTrusted, forKey: .certificateTrusted)
        try container.encode(self.signatureStatus, forKey: .signatureStatus)
        try container.encode(self.certificateStatus, forKey: .certificateStatus)
        try container.encodeIfPresent(self.signerSerial, forKey: .signerSerial)
        try container.encode(self.revoked, forKey: .revoked)
        try container.encode(self.valid, forKey: .valid)
    }
}

/// Verifies the seals of PDFs with `pdfsig` against the platform CA's certificates, which it keeps in an NSS database
/// of its own (made with `certutil`, libnss3-tools), as pdfsig reads trust from one.
public final class SealVerifier: Sendable {
    let pdfsig: URL
    let database: URL

    /// `caCertificates`: the platform CA (and any linked platform's) in PEM files.
    public init(caCertificates: [URL], directory: URL) throws(DocumentError) {
        guard let pdfsig = Tools.find("pdfsig"), let certutil = Tools.find("certutil") else {
            throw DocumentError(
                .toolMissing,
                zh: "未安装验章工具 pdfsig 或 certutil（Debian 软件包 poppler-utils、libnss3-tools）",
                en: "pdfsig or certutil is not installed (Debian packages poppler-utils and libnss3-tools)"
            )
        }
        self.pdfsig = pdfsig
        self.database = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DocumentError(.verify, zh: "无法建立验章证书库：\(error)", en: "cannot make the verification database: \(error)")
        }
        var result = Tools.run(certutil, ["-N", "-d", "sql:" + directory.path, "--empty-password"])
        for (index, ca) in caCertificates.enumerated() where result.status == 0 {
            result = Tools.run(certutil, ["-A", "-d", "sql:" + directory.path, "-n", "xietong-ca-\(index)", "-t", "CT,C,C", "-i", ca.path])
        }
        guard result.status == 0 else {
            throw DocumentError(.verify, zh: "无法建立验章证书库：\(result.output)", en: "cannot make the verification database: \(result.output)")
        }
    }

    /// The seals of the PDF at `url`, in the file's order; none when it has no signature. A seal whose signer's
    /// serial is on the revocation list of the CA that issued its certificate (`revoked`: the revoked serials by the
    /// CA's name) is revoked, and so not valid: pdfsig itself checks no revocation list of the platform's.
    public func check(
        _ url: URL,
        registry: OrganisationRegistry? = nil,
        revoked: [DistinguishedName: Set<String>] = [:]
    ) throws(DocumentError) -> [SealCheck] {
        // pdfsig writes the signing time in the zone of its environment: in UTC here (a POSIX zone that needs no
        // tzdata), turned into China time by `parse`, whatever the machine's zone.
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC0"
        let result = Tools.run(self.pdfsig, ["-nssdir", "sql:" + self.database.path, url.path], environment: environment)
        if result.output.contains("does not contain any signatures") { return [] }
        guard result.output.contains("Signature #") else {
            throw DocumentError(
                .verify,
                zh: "无法读取文书的签章：\(result.output.prefix(300))",
                en: "cannot read the document's seals: \(result.output.prefix(300))"
            )
        }
        let signers = try self.signers(url)
        return Self.parseNumbered(result.output).map { number, check in
            var check = check
            check.signerName = registry?[check.signer]?.name.zh
            // pdfsig numbers a report's blocks from 1 and its dumped signatures from 0, both by the field's place,
            // unsigned fields included: block k is signature k - 1.
            let signer = signers[number - 1] ?? nil
            check.signerSerial = signer?.serial
            // A signature whose signer cannot be read from it is not taken as unrevoked.
            check.revoked = signer.map { revoked[$0.issuer]?.contains($0.serial) == true } ?? true
            return check
        }
    }

    /// The signer of each signature (its certificate's issuer and serial, hex as the CA's lists write it), by the
    /// signature's number: pdfsig dumps the signatures (`FILE.sigN`, CMS in DER, padded with zeros to the space the
    /// file reserved for them) and swift-certificates reads them. nil for one it cannot read.
    func signers(_ url: URL) throws(DocumentError) -> [Int: (issuer: DistinguishedName, serial: String)?] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-seals-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DocumentError(.verify, zh: "无法建立临时目录：\(error)", en: "cannot make a temporary folder: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = Tools.run(self.pdfsig, ["-dump", url.path], in: folder)
        guard result.status == 0 else {
            throw DocumentError(
                .verify,
                zh: "无法读取文书的签章：\(result.output.prefix(300))",
                en: "cannot read the document's seals: \(result.output.prefix(300))"
            )
        }
        var signers: [Int: (issuer: DistinguishedName, serial: String)?] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            guard let range = name.range(of: ".sig", options: .backwards), let number = Int(name[range.upperBound...]) else { continue }
            let bytes = try? Data(contentsOf: folder.appendingPathComponent(name))
            signers[number] = bytes.flatMap { Self.signer(ofCMS: Array($0)) }
        }
        return signers
    }

    /// The issuer and serial of the first signer's certificate of a CMS signed-data structure (DER, with any padding
    /// after it).
    static func signer(ofCMS padded: [UInt8]) -> (issuer: DistinguishedName, serial: String)? {
        guard let length = Self.derLength(padded), length <= padded.count,
            let signature = try? CMSSignature(derEncoded: Array(padded.prefix(length))),
            let signer = try? signature.signers.first
        else { return nil }
        return (signer.certificate.issuer, Hex.string(Array(signer.certificate.serialNumber.bytes)))
    }

    /// The length of the DER element at the start of `bytes` (tag, length and content); nil when it is not one.
    static func derLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2, bytes[0] == 0x30 else { return nil }
        let first = Int(bytes[1])
        if first < 0x80 { return 2 + first }
        let octets = first & 0x7F
        guard (1...4).contains(octets), bytes.count >= 2 + octets else { return nil }
        let length = bytes[2..<(2 + octets)].reduce(0) { $0 << 8 | Int($1) }
        return 2 + octets + length
    }

    /// pdfsig's signing time ("Dec 07 2026 09:48:35", written in UTC) in China time with its offset; pdfsig's text
    /// itself when it does not read as that.
    static func chinaTime(fromUTC text: String) -> String {
        let reader = DateFormatter()
        reader.locale = Locale(identifier: "en_US_POSIX")
        reader.timeZone = TimeZone(secondsFromGMT: 0)
        reader.dateFormat = "MMM dd yyyy HH:mm:ss"
        guard let date = reader.date(from: text) else { return text }
        let writer = DateFormatter()
        writer.locale = Locale(identifier: "en_US_POSIX")
        writer.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        writer.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return writer.string(from: date)
    }

    /// pdfsig's report, one `SealCheck` per "Signature #N:" block.
    static func parse(_ report: String) -> [SealCheck] { self.parseNumbered(report).map(\.check) }

    /// pdfsig's report, one `SealCheck` per "Signature #N:" block, with its N. A block whose N is not the next one
    /// (a line of a field's name made to look like pdfsig's own) is reported invalid, as one whose lines repeat.
    static func parseNumbered(_ report: String) -> [(number: Int, check: SealCheck)] {
        var numbered: [(number: Int, check: SealCheck)] = []
        var number = 0
        var checks: [SealCheck] = []
        var current: [String: String] = [:]
        var whole = false
        // A block whose lines repeat (a signature field named with a line break and a line of pdfsig's own, say) is
        // not trusted: it is reported invalid.
        var forged = false
        func finish() {
            guard !current.isEmpty else { return }
            let signature = forged ? "Forged report: repeated or misnumbered lines" : current["Signature Validation"] ?? ""
            let certificate = current["Certificate Validation"] ?? ""
            checks.append(
                SealCheck(
                    field: current["Signature Field Name"] ?? "",
                    signer: current["Signer Certificate Common Name"] ?? "",
                    signerName: nil,
                    signedAt: current["Signing Time"].map(Self.chinaTime(fromUTC:)) ?? "",
                    signatureValid: signature == "Signature is Valid.",
                    wholeDocument: whole && !forged,
                    certificateTrusted: certificate == "Certificate is Trusted.",
                    signatureStatus: signature,
                    certificateStatus: certificate
                )
            )
            current = [:]
            whole = false
            forged = false
        }
        for line in report.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("Signature #") {
                finish()
                if !checks.isEmpty { numbered.append((number, checks.removeLast())) }
                current["#"] = text
                number += 1
                // pdfsig writes "Signature #N:" with N counting from 1.
                if text != "Signature #\(number):" { forged = true }
                continue
            }
            guard text.hasPrefix("- ") else { continue }
            let item = text.dropFirst(2)
            // The last of the two says it: pdfsig prints one after the field's name.
            if item == "Total document signed" || item == "Not total document signed" {
                if current["coverage"] != nil { forged = true }
                current["coverage"] = String(item)
                whole = item == "Total document signed"
            }
            if let colon = item.range(of: ": ") {
                let key = String(item[..<colon.lowerBound])
                if current[key] != nil { forged = true }
                current[key] = String(item[colon.upperBound...])
            }
        }
        finish()
        if !checks.isEmpty { numbered.append((number, checks.removeLast())) }
        return numbered
    }
}
