public import Foundation

/// Exponential backoff with full jitter: the n-th retry waits a random time between 0 and
/// min(max, base · 2ⁿ), so that nodes recovering together do not retry in step.
public struct RetryPolicy: Sendable {
    public var base: TimeInterval
    public var maximum: TimeInterval

    public init(base: TimeInterval = 0.2, maximum: TimeInterval = 30) {
        self.base = base
        self.maximum = maximum
    }

    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let ceiling = min(self.maximum, self.base * pow(2, Double(min(attempt, 30))))
        return Double.random(in: 0...ceiling)
    }
}
