import ArgumentParser
import Foundation
import XietongCore
import XietongTrust

/// `xietong pki …`: the platform's certificate authority (issue 6).
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "The platform CA: create it, issue an organisation's certificate, revoke one, list them.",
        subcommands: [Init.self, Issue.self, Revoke.self, List.self]
    )

    struct Directory: ParsableArguments {
        @Option(name: .long, help: "The CA's directory (default: ./pki).")
        var dir = "pki"

        var url: URL { URL(fileURLWithPath: self.dir) }
    }

    static func fail(_ error: TrustError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.code.rawValue): \(error.message.zh) / \(error.message.en)\n".utf8))
        return ExitCode(2)
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the platform CA (ca.key, ca.crt, revoked.json).")
        @OptionGroup var directory: Directory
        @Option(name: .long, help: "Years the CA certificate is valid.") var years = 10
        @Option(
            name: .long,
            help: "The platform's name in the CA certificate (the committee running it); distinct platforms' CAs must differ (default: a random id)."
        )
        var platform: String?

        func run() throws {
            do {
                let authority = try CertificateAuthority.create(in: self.directory.url, validYears: self.years, platform: self.platform)
                print("根证书已创建 CA created: \(authority.directory.path)/ca.crt (serial \(PEMFiles.serial(authority.certificate)))")
                print("keep ca.key offline; give ca.crt and revoked.json to the hub and every node")
            } catch { throw PKICommand.fail(error) }
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue an organisation's certificate and key (for its node, or the hub).")
        @OptionGroup var directory: Directory
        @Option(name: .long, help: "The organisation's 12-digit code (the certificate's common name).") var org: String
        @Option(name: .long, help: "Host names or IP addresses it serves on (repeatable).") var host: [String] = ["localhost", "127.0.0.1"]
        @Option(name: .long, help: "Days the certificate is valid (1 to 3650).") var days = 365
        @OptionGroup var data: DataOptions

        func run() throws {
            // An already expired certificate, or one for an organisation the platform does not know, is refused
            // (issue 19): both used to be issued without a word.
            guard (1...3650).contains(self.days) else {
                exitForConfiguration(
                    ConfigurationError(
                        .invalidValue,
                        path: "--days",
                        zh: "有效天数应为 1–3650：\(self.days)",
                        en: "the days a certificate is valid must be 1 to 3650: \(self.days)"
                    )
                )
            }
            let registry: OrganisationRegistry
            do throws(ConfigurationError) {
                registry = try self.data.loadRegistry().0
            } catch {
                exitForConfiguration(error)
            }
            guard registry[self.org] != nil else {
                exitForConfiguration(
                    ConfigurationError(
                        .unknownReference,
                        path: "--org",
                        zh: "机构 \(self.org) 不在机构登记表中（--registry 或 XIETONG_REGISTRY）",
                        en: "the organisation \(self.org) is not in the organisation registry (--registry or XIETONG_REGISTRY)"
                    )
                )
            }
            do {
                let authority = try CertificateAuthority.open(self.directory.url)
                let issued = try authority.issue(organisation: self.org, hostNames: self.host, validDays: self.days)
                let files = TLSFiles.issued(by: self.directory.url, to: self.org)
                print("证书已签发 issued: \(files.certificate) and \(files.key) (serial \(issued.serial), valid until \(issued.notValidAfter))")
                print("\"tls\": \(String(decoding: try CanonicalJSON.encode(files), as: UTF8.self))")
            } catch let error as TrustError { throw PKICommand.fail(error) }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a certificate by serial, or every certificate of an organisation.")
        @OptionGroup var directory: Directory
        @Option(name: .long, help: "The serial number (hex), as `xietong pki list` shows it.") var serial: String?
        @Option(name: .long, help: "Revoke every certificate of this organisation.") var org: String?
        @Option(name: .long, help: "Why (kept in the list).") var reason = "revoked by the administrator"

        func validate() throws {
            guard (self.serial == nil) != (self.org == nil) else { throw ValidationError("give exactly one of --serial and --org") }
        }

        func run() throws {
            do {
                let serials = try CertificateAuthority.open(self.directory.url).revoke(
                    serial: self.serial,
                    organisation: self.org,
                    reason: self.reason
                )
                print("已吊销 revoked: \(serials.joined(separator: ", ")); give the new revoked.json to the hub and the nodes")
            } catch { throw PKICommand.fail(error) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issued certificates and whether they are revoked.")
        @OptionGroup var directory: Directory

        func run() throws {
            do {
                let authority = try CertificateAuthority.open(self.directory.url)
                let revoked = try TrustStore(
                    authority: authority.certificate,
                    revocationFile: self.directory.url.appendingPathComponent("revoked.json")
                )
                .revokedSerials()
                for issued in try authority.issued() {
                    let state = revoked.contains(issued.serial) ? "已吊销 revoked" : "有效 valid"
                    print("\(issued.organisation)  \(issued.serial)  until \(issued.notValidAfter)  \(state)")
                }
            } catch { throw PKICommand.fail(error) }
        }
    }
}
