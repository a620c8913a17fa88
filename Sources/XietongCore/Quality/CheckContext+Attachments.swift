import Foundation

// The attachments manifest against the files (ZJ-7.1.2.1): present, of the stated size and hash, safely named.
extension CheckContext {
    // MARK: Attachments

    mutating func checkAttachments(_ resolver: (any AttachmentResolver)?) {
        for (index, attachment) in self.package.attachments.enumerated() {
            let path = "/CasePackage/Attachments/Attachment[\(index + 1)]"
            if let problem = Self.unsafeNameProblem(attachment.name) {
                self.add(
                    .attachmentName,
                    "\(path)/Name",
                    zh: "附件名“\(attachment.name)”不安全：\(problem.zh)",
                    en: "the attachment name '\(attachment.name)' is unsafe: \(problem.en)"
                )
            }
            if let problem = Self.unsafeLocationProblem(attachment.location) {
                self.add(.attachmentName, "\(path)/Location", zh: "附件地址不安全：\(problem.zh)", en: "the attachment location is unsafe: \(problem.en)")
                continue
            }
            if attachment.firstPage != nil && attachment.fileNumber == nil || attachment.fileNumber != nil && attachment.volume == nil {
                self.add(.dangling, "\(path)/Volume", zh: "页码需要文件号，文件号需要卷号", en: "a first page needs a file number, and a file number needs a volume")
            }
            guard let resolver else { continue }
            switch resolver.inspect(attachment) {
            case .found(let size, let sha256):
                if size != attachment.size {
                    self.add(
                        .attachmentSize,
                        "\(path)/Size",
                        zh: "附件“\(attachment.name)”实际大小 \(size) 字节，清单写 \(attachment.size) 字节",
                        en: "the attachment '\(attachment.name)' is \(size) bytes, but the manifest says \(attachment.size)"
                    )
                }
                if sha256 != attachment.sha256.lowercased() {
                    self.add(
                        .attachmentHash,
                        "\(path)/SHA256",
                        zh: "附件“\(attachment.name)”的 SHA-256 与清单不符（实际 \(sha256)）",
                        en: "the SHA-256 of the attachment '\(attachment.name)' does not match the manifest (actual \(sha256))"
                    )
                }
            case .missing:
                self.add(
                    .attachmentMissing,
                    "\(path)/Location",
                    zh: "找不到附件“\(attachment.name)”（\(attachment.location)）",
                    en: "the attachment '\(attachment.name)' was not found at \(attachment.location)"
                )
            case .unreadable(let reason):
                self.add(
                    .attachmentUnreadable,
                    "\(path)/Location",
                    zh: "无法读取附件“\(attachment.name)”：\(reason)",
                    en: "cannot read the attachment '\(attachment.name)': \(reason)"
                )
            case .notVerifiable:
                self.add(
                    .attachmentUnverified,
                    "\(path)/Location",
                    .warning,
                    zh: "附件“\(attachment.name)”位于远程地址，本次未核验",
                    en: "the attachment '\(attachment.name)' is at a remote location and was not verified"
                )
            }
        }
    }

    /// A name must be a plain file name: no directories, no parent references, no control characters.
    static func unsafeNameProblem(_ name: String) -> LocalizedText? {
        if name.contains("/") || name.contains("\\") { return LocalizedText(zh: "不能包含路径分隔符", en: "it contains a path separator") }
        if name == "." || name == ".." || name.hasPrefix("..") { return LocalizedText(zh: "不能指向上级目录", en: "it refers to a parent directory") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return LocalizedText(zh: "含有控制字符", en: "it contains control characters")
        }
        return nil
    }

    /// A relative location must stay below the package: no absolute paths and no `..` segments.
    static func unsafeLocationProblem(_ location: String) -> LocalizedText? {
        if location.contains("://") { return nil }
        if location.hasPrefix("/") || location.hasPrefix("\\") || location.contains(":") {
            return LocalizedText(zh: "不能是绝对路径", en: "it must not be an absolute path")
        }
        let segments = location.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if segments.contains(where: { $0 == ".." }) { return LocalizedText(zh: "不能包含“..”", en: "it must not contain '..'") }
        if location.unicodeScalars.contains(where: { $0.value < 0x20 }) { return LocalizedText(zh: "含有控制字符", en: "it contains control characters") }
        return nil
    }
}
