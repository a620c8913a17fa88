import Foundation

/// The evidence log's entries and statements (issue 6, SZ-3, GS-7): every hand-over event the hub records is a
/// leaf of an append-only Merkle tree (RFC 9162); the hub signs the tree's head from time to time and sends it to
/// every node, which checks that each new head extends the last one it kept.
public enum Evidence {
    /// The leaf for an event: its JSON with sorted keys and unescaped slashes — the same bytes whenever the event's
    /// stored row is read back, so that anyone can recompute the leaf from the hub's database.
    public static func leaf(_ event: PackageEvent) -> [UInt8] {
        CanonicalJSON.bytes(event)
    }

    /// The detail of a package's `receivedByHub` event: the SHA-256 of the bytes the hub received and keeps.
    public static func contentDetail(sha256: String) -> String { "sha256:" + sha256 }

    /// The SHA-256 a `receivedByHub` event's detail records, if it records one (events before issue 19 do not).
    public static func contentSHA256(of event: PackageEvent) -> String? {
        guard event.hop == .receivedByHub, let detail = event.detail, detail.hasPrefix("sha256:") else { return nil }
        return String(detail.dropFirst(7))
    }

    /// A signed tree head: the log's size and root at a moment, signed by the hub.
    public struct TreeHead: Sendable, Codable, Hashable {
        public var treeSize: Int
        /// Hex SHA-256.
        public var rootHash: String
        public var timestamp: String
        /// The hub's ECDSA P-256 signature (DER, base64) over `signedBytes`.
        public var signature: String
        /// The hub's certificate (PEM), when the platform PKI is in use; otherwise `publicKey`.
        public var certificate: String?
        /// The hub's evidence key (PEM), when it has no certificate.
        public var publicKey: String?
        /// Witnesses' countersignatures of this head (issue 23, SZ-3): present where the hub serves a head witnesses
        /// checked; not part of what the hub signs.
        public var cosignatures: [Cosignature]?
        /// The hub's proof that this log extends the one of its previous signed head, carried with the head in the
        /// feeds (issue 25): a node whose last head is that one checks it without asking the hub, and 500 nodes do
        /// not ask for the same proof every time a head is signed. Not part of what the hub signs; checked like a
        /// fetched proof (`TreeHeadCheck`), and not kept with the head (`withoutConsistency`).
        public var consistency: Consistency?

        public init(treeSize: Int, rootHash: String, timestamp: String, signature: String = "", certificate: String? = nil, publicKey: String? = nil)
        {
            self.treeSize = treeSize
            self.rootHash = rootHash
            self.timestamp = timestamp
            self.signature = signature
            self.certificate = certificate
            self.publicKey = publicKey
        }

        /// What the hub signs.
        public var signedBytes: [UInt8] {
            Array("xietong-tree-head/1\n\(self.treeSize)\n\(self.rootHash)\n\(self.timestamp)".utf8)
        }

        /// The head as it is kept: without the proof it travelled with.
        public var withoutConsistency: TreeHead {
            var head = self
            head.consistency = nil
            return head
        }

        /// The carried proof from a log of `size` leaves to this one, when the head carries that one.
        public func carriedProof(from size: Int) -> [[UInt8]]? {
            guard let consistency = self.consistency, consistency.from == size else { return nil }
            let steps = consistency.proof.compactMap(Hex.bytes)
            return steps.count == consistency.proof.count ? steps : nil
        }
    }

    /// A consistency proof from the log of `from` leaves (hex SHA-256 steps, RFC 6962 §2.1.2).
    public struct Consistency: Sendable, Codable, Hashable {
        public var from: Int
        public var proof: [String]

        public init(from: Int, proof: [String]) {
            self.from = from
            self.proof = proof
        }
    }

    /// A witness's countersignature of a tree head (issue 23, SZ-3 "preserved by an independent party"): the witness
    /// mirrored the hub's log up to the head's size, found that the head's root is the root of what it mirrored and
    /// that the log extends every head it checked before, and signed the head with its own key.
    public struct Cosignature: Sendable, Codable, Hashable {
        /// The witnessing body's name (its organisation code, or the name its operators gave it).
        public var witness: String
        /// ECDSA P-256 (DER, base64) over `Cosignature.signedBytes`.
        public var signature: String
        /// The witness's public key (PEM).
        public var publicKey: String
        public var at: String

        public init(witness: String, signature: String, publicKey: String, at: String) {
            self.witness = witness
            self.signature = signature
            self.publicKey = publicKey
            self.at = at
        }

        /// What a witness signs: its name and the hub's signed statement of the head.
        public static func signedBytes(of head: TreeHead, by witness: String) -> [UInt8] {
            Array("xietong-cosignature/1\n\(witness)\n".utf8) + head.signedBytes
        }
    }

    /// One event of a package with its place in the log and the proof that a tree head includes it.
    public struct Inclusion: Sendable, Codable, Hashable {
        public var leafIndex: Int
        public var event: PackageEvent
        /// Hex hashes, RFC 9162 audit path.
        public var proof: [String]

        public init(leafIndex: Int, event: PackageEvent, proof: [String]) {
            self.leafIndex = leafIndex
            self.event = event
            self.proof = proof
        }
    }

    /// A package's evidence receipt: each of its hand-overs with an inclusion proof against one signed tree head.
    public struct Receipt: Sendable, Codable, Hashable {
        public var packageId: String
        public var treeHead: TreeHead
        public var entries: [Inclusion]

        public init(packageId: String, treeHead: TreeHead, entries: [Inclusion]) {
            self.packageId = packageId
            self.treeHead = treeHead
            self.entries = entries
        }

        /// Whether every entry's proof leads to the tree head's root (the signature is checked separately).
        public var proofsHold: Bool {
            guard let root = Hex.bytes(self.treeHead.rootHash) else { return false }
            return self.entries.allSatisfy { entry in
                let proof = entry.proof.compactMap(Hex.bytes)
                return proof.count == entry.proof.count
                    && MerkleTree.verifyInclusion(
                        leaf: MerkleTree.leafHash(Evidence.leaf(entry.event)),
                        index: entry.leafIndex,
                        size: self.treeHead.treeSize,
                        proof: proof,
                        root: root
                    )
            }
        }
    }
}
