import CHaru
import Foundation

/// Writes a document as PDF with libHaru (Debian's libhpdf-dev; issue 26, SZ-2/SZ-6): A4 pages, Chinese text in the
/// PDF's standard Chinese fonts (宋体 and 黑体 through libHaru's GBK CMaps, which every PDF reader supplies), lines and
/// shapes. libHaru is a maintained C library with a plain C API; the writer keeps its handles and checks every status.
/// Not thread-safe: one document, one task.
final class PDFWriter {
    private let document: HPDF_Doc
    private var page: HPDF_Page?
    private let song: HPDF_Font
    private let hei: HPDF_Font
    /// Digits and Latin letters: Helvetica, so that they read back as what they are (the Chinese fonts' are full-width).
    private let latin: HPDF_Font
    private let latinBold: HPDF_Font

    /// A4 in points.
    static let width: Float = 595.276
    static let height: Float = 841.89

    init() throws(DocumentError) {
        guard let document = HPDF_New(nil, nil) else { throw DocumentError(.write, zh: "无法创建 PDF 文档", en: "cannot create a PDF document") }
        self.document = document
        _ = HPDF_SetCompressionMode(document, UInt32(HPDF_COMP_ALL))
        _ = HPDF_UseCNSFonts(document)
        _ = HPDF_UseCNSEncodings(document)
        guard let song = HPDF_GetFont(document, "SimSun", "GBK-EUC-H"), let hei = HPDF_GetFont(document, "SimHei", "GBK-EUC-H") else {
            HPDF_Free(document)
            throw DocumentError(.write, zh: "无法载入中文字体", en: "cannot load the Chinese fonts")
        }
        self.song = song
        self.hei = hei
        guard let latin = HPDF_GetFont(document, "Helvetica", nil), let latinBold = HPDF_GetFont(document, "Helvetica-Bold", nil) else {
            HPDF_Free(document)
            throw DocumentError(.write, zh: "无法载入西文字体", en: "cannot load the Latin fonts")
        }
        self.latin = latin
        self.latinBold = latinBold
    }

    deinit { HPDF_Free(self.document) }

    func check(_ status: HPDF_STATUS, _ what: String) throws(DocumentError) {
        guard status == HPDF_OK else {
            let detail = HPDF_GetErrorDetail(self.document)
            HPDF_ResetError(self.document)
            throw DocumentError(
                .write,
                zh: "PDF 写入失败（\(what)，错误 0x\(String(status, radix: 16)) / \(detail)）",
                en: "writing the PDF failed (\(what), error 0x\(String(status, radix: 16)) / \(detail))"
            )
        }
    }

