public import Foundation
import Synchronization
import XietongProcess

/// Signs a PDF with an organisation's key and seal certificate from the platform PKI (issue 26, SZ-2): a CMS
/// signature (`adbe.pkcs7.detached`, SHA-256) over the whole file, in a printed signature field, as PAdES readers and
/// Debian's `pdfsig` verify it.
///
/// The signing is PoDoFo's (0.9.8 in Debian 12), through its own `podofosign` tool (package libpodofo-utils), which
/// computes the byte ranges and writes OpenSSL's CMS signature into the reserved space. PoDoFo is C++ with no C API, and
/// Debian's poppler (22.12) has no signing API, so the platform runs PoDoFo's maintained tool rather than hand-rolling
/// a PDF signer.
public struct DocumentSigner: Sendable {
    /// The organisation's private key (PEM) and its seal certificate (PEM): `xietong pki issue` writes both.
    public var key: URL
    public var certificate: URL
    public var tool: URL

    public init(key: URL, certificate: URL, tool: URL? = nil) throws(DocumentError) {
        self.key = key
        self.certificate = certificate
        guard let tool = tool ?? Tools.find("podofosign") else {
            throw DocumentError(
                .toolMissing,
                zh: "未安装签章工具 podofosign（Debian 软件包 libpodofo-utils）",
                en: "the signing tool podofosign is not installed (Debian package libpodofo-utils)"
            )
        }
        self.tool = tool
        for file in [key, certificate] where !FileManager.default.isReadableFile(atPath: file.path) {
            throw DocumentError(
                .noSealKey,
                zh: "找不到签章密钥或签章证书：\(file.path)（由 xietong pki issue 签发）",
                en: "no seal key or seal certificate at \(file.path) (xietong pki issue makes them)"
            )
        }
    }

    /// The seal certificate beside an organisation's TLS certificate (`ORG.crt` → `ORG.seal.crt`).
    public static func sealCertificate(besides certificate: URL) -> URL {
        let name = certificate.lastPathComponent
        let stem = name.hasSuffix(".crt") ? String(name.dropLast(4)) : name
        return certificate.deletingLastPathComponent().appendingPathComponent(stem + ".seal.crt")
    }

    /// Signs the PDF at `input` into `output` (a new file; nothing is left there on failure).
    public func sign(_ input: URL, into output: URL, reason: String) throws(DocumentError) {
        let result = Tools.run(
            self.tool,
            [
                "-in", input.path, "-out", output.path, "-cert", self.certificate.path, "-pkey", self.key.path, "-digest", "SHA256",
                // The CMS signature with its certificate and the CA's is some 1.5 KB; room for chains to come.
                "-sigsize", "8192", "-reason", reason, "-field-name", "XietongSeal", "-annot-position", "1,0,0,0,0",
            ]
        )
        guard result.status == 0, FileManager.default.fileExists(atPath: output.path) else {
            try? FileManager.default.removeItem(at: output)
            throw DocumentError(
                .sign,
                zh: "签章失败：\(result.output.suffix(300))",
                en: "signing failed: \(result.output.suffix(300))"
            )
        }
    }
}

/// A temporary folder of this user's only: pages without their watermark and unsigned documents pass through it.
public enum DocumentFolder {
    public static func make(_ folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

/// The platform's external tools: found on the PATH, run to the end with their output collected.
enum Tools {
    static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":").map(String.init) + ["/usr/bin"] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// How long one run of a tool may take: a page, a certificate or a seal check takes well under a second; a file
    /// that makes a tool spin (a hostile PDF) is stopped rather than holding a request and a thread for ever.
    static let timeout: TimeInterval = 60
    /// The timeouts' own queue: a serial queue has a thread of its own, so a stop is never queued behind document work
    /// waiting for tools.
    static let timers = DispatchQueue(label: "xietong.documents.timeouts")

    /// Runs the tool to its end, its output and errors collected; stopped (SIGTERM, then SIGKILL two seconds later)
    /// once it has run `timeout` seconds, with status -1 and the output saying so. Started and waited for with
    /// posix_spawn and waitpid (`ChildProcess`): Foundation's `Process` can miss a child's exit under load, and its
    /// `waitUntilExit` then never returns.
    static func run(
        _ tool: URL,
        _ arguments: [String],
        in directory: URL? = nil,
        environment: [String: String]? = nil,
        timeout: TimeInterval = Self.timeout
    ) -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-tool-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(tool.path, arguments, environment: environment, directory: directory?.path, stdout: output.path)
        } catch {
            return (-1, "\(error)")
        }
        let stopped = Mutex(false)
        let stop = DispatchWorkItem {
            guard child.isRunning else { return }
            stopped.withLock { $0 = true }
            child.signal(SIGTERM)
            Self.timers.asyncAfter(deadline: .now() + 2) { if child.isRunning { child.signal(SIGKILL) } }
        }
        Self.timers.asyncAfter(deadline: .now() + timeout, execute: stop)
        let status = child.wait()
        stop.cancel()
        if stopped.withLock({ $0 }) {
            return (-1, "\(tool.lastPathComponent) stopped after \(String(format: "%g", timeout)) s")
        }
        return (status, String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self))
    }
}
