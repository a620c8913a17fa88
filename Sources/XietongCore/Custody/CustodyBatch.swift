/// A batch custody exchange (6.1.4, SZ-2): one custodyTransferOut carries many detainees, and the detention house
/// answers with a receipt for each person — one receipt package may cover one person or several. The flow instance
/// closes when every person of the batch has had a receipt.
public struct CustodyBatch: Sendable, Hashable {
    /// The persons of the batch (from the opening custodyTransferOut): person key → name.
    public var persons: [String: String]
    /// Person keys that have had a receipt already.
    public var receipted: Set<String>

    public init(persons: [String: String], receipted: Set<String>) {
        self.persons = persons
        self.receipted = receipted
    }

    /// What a receipt package does to the batch.
    public enum Outcome: Sendable, Hashable {
        /// The persons it receipts, and whether every person of the batch has had a receipt with it.
        case receipts(personKeys: [String], completes: Bool)
        /// It names nobody of the batch, somebody outside it, or somebody receipted already.
        case refused(Finding)
    }

    public func receive(_ receipt: CasePackage) -> Outcome {
        let named = receipt.body.persons.enumerated().filter { CustodyRecord.detaineeRoles.contains($0.element.role) }
        guard !named.isEmpty else {
            let all = self.persons.values.sorted().joined(separator: "、")
            return .refused(
                Finding(
                    .custodyNoPerson,
                    at: "/CasePackage/Body/Persons",
                    zh: "换押回执须逐人出具：本回执未列出任何在押人员（本批：\(all)）",
                    en: "a custody exchange receipt is given per person: this one names no detained person (the batch: \(all))"
                )
            )
        }
        var keys: [String] = []
        for (index, person) in named {
            let key = CustodyRecord.personKey(person)
            let at = "/CasePackage/Body/Persons/Person[\(index + 1)]"
            guard self.persons[key] != nil else {
                let all = self.persons.values.sorted().joined(separator: "、")
                return .refused(
                    Finding(
                        .custodyNotInBatch,
                        at: at,
                        zh: "\(person.name) 不在本批换押人员之中（\(all)）",
                        en: "\(person.name) is not among the persons of this custody exchange (\(all))"
                    )
                )
            }
            guard !self.receipted.contains(key), !keys.contains(key) else {
                return .refused(
                    Finding(
                        .custodyAlreadyReceipted,
                        at: at,
                        zh: "\(person.name) 的换押回执已出具，不能重复回执",
                        en: "\(person.name) has had a custody exchange receipt already"
                    )
                )
            }
            keys.append(key)
        }
        let completes = Set(self.persons.keys).isSubset(of: self.receipted.union(keys))
        return .receipts(personKeys: keys, completes: completes)
    }
}
