/// What one package says about the custody of its persons (换押, ZJ-6.1.4; CPL 第105条): from its coercive measures
/// and its custody-exchange message type. The hub keeps these per person across every agency's packages of a case,
/// so that each person's custody is one chain across stages (detention → arrest → review for prosecution → trial),
/// and a period about to run out shows before it does.
public struct CustodyRecord: Sendable, Hashable, Codable {
    public enum Event: String, Sendable, Hashable, Codable {
        /// A coercive measure the package reports (detention, arrest, bail …).
        case measure
        /// The sender hands the person over (换出, custodyTransferOut).
        case transferOut
        /// The sender takes the person over for its stage, with the stage's period (换入, custodyTransferInNotice).
        case transferIn
        /// The sender changes the custody period (变更羁押期限, custodyPeriodChangeNotice).
        case periodChange
        /// The detention house confirms the exchange for this person (回执, custodyTransferReceipt).
        case receipt
    }

    /// The person as the hub knows them across agencies' packages: see `CustodyRecord.personKey`.
    public var personKey: String
    public var name: String
    public var event: Event
    /// The measure's kind (`criminalDetention`, `arrest`, `bail` …); nil for receipts.
    public var kind: String?
    /// The organ answerable for the person in this stage: the package's sender (the receiver for a receipt).
    public var holder: String
    public var startsOn: String?
    /// The last day of the period as declared (`CoerciveMeasure/EndDate`).
    public var endsOn: String?
    /// The detention house holding the person.
    public var custodyOrganisation: String?

    public init(
        personKey: String,
        name: String,
        event: Event,
        kind: String? = nil,
        holder: String,
        startsOn: String? = nil,
        endsOn: String? = nil,
        custodyOrganisation: String? = nil
    ) {
        self.personKey = personKey
        self.name = name
        self.event = event
        self.kind = kind
        self.holder = holder
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.custodyOrganisation = custodyOrganisation
    }

    /// Measure kinds that hold a person in custody (CPL 第105条第4款): a criminal detention, an arrest, and a custodial
    /// sentence being served (recorded from the messages of the catalog that say so, `custodialSentence`).
    public static let custodyKinds: Set<String> = ["criminalDetention", "arrest", Self.custodialSentence]
    /// The kind recorded for an offender a `custodialSentence` message names (拘役, 有期徒刑, 无期徒刑 being served).
    public static let custodialSentence = "custodialSentence"

    /// The kind a message of `message`'s type implies for the persons it names without a measure (see `records`).
    static func impliedKind(of message: MessageType?) -> String? {
        guard let message else { return nil }
        if message.custodialSentence { return Self.custodialSentence }
        return message.detention == nil ? nil : "arrest"
    }
    /// Roles of the persons whose custody is tracked.
    public static let detaineeRoles: Set<String> = ["suspect", "defendant", "offender"]

    /// A person across agencies' packages: the citizen ID number when there is one (upper-cased), else the name and
    /// birth date.
    public static func personKey(idCardNumber: String?, name: String, birthDate: String?) -> String {
        if let number = idCardNumber?.uppercased(), !number.isEmpty { return number }
        return "name:\(name)|\(birthDate ?? "")"
    }

    public static func personKey(_ person: CasePackage.Person) -> String {
        Self.personKey(idCardNumber: person.idCardNumber, name: person.name, birthDate: person.birthDate)
    }

    /// What `package` says of its persons' custody, in the order of its measures (then its persons, for receipts).
    /// `message` is its catalog entry: one whose offenders serve a custodial sentence (`custodialSentence`) records
    /// each suspect, defendant or offender the package gives no measure for as held by the sender; a decision on the
    /// detention period (`detention`) records its persons' arrest as a change of period, which moves neither who
    /// holds them nor a declared period, whether the package states the measure or not.
    public static func records(of package: CasePackage, message: MessageType? = nil) -> [CustodyRecord] {
        let implied = Self.impliedKind(of: message)
        let envelope = package.envelope
        let persons = Dictionary(package.body.persons.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        if envelope.messageType == "custodyTransferReceipt" {
            return package.body.persons.filter { Self.detaineeRoles.contains($0.role) }.map {
                CustodyRecord(personKey: Self.personKey($0), name: $0.name, event: .receipt, holder: envelope.receiver.organisationCode)
            }
        }
        let event: Event =
            if message?.detention != nil {
                .periodChange
            } else {
                switch envelope.messageType {
                case "custodyTransferOut": .transferOut
                case "custodyTransferInNotice": .transferIn
                case "custodyPeriodChangeNotice": .periodChange
                default: .measure
                }
            }
        var records: [CustodyRecord] = package.body.coerciveMeasures.compactMap { measure in
            guard let person = persons[measure.personRef] else { return nil }
            return CustodyRecord(
                personKey: Self.personKey(person),
                name: person.name,
                event: event,
                kind: measure.kind,
                holder: envelope.sender.organisationCode,
                startsOn: measure.startDate,
                endsOn: measure.endDate,
                custodyOrganisation: measure.custodyOrganisation
            )
        }
        if let implied {
            let measured = Set(package.body.coerciveMeasures.map(\.personRef))
            for person in package.body.persons where Self.detaineeRoles.contains(person.role) && !measured.contains(person.id) {
                records.append(
                    CustodyRecord(
                        personKey: Self.personKey(person),
                        name: person.name,
                        event: event,
                        kind: implied,
                        holder: envelope.sender.organisationCode
                    )
                )
            }
        }
        return records
    }
}
