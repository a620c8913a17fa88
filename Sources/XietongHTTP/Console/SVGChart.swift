import Foundation

/// Charts drawn on the server as SVG (issue 7): no JavaScript and no network needed to see them.
public enum SVGChart {
    static let palette = ["#14365d", "#2e7d32", "#e37400", "#6a1b9a", "#00838f", "#c62828", "#5d4037", "#455a64"]

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The opening of every chart: the `<svg>` element, labelled for screen readers, and the title.
    static func open(title: String, id: String, width: Double, height: Double) -> String {
        "<svg class=\"chart-svg\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(ConsoleHTML.escape(title))\">"
            + "<text x=\"8\" y=\"20\" font-size=\"15\" font-weight=\"600\" fill=\"#14365d\">\(ConsoleHTML.escape(title))</text>"
    }

    /// The base line of a line chart and its scale's maximum.
    static func axis(left: Double, bottom: Double, top: Double, width: Double, maximum: Double) -> String {
        "<line x1=\"\(Int(left))\" y1=\"\(Int(bottom))\" x2=\"\(Int(width - 10))\" y2=\"\(Int(bottom))\" stroke=\"#99a\"/>"
            + "<text x=\"4\" y=\"\(Int(top + 4))\" font-size=\"11\" fill=\"#556\">\(Self.number(maximum))</text>"
    }

    /// Horizontal bars, one per label.
    public static func bars(title: String, unit: String, _ data: [(label: String, value: Double)], id: String) -> String {
        let rows = data.isEmpty ? [("—", 0.0)] : data
        let width = 560.0
        let labelWidth = 190.0
        let rowHeight = 24.0
        let height = 36 + rowHeight * Double(rows.count) + 8
        let maximum = max(rows.map(\.1).max() ?? 1, 1)
        var svg = Self.open(title: title, id: id, width: width, height: height)
        for (index, row) in rows.enumerated() {
            let y = 32 + Double(index) * rowHeight
            let barWidth = (width - labelWidth - 70) * row.1 / maximum
            svg +=
                "<text x=\"\(Int(labelWidth - 6))\" y=\"\(Int(y + 16))\" font-size=\"12\" text-anchor=\"end\" fill=\"#334\">\(ConsoleHTML.escape(String(row.0.prefix(18))))</text>"
            svg +=
                "<rect x=\"\(Int(labelWidth))\" y=\"\(Int(y + 4))\" width=\"\(String(format: "%.1f", max(barWidth, 1)))\" height=\"\(Int(rowHeight - 8))\" fill=\"\(Self.palette[index % Self.palette.count])\"/>"
            svg +=
                "<text x=\"\(String(format: "%.1f", labelWidth + barWidth + 6))\" y=\"\(Int(y + 16))\" font-size=\"12\" fill=\"#223\">\(Self.number(row.1))\(ConsoleHTML.escape(unit))</text>"
        }
        return svg + "</svg>"
    }

    /// A line over days (or any ordered labels), with its points marked.
    public static func line(title: String, _ points: [(label: String, value: Double)], id: String) -> String {
        let width = 560.0
        let height = 230.0
        let left = 40.0
        let bottom = 190.0
        let top = 36.0
        let maximum = max(points.map(\.1).max() ?? 1, 1)
        let step = points.count > 1 ? (width - left - 20) / Double(points.count - 1) : 0
        var svg = Self.open(title: title, id: id, width: width, height: height)
        svg += Self.axis(left: left, bottom: bottom, top: top, width: width, maximum: maximum)
        let coordinates = points.enumerated().map { index, point in
            (left + step * Double(index), bottom - (bottom - top) * point.1 / maximum)
        }
        if coordinates.count > 1 {
            let path = coordinates.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"#14365d\" stroke-width=\"2\" points=\"\(path)\"/>"
        }
        for (index, point) in coordinates.enumerated() {
            svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#d93025\"/>", point.0, point.1)
            if index % max(1, points.count / 7) == 0 || index == points.count - 1 {
                svg += String(format: "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" fill=\"#445\">", point.0, Int(bottom + 16))
                svg += "\(ConsoleHTML.escape(points[index].label))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// Several lines over the same days, with a legend: volume per agency or per business over time.
    public static func lines(title: String, labels: [String], series: [(name: String, values: [Double])], id: String) -> String {
        let width = 560.0
        let left = 40.0
        let bottom = 190.0
        let top = 36.0
        let legendHeight = 16.0 * Double((series.count + 1) / 2)
        let height = 230.0 + legendHeight
        let maximum = max(series.flatMap(\.values).max() ?? 1, 1)
        let step = labels.count > 1 ? (width - left - 20) / Double(labels.count - 1) : 0
        var svg = Self.open(title: title, id: id, width: width, height: height)
        svg += Self.axis(left: left, bottom: bottom, top: top, width: width, maximum: maximum)
        for (index, label) in labels.enumerated() where index % max(1, labels.count / 7) == 0 || index == labels.count - 1 {
            svg += String(
                format: "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" fill=\"#445\">",
                left + step * Double(index),
                Int(bottom + 16)
            )
            svg += "\(ConsoleHTML.escape(label))</text>"
        }
        for (number, line) in series.enumerated() {
            let colour = Self.palette[number % Self.palette.count]
            let points = line.values.enumerated().map {
                String(format: "%.1f,%.1f", left + step * Double($0.offset), bottom - (bottom - top) * $0.element / maximum)
            }
            svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
            let x = 12 + Double(number % 2) * 270
            let y = 222 + 16 * Double(number / 2)
            svg += String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%@\"/>", x, y - 9, colour)
            svg +=
                String(format: "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#334\">", x + 14, y)
                + "\(ConsoleHTML.escape(String(line.name.prefix(20))))</text>"
        }
        return svg + "</svg>"
    }

    /// A rate as a ring with its percentage.
    public static func ring(title: String, rate: Double, caption: String, id: String, good: Bool) -> String {
        let radius = 56.0
        let circumference = 2 * Double.pi * radius
        let shown = min(max(rate, 0), 1)
        var svg = Self.open(title: title, id: id, width: 280, height: 200)
        svg += "<circle cx=\"90\" cy=\"112\" r=\"\(Int(radius))\" fill=\"none\" stroke=\"#e3e8ef\" stroke-width=\"16\"/>"
        svg += String(
            format:
                "<circle cx=\"90\" cy=\"112\" r=\"%d\" fill=\"none\" stroke=\"%@\" stroke-width=\"16\" stroke-dasharray=\"%.1f %.1f\" transform=\"rotate(-90 90 112)\"/>",
            Int(radius),
            good ? "#2e7d32" : "#d93025",
            circumference * shown,
            circumference
        )
        svg += String(
            format: "<text x=\"90\" y=\"119\" font-size=\"20\" font-weight=\"700\" text-anchor=\"middle\" fill=\"#223\">%.1f%%</text>",
            rate * 100
        )
        svg += "<text x=\"160\" y=\"116\" font-size=\"12\" fill=\"#445\">\(ConsoleHTML.escape(caption))</text>"
        return svg + "</svg>"
    }
}
