import XietongCore

/// Valid GB 11643 identity numbers for fixtures.
public enum IdentityNumbers {
    public static func make(division: String = "330106", birth: String, order: Int, male: Bool) -> String {
        ResidentIDNumber.build(division: division, birth: birth, order: order, male: male)!.rawValue
    }
}
