/// The code of a dossier volume, file or page, coded against its case (ZJ-7.1.1: "根据卷、文件文书和页码信息…赋码").
///
/// Format: the 32-digit unified case code, then `-VVV` (volume 1–999), `-FFF` (file within the volume, 1–999)
/// and `-PPPP` (page within the file, 1–9999), for example `20261120136633010000000100000001-001-002-0015`.
/// A volume code stops after the volume, a file code after the file.
public struct DossierCode: Sendable, Hashable, CustomStringConvertible {
    public let caseCode: UnifiedCaseCode
    public let volume: Int
    public let file: Int?
    public let page: Int?

    public init(caseCode: UnifiedCaseCode, volume: Int, file: Int? = nil, page: Int? = nil) throws(CodeError) {
        guard (1...999).contains(volume) else {
            throw CodeError(.dossierPart, value: String(volume), zh: "卷号应在 1 至 999 之间", en: "the volume must be between 1 and 999")
        }
        if let file, !(1...999).contains(file) {
            throw CodeError(.dossierPart, value: String(file), zh: "文件号应在 1 至 999 之间", en: "the file number must be between 1 and 999")
        }
        if let page {
            guard file != nil else {
                throw CodeError(.dossierPart, value: String(page), zh: "页码必须属于某一文件", en: "a page must belong to a file")
            }
            guard (1...9999).contains(page) else {
                throw CodeError(.dossierPart, value: String(page), zh: "页码应在 1 至 9999 之间", en: "the page must be between 1 and 9999")
            }
        }
        self.caseCode = caseCode
        self.volume = volume
        self.file = file
        self.page = page
    }

    public init(_ text: String) throws(CodeError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (2...4).contains(parts.count) else {
            throw CodeError(.format, value: text, zh: "卷宗编码格式应为 统一赋码-卷-文件-页", en: "a dossier code is CASECODE-VVV[-FFF[-PPPP]]")
        }
        let caseCode = try UnifiedCaseCode(String(parts[0]))
        let widths = [3, 3, 4]
        var numbers: [Int] = []
        for (index, part) in parts.dropFirst().enumerated() {
            guard part.count == widths[index], part.allSatisfy(\.isASCIIDigit), let number = Int(part) else {
                throw CodeError(
                    .dossierPart,
                    value: text,
                    zh: "卷宗编码的第 \(index + 2) 段应为 \(widths[index]) 位数字",
                    en: "part \(index + 2) must be \(widths[index]) digits"
                )
            }
            numbers.append(number)
        }
        try self.init(caseCode: caseCode, volume: numbers[0], file: numbers.count > 1 ? numbers[1] : nil, page: numbers.count > 2 ? numbers[2] : nil)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: width - text.count) + text
    }

    public var description: String {
        var text = "\(self.caseCode.rawValue)-\(Self.pad(self.volume, 3))"
        if let file { text += "-\(Self.pad(file, 3))" }
        if let page { text += "-\(Self.pad(page, 4))" }
        return text
    }
}
