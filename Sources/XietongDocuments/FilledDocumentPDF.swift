public import Foundation
public import XietongCore

/// Lays a document filled from a template (`FilledDocument`) out on A4 pages: the title, the addressee, the paragraphs
/// wrapped to the page (two characters' indent), the labelled lines, the closing, and the issuing organ's seal over its
/// name and the day. Sealed afterwards by `DocumentSigner` where the organisation has a seal key.
public enum FilledDocumentPDF {
    public static func write(_ document: FilledDocument, to url: URL) throws(DocumentError) {
        let writer = try PDFWriter()
        try writer.newPage()
        let left: Float = 80
        let right = PDFWriter.width - 80
        let size: Float = 13
        var y: Float = 750
        func room(_ needed: Float) throws(DocumentError) {
            if y - needed < 70 {
                try writer.newPage()
                y = 770
            }
        }
        let titleWidth = try writer.width(document.title, size: 24, bold: true)
        try writer.text(document.title, x: (PDFWriter.width - titleWidth) / 2, y: y, size: 24, bold: true)
        y -= 44
        if let addressee = document.addressee, !addressee.isEmpty {
            try writer.text(addressee, x: left, y: y, size: size)
            y -= 26
        }
        for paragraph in document.paragraphs {
            let lines = try self.wrap(paragraph, width: right - left, indent: 2 * size, size: size, writer: writer)
            for (index, line) in lines.enumerated() {
                try room(24)
                try writer.text(line, x: left + (index == 0 ? 2 * size : 0), y: y, size: size)
                y -= 24
            }
            y -= 6
        }
        if let closing = document.closing, !closing.isEmpty {
            try room(24)
            try writer.text(closing, x: left + 2 * size, y: y, size: size)
            y -= 30
        }
        for field in document.fields {
            let lines = try self.wrap(field.value, width: right - left - 120, indent: 0, size: 12, writer: writer)
            try room(Float(lines.count) * 20 + 6)
            try writer.text(field.label + "：", x: left, y: y, size: 12, bold: true)
            for line in lines {
                try writer.text(line, x: left + 120, y: y, size: 12)
                y -= 20
            }
            y -= 4
        }
        try room(190)
        let sealX = right - 90
        let sealY = y - 80
        try CustodyCertificatePDF.seal(document.issuerName, x: sealX, y: sealY, writer: writer)
        let nameWidth = try writer.width(document.issuerName, size: size)
        try writer.text(document.issuerName, x: sealX - nameWidth / 2, y: sealY - 80, size: size)
        let dayWidth = try writer.width(document.issuedOn, size: 12)
        try writer.text(document.issuedOn, x: sealX - dayWidth / 2, y: sealY - 100, size: 12)
        try writer.save(to: url)
    }

    /// `text` broken into lines no wider than `width` (the first `indent` narrower), character by character.
    static func wrap(_ text: String, width: Float, indent: Float, size: Float, writer: PDFWriter) throws(DocumentError) -> [String] {
        var lines: [String] = []
        var line = ""
        for character in text {
            let candidate = line + String(character)
            let limit = lines.isEmpty ? width - indent : width
            if try writer.width(candidate, size: size) > limit, !line.isEmpty {
                lines.append(line)
                line = String(character)
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
