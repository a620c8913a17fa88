import Foundation
import Testing
import XietongCore
import XietongTesting
import XietongTrust

/// A node signs what it sends, and the hub and the receiver check it against the platform CA (issue 6): the trust
/// layer on its own, with a CA made in the test and the moment of each check set by the test.
@Suite struct PackageSignatureTests {
    static let police = "330106000101"
    static let court = "330106000301"
    /// 09:00 China time, 20 November 2026.
    static let now = Timestamp.date("2026-11-20T09:00:00+08:00")!

    /// A CA made at `now`, and the police node's identity issued by it.
    static func platform(in directory: TemporaryDirectory) throws -> (CertificateAuthority, Identity) {
        let pki = directory.url.appendingPathComponent("pki")
        let authority = try CertificateAuthority.create(in: pki, now: Self.now)
        try authority.issue(organisation: Self.police, notBefore: Self.now)
        return (authority, try Identity(TLSFiles.issued(by: pki, to: Self.police)))
    }

    static let content = Array("<CasePackage/>".utf8)
    static let attachments = ["ab" + String(repeating: "0", count: 62)]

    static func verify(
        _ signature: PackageSignature,
        content: [UInt8] = Self.content,
        attachments: [String] = Self.attachments,
        sender: String = Self.police,
        trust: TrustStore,
        at instant: Date = Self.now
    ) async throws {
        _ = try await trust.verifySignature(
            signature.signature,
            over: PackageSignature.signedBytes(packageId: "p-1", contentSHA256: ContentHash.sha256(content), attachmentSHA256s: attachments),
            certificatePEM: signature.certificate,
            organisation: sender,
            at: instant
        )
    }

    static func code(of check: () async throws -> Void) async -> TrustError.Code? {
        do {
            try await check()
            return nil
        } catch let error as TrustError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func aSignedPackageVerifiesForItsSenderOnly() async throws {
        let directory = try TemporaryDirectory()
        let (_, identity) = try Self.platform(in: directory)
        let signature = try PackageSignature.sign(packageId: "p-1", content: Self.content, attachmentSHA256s: Self.attachments, by: identity)
        #expect(signature.signer == Self.police)
        #expect(await Self.code { try await Self.verify(signature, trust: identity.trust) } == nil)
        // Another organisation cannot claim it.
        #expect(await Self.code { try await Self.verify(signature, sender: Self.court, trust: identity.trust) } == .wrongOrganisation)
    }

    @Test func aChangedByteOrAttachmentBreaksTheSignature() async throws {
        let directory = try TemporaryDirectory()
        let (_, identity) = try Self.platform(in: directory)
        let signature = try PackageSignature.sign(packageId: "p-1", content: Self.content, attachmentSHA256s: Self.attachments, by: identity)
        let changed = Array("<CasePackage />".utf8)
        #expect(await Self.code { try await Self.verify(signature, content: changed, trust: identity.trust) } == .badSignature)
        let swapped = ["cd" + String(repeating: "0", count: 62)]
        #expect(await Self.code { try await Self.verify(signature, attachments: swapped, trust: identity.trust) } == .badSignature)
    }

    @Test func aRevokedCertificateIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let (authority, identity) = try Self.platform(in: directory)
        let signature = try PackageSignature.sign(packageId: "p-1", content: Self.content, attachmentSHA256s: Self.attachments, by: identity)
        try authority.revoke(organisation: Self.police, reason: "key compromised", now: Self.now)
        // The trust store reads the list as it is now on disk.
        let files = TLSFiles.issued(by: directory.url.appendingPathComponent("pki"), to: Self.police)
        let trust = try TrustStore(
            caCertificate: URL(fileURLWithPath: files.caCertificate),
            revocationFile: files.revocationList.map { URL(fileURLWithPath: $0) }
        )
        #expect(await Self.code { try await Self.verify(signature, trust: trust) } == .revoked)
    }

    @Test func aCertificateIsRefusedOnceItExpiredAndBeforeItWasValid() async throws {
        let directory = try TemporaryDirectory()
        let (_, identity) = try Self.platform(in: directory)
        let signature = try PackageSignature.sign(packageId: "p-1", content: Self.content, attachmentSHA256s: Self.attachments, by: identity)
        // Issued for 365 days from 20 November 2026: checked on 21 November 2027 it has expired; the day before its
        // start it was not valid yet.
        let later = Self.now.addingTimeInterval(366 * 86400)
        #expect(await Self.code { try await Self.verify(signature, trust: identity.trust, at: later) } == .expired)
        let before = Self.now.addingTimeInterval(-86400)
        #expect(await Self.code { try await Self.verify(signature, trust: identity.trust, at: before) } == .expired)
    }

    @Test func aCertificateOfAnotherCAIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let (_, identity) = try Self.platform(in: directory)
        let other = try TemporaryDirectory()
        let (_, stranger) = try Self.platform(in: other)
        let signature = try PackageSignature.sign(packageId: "p-1", content: Self.content, attachmentSHA256s: Self.attachments, by: stranger)
        #expect(await Self.code { try await Self.verify(signature, trust: identity.trust) } == .unknownIssuer)
    }
}

/// A linked platform's CA (issue 23): trusted by explicit configuration for the organisations its hub serves, and for
/// no one else; its own revocation list counts; any other CA stays unknown.
@Suite struct LinkedPlatformTrustTests {
    static let prison = "330000000501"
    static let provinceHub = "330000000001"

    /// The city's identity, trusting the province's CA for the prison and the province's hub.
    static func city(_ directory: TemporaryDirectory, province: URL) throws -> Identity {
        let (_, _) = try PackageSignatureTests.platform(in: directory)
        var files = TLSFiles.issued(by: directory.url.appendingPathComponent("pki"), to: PackageSignatureTests.police)
        files.platforms = [
            TLSFiles.LinkedPlatform(
                caCertificate: province.appendingPathComponent("ca.crt").path,
                revocationList: province.appendingPathComponent("revoked.json").path,
                organisations: [Self.prison, Self.provinceHub]
            )
        ]
        return try Identity(files)
    }

    @Test func theProvincesCAVouchesForItsOwnOrganisationsOnly() async throws {
        let provinceDirectory = try TemporaryDirectory()
        let province = provinceDirectory.url.appendingPathComponent("pki")
        let authority = try CertificateAuthority.create(in: province, now: PackageSignatureTests.now)
        try authority.issue(organisation: Self.prison, notBefore: PackageSignatureTests.now)
        // The province's CA issuing a certificate in a city agency's name: not for it to vouch for.
        try authority.issue(organisation: PackageSignatureTests.court, notBefore: PackageSignatureTests.now)
        let city = try Self.city(try TemporaryDirectory(), province: province)
        let prison = try Identity(TLSFiles.issued(by: province, to: Self.prison))
        let signed = try PackageSignature.sign(
            packageId: "p-1",
            content: PackageSignatureTests.content,
            attachmentSHA256s: PackageSignatureTests.attachments,
            by: prison
        )
        #expect(await PackageSignatureTests.code { try await PackageSignatureTests.verify(signed, sender: Self.prison, trust: city.trust) } == nil)
        let impostor = try Identity(TLSFiles.issued(by: province, to: PackageSignatureTests.court))
        let forged = try PackageSignature.sign(
            packageId: "p-1",
            content: PackageSignatureTests.content,
            attachmentSHA256s: PackageSignatureTests.attachments,
            by: impostor
        )
        #expect(
            await PackageSignatureTests.code {
                try await PackageSignatureTests.verify(forged, sender: PackageSignatureTests.court, trust: city.trust)
            }
                == .wrongOrganisation
        )
        // Revoked by the province: refused here too.
        try authority.revoke(organisation: Self.prison, reason: "key compromised", now: PackageSignatureTests.now)
        let fresh = try Self.city(try TemporaryDirectory(), province: province)
        #expect(
            await PackageSignatureTests.code { try await PackageSignatureTests.verify(signed, sender: Self.prison, trust: fresh.trust) } == .revoked
        )
        // A third platform, configured nowhere: unknown.
        let (_, stranger) = try PackageSignatureTests.platform(in: try TemporaryDirectory())
        let unknown = try PackageSignature.sign(
            packageId: "p-1",
            content: PackageSignatureTests.content,
            attachmentSHA256s: PackageSignatureTests.attachments,
            by: stranger
        )
        #expect(await PackageSignatureTests.code { try await PackageSignatureTests.verify(unknown, trust: city.trust) } == .unknownIssuer)
    }
}
