import Crypto
public import Foundation
public import XietongCore

/// How many witnesses must have countersigned a hub's tree head before a node or a peer hub keeps it (issue 23,
/// SZ-3): the configuration's `witnesses` section.
public struct WitnessRequirement: Sendable, Codable, Hashable {
    /// How many distinct witnesses, of those listed.
    public var required: Int
    /// Each witness's public key, a PEM file (`xietong witness` writes its own as `witness-key.pub`).
    public var publicKeys: [String]

    public init(required: Int, publicKeys: [String]) {
        self.required = required
        self.publicKeys = publicKeys
    }
}

extension WitnessRequirement {
    /// At least one witness required, at most as many as listed, each key file readable: named by `path` otherwise.
    public func check(file: String?, path: String) throws(ConfigurationError) {
        guard (1...max(1, self.publicKeys.count)).contains(self.required), !self.publicKeys.isEmpty else {
            throw ConfigurationError(
                .invalidValue,
                file: file,
                path: "\(path).required",
                zh: "要求的见证方数应在 1 到所列公钥数之间",
                en: "the witnesses required must be between 1 and the number of public keys listed"
            )
        }
        for (index, key) in self.publicKeys.enumerated() where !FileManager.default.isReadableFile(atPath: key) {
            throw ConfigurationError(.missingFile, file: file, path: "\(path).publicKeys[\(index)]", zh: "文件不存在：\(key)", en: "no such file: \(key)")
        }
    }
}

/// Which head to check when witnesses are required (issue 23): not the head that arrived, which no witness may have
/// seen yet, but the newest one the hub holds countersignatures for; nil while there is none newer than `kept`.
extension WitnessPolicy {
    public func headToCheck<Failure: Error>(
        after kept: Evidence.TreeHead?,
        cosigned: () async throws(Failure) -> Evidence.TreeHead?
    ) async throws(Failure) -> Evidence.TreeHead? {
        guard let head = try await cosigned(), head.treeSize > (kept?.treeSize ?? 0) else { return nil }
        return head
    }
}

/// The witnesses a node or a peer hub accepts, loaded from a `WitnessRequirement`, and the check of a head's
/// countersignatures against them.
public struct WitnessPolicy: Sendable {
    public let required: Int
    /// The accepted keys' raw bytes.
    let keys: Set<Data>

    public init(_ requirement: WitnessRequirement) throws(TrustError) {
        var keys: Set<Data> = []
        for file in requirement.publicKeys {
            do {
                keys.insert(try P256.Signing.PublicKey(pemRepresentation: String(contentsOfFile: file, encoding: .utf8)).rawRepresentation)
            } catch {
                throw TrustError(.io, zh: "无法读取见证方公钥 \(file)", en: "cannot read the witness's public key \(file): \(error)")
            }
        }
        self.required = requirement.required
        self.keys = keys
    }

    /// The accepted witnesses (by key) whose countersignature of `head` verifies.
    public func witnesses(of head: Evidence.TreeHead) -> Set<Data> {
        var found: Set<Data> = []
        for cosignature in head.cosignatures ?? [] {
            guard let key = try? P256.Signing.PublicKey(pemRepresentation: cosignature.publicKey), self.keys.contains(key.rawRepresentation),
                cosignature.verifies(head)
            else { continue }
            found.insert(key.rawRepresentation)
        }
        return found
    }

    /// Whether enough accepted witnesses countersigned `head`; else why not.
    public func problem(_ head: Evidence.TreeHead) -> LocalizedText? {
        let count = self.witnesses(of: head).count
        guard count < self.required else { return nil }
        return LocalizedText(
            zh: "树头（\(head.treeSize) 条）只有 \(count) 个见证方副署，要求 \(self.required) 个",
            en: "the tree head (size \(head.treeSize)) is countersigned by \(count) accepted witnesses; \(self.required) are required"
        )
    }
}

extension Evidence.Cosignature {
    /// Whether the signature is its key's over `head` (who the key belongs to is the relying party's to judge).
    public func verifies(_ head: Evidence.TreeHead) -> Bool {
        guard let key = try? P256.Signing.PublicKey(pemRepresentation: self.publicKey), let der = Data(base64Encoded: self.signature),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { return false }
        return key.isValidSignature(signature, for: Self.signedBytes(of: head, by: self.witness))
    }
}

extension HubSigner {
    /// A witness's countersignature of `head`, by this key (a witness keeps its key as a hub keeps its evidence key).
    public func cosign(_ head: Evidence.TreeHead, as witness: String, at instant: String) throws(TrustError) -> Evidence.Cosignature {
        guard let publicKey = self.publicKeyPEM else {
            throw TrustError(.io, zh: "见证方须使用自己的见证密钥", en: "a witness signs with its own witness key")
        }
        return Evidence.Cosignature(
            witness: witness,
            signature: try self.signature(for: Evidence.Cosignature.signedBytes(of: head, by: witness)),
            publicKey: publicKey,
            at: instant
        )
    }

    /// The public key (PEM) of an evidence or witness key; nil for a certificate's key.
    public var publicKey: String? { self.publicKeyPEM }
}
