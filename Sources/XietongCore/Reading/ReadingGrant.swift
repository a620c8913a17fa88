public import Foundation

/// Online file reading (网上阅卷, issue 26, GUI-2; ZJ-6.1.8 通知阅卷, ZJ-6.3.2 在线调卷): an agency lets another agency's
/// officer or a named defence lawyer read a case's dossier for a time. The reader sees the pages in the browser,
/// each with the reader's name and the time burned in; the originals only when the grant allows it. Every page view is
/// logged; the grant can be revoked and it expires. Core decides what a grant is and whether it holds.
public enum Reading {
    public enum ProblemCode: String, Sendable {
        /// A field missing or malformed.
        case invalid = "reading.invalid"
        /// The grant is revoked or past its time.
        case closed = "reading.closed"
    }

    public typealias Problem = Refusal<ProblemCode>

    /// The longest a grant may run, in days.
    public static let longestDays = 90
}

/// Who is let read.
public struct Reader: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// A defence lawyer, named with the licence number (执业证号).
        case lawyer
        /// An officer of another agency.
        case agency
    }

    public var kind: Kind
    public var name: String
    /// The lawyer's licence number, or the officer's organisation code.
    public var licence: String?
    public var organisation: String?

    public init(kind: Kind, name: String, licence: String? = nil, organisation: String? = nil) {
        self.kind = kind
        self.name = name
        self.licence = licence
        self.organisation = organisation
    }
}

/// What a business system asks for: read the files of one package (the case's dossier as this agency holds it).
public struct ReadingGrantRequest: Sendable, Codable, Hashable {
    public var packageId: String
    public var reader: Reader
    /// Days from now the grant runs (1 to `Reading.longestDays`).
    public var days: Int
    /// Whether the reader may also download the original files.
    public var allowDownload: Bool?

    public init(packageId: String, reader: Reader, days: Int, allowDownload: Bool? = nil) {
        self.packageId = packageId
        self.reader = reader
        self.days = days
        self.allowDownload = allowDownload
    }

    /// Checks the request; the first problem otherwise.
    public func checked() throws(Reading.Problem) -> ReadingGrantRequest {
        func invalid(_ field: String, zh: String, en: String) -> Reading.Problem { Reading.Problem(.invalid, field, zh: zh, en: en) }
        guard !self.packageId.isEmpty, self.packageId.count <= 64 else {
            throw invalid("packageId", zh: "应给出卷宗所在的数据包", en: "packageId must name the package holding the dossier")
        }
        guard !self.reader.name.trimmingCharacters(in: .whitespaces).isEmpty, self.reader.name.count <= 50 else {
            throw invalid("reader.name", zh: "阅卷人姓名不能为空，且不超过 50 个字", en: "the reader's name is 1 to 50 characters")
        }
        for (field, value) in [("reader.licence", self.reader.licence), ("reader.organisation", self.reader.organisation)]
        where (value?.count ?? 0) > 40 {
            throw invalid(field, zh: "\(field) 不超过 40 个字", en: "\(field) has at most 40 characters")
        }
        if self.reader.kind == .lawyer, (self.reader.licence ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw invalid("reader.licence", zh: "律师阅卷须给出执业证号", en: "a lawyer is named with the licence number")
        }
        if self.reader.kind == .agency, (self.reader.organisation ?? "").count != 12 {
            throw invalid("reader.organisation", zh: "机关阅卷须给出阅卷机关的 12 位机构代码", en: "an agency's reader is named with the agency's 12-character code")
        }
        guard (1...Reading.longestDays).contains(self.days) else {
            throw invalid("days", zh: "阅卷期限应为 1 至 \(Reading.longestDays) 日", en: "days must be between 1 and \(Reading.longestDays)")
        }
        return self
    }
}

/// A grant as the granting node keeps it.
public struct ReadingGrant: Sendable, Codable, Hashable {
    public enum State: String, Sendable, Codable {
        case active, expired, revoked

        public var name: LocalizedText {
            switch self {
            case .active: LocalizedText(zh: "有效", en: "active")
            case .expired: LocalizedText(zh: "已到期", en: "expired")
            case .revoked: LocalizedText(zh: "已撤销", en: "revoked")
            }
        }
    }

    public var grantId: String
    public var packageId: String
    public var reader: Reader
    public var allowDownload: Bool
    public var grantedBy: String
    public var grantedAt: String
    public var expiresAt: String
    public var revokedAt: String?

    public init(
        grantId: String,
        packageId: String,
        reader: Reader,
        allowDownload: Bool,
        grantedBy: String,
        grantedAt: String,
        expiresAt: String,
        revokedAt: String? = nil
    ) {
        self.grantId = grantId
        self.packageId = packageId
        self.reader = reader
        self.allowDownload = allowDownload
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// The grant a checked request makes at `now`, by `organisation`.
    public static func make(_ request: ReadingGrantRequest, id: String, by organisation: String, now: Date) -> ReadingGrant {
        ReadingGrant(
            grantId: id,
            packageId: request.packageId,
            reader: request.reader,
            allowDownload: request.allowDownload ?? false,
            grantedBy: organisation,
            grantedAt: Timestamp.string(now),
            expiresAt: Timestamp.string(now.addingTimeInterval(Double(request.days) * 86400))
        )
    }

    public func state(at now: Date) -> State {
        if self.revokedAt != nil { return .revoked }
        return Timestamp.string(now) < self.expiresAt ? .active : .expired
    }

    /// Refuses a grant that no longer holds, saying why.
    public func open(at now: Date) throws(Reading.Problem) {
        switch self.state(at: now) {
        case .active: return
        case .revoked: throw Reading.Problem(.closed, "grant", zh: "阅卷授权已撤销", en: "the reading grant was revoked")
        case .expired:
            let at = Timestamp.date(self.expiresAt).map { ChinaMinute(of: $0) }.map { "\($0.day.iso) \($0.clock) UTC+8" } ?? self.expiresAt
            throw Reading.Problem(.closed, "grant", zh: "阅卷授权已于 \(at) 到期", en: "the reading grant expired at \(at)")
        }
    }

    /// What is burned into every page the reader sees: who, as what, for which case, and when (China time).
    public func watermark(at now: Date) -> String {
        let minute = ChinaMinute(of: now)
        let who =
            self.reader.kind == .lawyer
            ? "律师 \(self.reader.name) \(self.reader.licence ?? "")" : "\(self.reader.name) \(self.reader.organisation ?? "")"
        return "\(who) 阅卷专用 \(minute.day.iso) \(minute.clock) UTC+8"
    }
}
