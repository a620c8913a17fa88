public import Foundation

/// Shows a dossier's pages to a reader without handing over the file (issue 26, online file reading): poppler's
/// `pdftoppm` rasterises the page, libHaru lays the reader's watermark over the image, and `pdftoppm` rasterises that
/// again, so the PNG the browser gets has the watermark in its pixels. `pdfinfo` counts the pages.
public struct PageRenderer: Sendable {
    let pdftoppm: URL
    let pdfinfo: URL
    /// The resolution pages are shown at.
    public var dpi = 100

    public init() throws(DocumentError) {
        guard let pdftoppm = Tools.find("pdftoppm"), let pdfinfo = Tools.find("pdfinfo") else {
            throw DocumentError(
                .toolMissing,
                zh: "未安装 pdftoppm 或 pdfinfo（Debian 软件包 poppler-utils）",
                en: "pdftoppm or pdfinfo is not installed (Debian package poppler-utils)"
            )
        }
        self.pdftoppm = pdftoppm
        self.pdfinfo = pdfinfo
    }

    /// The number of pages of the PDF at `file`.
    public func pageCount(_ file: URL) throws(DocumentError) -> Int {
        let result = Tools.run(self.pdfinfo, [file.path])
        guard result.status == 0,
            let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("Pages:") }),
            let count = Int(line.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces))
        else {
            throw DocumentError(.verify, zh: "无法读取文件的页数", en: "cannot read the file's page count")
        }
        return count
    }

    /// Page `number` (from 1) of the PDF at `file` as PNG, with `watermark` across it.
    public func page(_ number: Int, of file: URL, watermark: String) throws(DocumentError) -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xietong-page-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try DocumentFolder.make(folder)
        } catch {
            throw DocumentError(.write, zh: "无法建立临时文件夹：\(error)", en: "cannot make a temporary folder: \(error)")
        }
        let plain = folder.appendingPathComponent("plain")
        let dpi = try self.resolution(file, page: number)
        try self.rasterise(file, page: number, dpi: dpi, into: plain)
        let writer = try PDFWriter()
        let image = plain.appendingPathExtension("png")
        let size = try Self.pngSize(image)
        let (width, height) = (Float(size.width) * 72 / Float(dpi), Float(size.height) * 72 / Float(dpi))
        try writer.newPage(width: width, height: height)
        try writer.fullPageImage(image)
        // The watermark across the page, every 120 points down and 320 across, at 30 degrees.
        let angle = Float.pi / 6
        var y: Float = -height
        while y < height * 1.2 {
            for x in stride(from: Float(0), to: width, by: 320) {
                try writer.turnedText(watermark, x: x, y: y, size: 16, angle: angle, opacity: 0.28)
            }
            y += 120
        }
        let marked = folder.appendingPathComponent("marked.pdf")
        try writer.save(to: marked)
        let output = folder.appendingPathComponent("out")
        try self.rasterise(marked, page: 1, dpi: dpi, into: output)
        guard let data = FileManager.default.contents(atPath: output.appendingPathExtension("png").path) else {
            throw DocumentError(.write, zh: "无法生成页面图像", en: "cannot make the page image")
        }
        return Array(data)
    }

    func rasterise(_ file: URL, page: Int, dpi: Int, into prefix: URL) throws(DocumentError) {
        let result = Tools.run(
            self.pdftoppm,
            ["-f", String(page), "-l", String(page), "-r", String(dpi), "-png", "-singlefile", file.path, prefix.path]
        )
        guard result.status == 0, FileManager.default.fileExists(atPath: prefix.appendingPathExtension("png").path) else {
            throw DocumentError(
                .write,
                zh: "无法显示第 \(page) 页：\(result.output.prefix(200))",
                en: "cannot show page \(page): \(result.output.prefix(200))"
            )
        }
    }

    /// The resolution page `number` is shown at: `dpi`, lower for a page so large that its image would pass 2,000
    /// pixels a side (a page may say it is any size).
    func resolution(_ file: URL, page number: Int) throws(DocumentError) -> Int {
        let result = Tools.run(self.pdfinfo, ["-f", String(number), "-l", String(number), file.path])
        guard result.status == 0,
            let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("Page") && $0.contains("size:") }),
            let sizes = line.split(separator: ":").last?.split(separator: " ").compactMap({ Double($0) }), sizes.count >= 2
        else {
            throw DocumentError(.verify, zh: "无法读取第 \(number) 页的尺寸", en: "cannot read the size of page \(number)")
        }
        let longest = max(sizes[0], sizes[1], 1)
        return max(1, min(self.dpi, Int(2000 * 72 / longest)))
    }

    /// A PNG's width and height, from its IHDR chunk.
    static func pngSize(_ file: URL) throws(DocumentError) -> (width: Int, height: Int) {
        guard let data = FileManager.default.contents(atPath: file.path), data.count > 24 else {
            throw DocumentError(.write, zh: "页面图像不完整", en: "the page image is incomplete")
        }
        let bytes = Array(data.prefix(24))
        func be32(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }
}
