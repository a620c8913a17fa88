public import Foundation
public import XietongCore

/// Lays a custody certificate (`CustodyCertificate`, Core) out on an A4 page with the issuing organ's seal image: the
/// title, the labelled lines, and the seal (a red ring with the organ's name along it and a star) over the issuer's
/// name and the day of issue. The page is then signed by `DocumentSigner`; the image alone proves nothing.
public enum CustodyCertificatePDF {
    public static func write(_ certificate: CustodyCertificate, to url: URL) throws(DocumentError) {
        let writer = try PDFWriter()
        try writer.newPage()
        let left: Float = 80
        let right = PDFWriter.width - 80
        let title = certificate.title
        let titleWidth = try writer.width(title, size: 26, bold: true)
        try writer.text(title, x: (PDFWriter.width - titleWidth) / 2, y: 740, size: 26, bold: true)
        try writer.line(from: (left, 720), to: (right, 720), width: 1.2)
        var y: Float = 690
        for line in certificate.lines {
            try writer.text(line.label + "：", x: left, y: y, size: 13, bold: true)
            try writer.text(line.value, x: left + 120, y: y, size: 13)
            try writer.line(from: (left + 118, y - 5), to: (right, y - 5), width: 0.4)
            y -= 30
        }
        try writer.text("此证由出具机关电子签章，以签名验证为准。", x: left, y: y - 10, size: 10)
        // The seal over the issuer's name and the day.
        let sealX = right - 90
        let sealY = y - 110
        try self.seal(certificate.issuerName, x: sealX, y: sealY, writer: writer)
        let nameWidth = try writer.width(certificate.issuerName, size: 13)
        try writer.text(certificate.issuerName, x: sealX - nameWidth / 2, y: sealY - 80, size: 13)
        let dayWidth = try writer.width(certificate.issuedOn, size: 12)
        try writer.text(certificate.issuedOn, x: sealX - dayWidth / 2, y: sealY - 100, size: 12)
        try writer.save(to: url)
    }

    /// An organ's round seal: a red ring, its name along the upper arc, a star in the middle.
    static func seal(_ name: String, x: Float, y: Float, writer: PDFWriter) throws(DocumentError) {
        let radius: Float = 58
        try writer.ring(x: x, y: y, radius: radius, width: 3)
        try writer.star(x: x, y: y, radius: 17)
        let characters = Array(name)
        guard !characters.isEmpty else { return }
        // Spread over at most 240 degrees of the upper arc, first character on the left.
        let span = min(Float.pi * 4 / 3, Float(characters.count) * 0.32)
        let step = characters.count > 1 ? span / Float(characters.count - 1) : 0
        let start = Float.pi / 2 + span / 2
        let size = min(15, 2 * Float.pi * (radius - 14) * span / (2 * Float.pi) / Float(characters.count) * 1.1)
        for (index, character) in characters.enumerated() {
            let angle = start - Float(index) * step
            let px = x + (radius - 14) * cos(angle)
            let py = y + (radius - 14) * sin(angle)
            try writer.character(character, x: px, y: py, size: size, angle: angle - Float.pi / 2)
        }
    }
}