    func newPage() throws(DocumentError) {
        guard let page = HPDF_AddPage(self.document) else { throw DocumentError(.write, zh: "无法新建页面", en: "cannot add a page") }
        try self.check(HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT), "page size")
        self.page = page
    }

    private func current() throws(DocumentError) -> HPDF_Page {
        guard let page = self.page else { throw DocumentError(.write, zh: "尚无页面", en: "no page yet") }
        return page
    }

    /// `text` in runs of ASCII (Helvetica) and of Chinese (宋体 or 黑体), each encoded for its font.
    private func runs(_ text: String, bold: Bool) throws(DocumentError) -> [(font: HPDF_Font, bytes: [CChar])] {
        var runs: [(font: HPDF_Font, bytes: [CChar])] = []
        var part = ""
        var ascii: Bool?
        func flush() throws(DocumentError) {
            guard let isASCII = ascii, !part.isEmpty else { return }
            let bytes = isASCII ? part.utf8CString.map { $0 } : try GBK.encode(part)
            runs.append((isASCII ? (bold ? self.latinBold : self.latin) : (bold ? self.hei : self.song), bytes))
            part = ""
        }
        for character in text {
            let isASCII = character.isASCII
            if ascii != isASCII { try flush() }
            ascii = isASCII
            part.append(character)
        }
        try flush()
        return runs
    }

    /// The width of `text` in `size`-point type (bold: 黑体, Helvetica-Bold).
    func width(_ text: String, size: Float, bold: Bool = false) throws(DocumentError) -> Float {
        let page = try self.current()
        var width: Float = 0
        for run in try self.runs(text, bold: bold) {
            try self.check(HPDF_Page_SetFontAndSize(page, run.font, size), "font")
            width += run.bytes.withUnsafeBufferPointer { HPDF_Page_TextWidth(page, $0.baseAddress) }
        }
        return width
    }

    /// Writes `text` with its baseline's left end at (x, y), from the page's bottom left, in points.
    func text(_ text: String, x: Float, y: Float, size: Float, bold: Bool = false, red: Bool = false) throws(DocumentError) {
        let page = try self.current()
        var x = x
        for run in try self.runs(text, bold: bold) {
            try self.check(HPDF_Page_BeginText(page), "text")
            try self.check(HPDF_Page_SetFontAndSize(page, run.font, size), "font")
            try self.check(red ? HPDF_Page_SetRGBFill(page, 0.8, 0.08, 0.08) : HPDF_Page_SetRGBFill(page, 0, 0, 0), "colour")
            let status = run.bytes.withUnsafeBufferPointer { HPDF_Page_TextOut(page, x, y, $0.baseAddress) }
            try self.check(status, "text")
            try self.check(HPDF_Page_EndText(page), "text")
            x += run.bytes.withUnsafeBufferPointer { HPDF_Page_TextWidth(page, $0.baseAddress) }
        }
    }

    /// Writes one character centred on (x, y), turned by `angle` radians (a seal's name along its ring).
    func character(_ character: Character, x: Float, y: Float, size: Float, angle: Float) throws(DocumentError) {
        let page = try self.current()
        let encoded = try GBK.encode(String(character))
        try self.check(HPDF_Page_BeginText(page), "text")
        try self.check(HPDF_Page_SetFontAndSize(page, self.hei, size), "font")
        try self.check(HPDF_Page_SetRGBFill(page, 0.8, 0.08, 0.08), "colour")
        let half = size / 2
        let (c, s) = (cos(angle), sin(angle))
        // The glyph's box centred on the point: its origin is half a size left and a third of a size down, turned.
        let originX = x - half * c + (size / 3) * s
        let originY = y - half * s - (size / 3) * c
        try self.check(HPDF_Page_SetTextMatrix(page, c, s, -s, c, originX, originY), "text matrix")
        let status = encoded.withUnsafeBufferPointer { HPDF_Page_ShowText(page, $0.baseAddress) }
        try self.check(status, "text")
        try self.check(HPDF_Page_EndText(page), "text")
    }

    /// A page of `width` by `height` points (an image's page).
    func newPage(width: Float, height: Float) throws(DocumentError) {
        guard let page = HPDF_AddPage(self.document) else { throw DocumentError(.write, zh: "无法新建页面", en: "cannot add a page") }
        try self.check(HPDF_Page_SetWidth(page, width), "page width")
        try self.check(HPDF_Page_SetHeight(page, height), "page height")
        self.page = page
    }

    /// Draws the PNG at `file` over the whole page.
    func fullPageImage(_ file: URL) throws(DocumentError) {
        let page = try self.current()
        guard let image = HPDF_LoadPngImageFromFile(self.document, file.path) else {
            let detail = HPDF_GetErrorDetail(self.document)
            HPDF_ResetError(self.document)
            throw DocumentError(.write, zh: "无法读取页面图像（\(detail)）", en: "cannot read the page image (\(detail))")
        }
        try self.check(HPDF_Page_DrawImage(page, image, 0, 0, HPDF_Page_GetWidth(page), HPDF_Page_GetHeight(page)), "image")
    }

    /// Writes `text` from (x, y) along a baseline turned by `angle` radians, red, with `opacity` (a watermark).
    func turnedText(_ text: String, x: Float, y: Float, size: Float, angle: Float, opacity: Float) throws(DocumentError) {
        let page = try self.current()
        guard let state = HPDF_CreateExtGState(self.document) else { throw DocumentError(.write, zh: "无法设置透明度", en: "cannot set the opacity") }
        try self.check(HPDF_ExtGState_SetAlphaFill(state, opacity), "opacity")
        try self.check(HPDF_Page_GSave(page), "state")
        try self.check(HPDF_Page_SetExtGState(page, state), "opacity")
        try self.check(HPDF_Page_BeginText(page), "text")
        try self.check(HPDF_Page_SetRGBFill(page, 0.8, 0.08, 0.08), "colour")
        try self.check(HPDF_Page_SetTextMatrix(page, cos(angle), sin(angle), -sin(angle), cos(angle), x, y), "text matrix")
        for run in try self.runs(text, bold: true) {
            try self.check(HPDF_Page_SetFontAndSize(page, run.font, size), "font")
            let status = run.bytes.withUnsafeBufferPointer { HPDF_Page_ShowText(page, $0.baseAddress) }
            try self.check(status, "text")
        }
        try self.check(HPDF_Page_EndText(page), "text")
        try self.check(HPDF_Page_GRestore(page), "state")
    }

    func line(from start: (Float, Float), to end: (Float, Float), width: Float = 0.6) throws(DocumentError) {
        let page = try self.current()
        try self.check(HPDF_Page_SetRGBStroke(page, 0, 0, 0), "colour")
        try self.check(HPDF_Page_SetLineWidth(page, width), "line")
        try self.check(HPDF_Page_MoveTo(page, start.0, start.1), "line")
        try self.check(HPDF_Page_LineTo(page, end.0, end.1), "line")
        try self.check(HPDF_Page_Stroke(page), "line")
    }

    /// A red ring of radius `radius` around (x, y).
    func ring(x: Float, y: Float, radius: Float, width: Float) throws(DocumentError) {
        let page = try self.current()
        try self.check(HPDF_Page_SetRGBStroke(page, 0.8, 0.08, 0.08), "colour")
        try self.check(HPDF_Page_SetLineWidth(page, width), "line")
        try self.check(HPDF_Page_Circle(page, x, y, radius), "circle")
        try self.check(HPDF_Page_Stroke(page), "circle")
    }

    /// A filled red five-pointed star of outer radius `radius` centred on (x, y).
    func star(x: Float, y: Float, radius: Float) throws(DocumentError) {
        let page = try self.current()
        try self.check(HPDF_Page_SetRGBFill(page, 0.8, 0.08, 0.08), "colour")
        for point in 0..<10 {
            let r = point % 2 == 0 ? radius : radius * 0.382
            let angle = Float.pi / 2 + Float(point) * Float.pi / 5
            let (px, py) = (x + r * cos(angle), y + r * sin(angle))
            try self.check(point == 0 ? HPDF_Page_MoveTo(page, px, py) : HPDF_Page_LineTo(page, px, py), "star")
        }
        try self.check(HPDF_Page_ClosePath(page), "star")
        try self.check(HPDF_Page_Fill(page), "star")
    }

    /// Writes the document to `url`.
    func save(to url: URL) throws(DocumentError) {
        try self.check(HPDF_SaveToFile(self.document, url.path), "save \(url.lastPathComponent)")
    }
}

