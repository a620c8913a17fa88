import XietongCore

/// Builds valid GB 11643 identity numbers for fixtures.
public enum IdentityNumbers {
    /// A number for a person born on `birth` in `division`, with an order code whose parity gives the gender
    /// (odd for male, even for female).
    public static func make(division: String = "330106", birth: String, order: Int, male: Bool) -> String {
        let adjusted = (order % 2 == 1) == male ? order : order + 1
        let orderText = String(adjusted % 1000)
        let first17 = division + birth + String(repeating: "0", count: 3 - orderText.count) + orderText
        return first17 + String(ResidentIDNumber.checkCharacter(for: first17)!)
    }
}
