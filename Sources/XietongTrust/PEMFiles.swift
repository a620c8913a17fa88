public import Foundation
import SwiftASN1
public import X509
import XietongCore

/// Reading certificates and keys from PEM files, and naming what is in them.
public enum PEMFiles {
    public static func certificate(_ url: URL) throws(TrustError) -> Certificate {
        do {
            return try Certificate(pemEncoded: String(contentsOf: url, encoding: .utf8))
        } catch {
            throw TrustError(.io, zh: "无法读取证书 \(url.path)", en: "cannot read the certificate \(url.path): \(error)")
        }
    }

    /// The serial number in lower-case hex.
    public static func serial(_ certificate: Certificate) -> String {
        Hex.string(Array(certificate.serialNumber.bytes))
    }

    /// The subject's common name: for the platform's certificates, the organisation code.
    public static func commonName(_ certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}