/// What the documents' fonts can show.
public enum DocumentText {
    /// Whether `text` can be written in a document: ASCII, and Chinese within GBK (libHaru's CMaps).
    public static func canShow(_ text: String) -> Bool { (try? GBK.encode(text)) != nil }
}

/// UTF-8 to GBK, the encoding of libHaru's Chinese CMaps (iconv, as `Transcoder` reads GBK packages).
enum GBK {
    static func encode(_ text: String) throws(DocumentError) -> [CChar] {
        guard let converter = Optional(iconv_open("GBK", "UTF-8")), converter != iconv_t(bitPattern: -1) else {
            throw DocumentError(.write, zh: "本机没有 GBK 编码转换", en: "this machine's iconv has no GBK")
        }
        defer { iconv_close(converter) }
        var input = Array(text.utf8CString.dropLast()).map { $0 }
        var output = [CChar](repeating: 0, count: input.count * 2 + 4)
        let converted: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count - 1
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return result == -1 ? -1 : outBuffer.count - 1 - outLeft
            }
        }
        guard converted >= 0 else {
            throw DocumentError(
                .unencodable,
                zh: "文书文字含有 GBK 字符集以外的字符：\(text)",
                en: "the document's text has a character outside GBK: \(text)"
            )
        }
        return Array(output.prefix(converted)) + [0]
    }
}
