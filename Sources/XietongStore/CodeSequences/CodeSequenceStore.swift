/// Hands out the 8-digit sequence of unified case codes (ZJ-7.1.1): unique per organisation per day, never
/// reused, also after a restart or a crash.
public protocol CodeSequenceStore: Sendable {
    /// The next sequence number for `organisationCode` on `day` (`yyyyMMdd`), starting at 1. A number is durable
    /// before it is returned.
    func nextSequence(organisationCode: String, day: String) async throws(StoreError) -> Int
    /// Makes sure the sequence of `organisationCode` on `day` is at least `value`: a code given out before a restore
    /// of the hub's database, sent again with its receipt, is not given out a second time (issue 19).
    func reserve(organisationCode: String, day: String, upTo value: Int) async throws(StoreError)
}
