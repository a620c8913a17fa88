/// The median, the 99th percentile and the largest of a benchmark's samples (milliseconds, say).
public struct Percentiles: Sendable, Codable {
    public var p50: Double
    public var p99: Double
    public var max: Double

    public init(_ samples: [Double]) {
        let sorted = samples.sorted()
        func at(_ fraction: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
        }
        self.p50 = at(0.5)
        self.p99 = at(0.99)
        self.max = sorted.last ?? 0
    }
}
