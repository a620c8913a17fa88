import Foundation

/// What the committee's supervisors and each agency's users see (GS-3, GS-6, SZ-7): the red counters, the deadline
/// board and the statistics. Types shared by the hub, the nodes and the command line.
public enum Supervision {
    /// The red numbers of one agency for one business (flow): packages received and not yet signed for or
    /// returned, time limits due within `dueSoonDays`, and time limits overdue (GS-3).
    public struct Counter: Sendable, Codable, Hashable {
        public var organisation: String
        public var flow: String
        public var unread: Int
        public var dueSoon: Int
        public var overdue: Int

        public init(organisation: String, flow: String, unread: Int = 0, dueSoon: Int = 0, overdue: Int = 0) {
            self.organisation = organisation
            self.flow = flow
            self.unread = unread
            self.dueSoon = dueSoon
            self.overdue = overdue
        }
    }

    /// Which time limits the deadline board shows.
    public enum Filter: String, Sendable, Codable, CaseIterable {
        /// Every open limit.
        case open
        /// Open limits whose last day is today or within the next days.
        case dueSoon
        /// Open duties whose last day has passed.
        case overdue
    }

    /// Counts per flow, per sending agency and per month (GS-6).
    public struct VolumeRow: Sendable, Codable, Hashable {
        public var period: String
        public var flow: String
        public var organisation: String
        public var packages: Int

        public init(period: String, flow: String, organisation: String, packages: Int) {
            self.period = period
            self.flow = flow
            self.organisation = organisation
            self.packages = packages
        }
    }

    /// The median time from a message's receipt at the hub to its answer, per message type.
    public struct HandlingRow: Sendable, Codable, Hashable {
        public var flow: String
        public var messageType: String
        public var answered: Int
        public var medianHours: Double

        public init(flow: String, messageType: String, answered: Int, medianHours: Double) {
            self.flow = flow
            self.messageType = messageType
            self.answered = answered
            self.medianHours = medianHours
        }
    }

    public struct Statistics: Sendable, Codable, Hashable {
        /// The period, China days, `from` included and `to` excluded.
        public var from: String
        public var to: String
        public var volume: [VolumeRow]
        public var handling: [HandlingRow]
        /// Duties due in the period: how many, how many met late or not at all by their last day.
        public var dutiesDue: Int
        public var dutiesOverdue: Int
        /// dutiesOverdue / dutiesDue (0 when none were due).
        public var overdueRate: Double
        /// Flow instances opened in the period, and how many of them were closed through the platform.
        public var flowsOpened: Int
        public var flowsClosedOnline: Int
        /// flowsClosedOnline / flowsOpened: the online flow rate (网上流转率).
        public var onlineFlowRate: Double

        public init(
            from: String,
            to: String,
            volume: [VolumeRow],
            handling: [HandlingRow],
            dutiesDue: Int,
            dutiesOverdue: Int,
            flowsOpened: Int,
            flowsClosedOnline: Int
        ) {
            self.from = from
            self.to = to
            self.volume = volume
            self.handling = handling
            self.dutiesDue = dutiesDue
            self.dutiesOverdue = dutiesOverdue
            self.overdueRate = dutiesDue == 0 ? 0 : Double(dutiesOverdue) / Double(dutiesDue)
            self.flowsOpened = flowsOpened
            self.flowsClosedOnline = flowsClosedOnline
            self.onlineFlowRate = flowsOpened == 0 ? 0 : Double(flowsClosedOnline) / Double(flowsOpened)
        }
    }

    /// The median of `values` (0 when empty).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Tables as CSV (RFC 4180), for every table the supervisors export (GS-6). A UTF-8 byte-order mark makes
/// spreadsheet programs on Chinese Windows read the Chinese text correctly.
public enum CSV {
    public static func document(header: [String], rows: [[String]]) -> String {
        "\u{FEFF}" + ([header] + rows).map { $0.map(Self.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension Supervision {
    /// A person in custody whose stage must end by a date (CPL 第105条: not extended for holidays): the early warning
    /// of over-long detention (超期羁押), soonest first.
    public struct CustodyWatch: Sendable, Codable, Hashable {
        public var caseCode: String
        public var flow: String
        public var messageType: String
        public var packageId: String
        /// The agency that must act before the custody period of this stage runs out.
        public var responsible: String
        public var persons: [String]
        public var dueOn: String
        /// Negative once the period has run out.
        public var daysLeft: Int
        public var limit: String
        public var basis: String
        /// `timeLimit`: a stage's statutory limit, counted by the hub; `custodyPeriod`: the custody period the
        /// agencies declared (measure, transfer-in or change notice) for a person, followed across stages (换押).
        public var source: String

        public init(
            caseCode: String,
            flow: String,
            messageType: String,
            packageId: String,
            responsible: String,
            persons: [String],
            dueOn: String,
            daysLeft: Int,
            limit: String,
            basis: String,
            source: String = "timeLimit"
        ) {
            self.caseCode = caseCode
            self.flow = flow
            self.messageType = messageType
            self.packageId = packageId
            self.responsible = responsible
            self.persons = persons
            self.dueOn = dueOn
            self.daysLeft = daysLeft
            self.limit = limit
            self.basis = basis
            self.source = source
        }
    }
}

extension Supervision {
    /// One flow instance of a case on the supervisors' list (SZ-4, GS-3): its state and its open time limits.
    public struct CaseRow: Sendable, Codable, Hashable {
        public var instanceId: String
        public var caseCode: String
        public var flow: String
        public var openedAt: String
        public var closedAt: String?
        /// The soonest last day of its open limits.
        public var nextDue: String?
        public var dueSoon: Int
        public var overdue: Int

        public init(
            instanceId: String,
            caseCode: String,
            flow: String,
            openedAt: String,
            closedAt: String?,
            nextDue: String?,
            dueSoon: Int,
            overdue: Int
        ) {
            self.instanceId = instanceId
            self.caseCode = caseCode
            self.flow = flow
            self.openedAt = openedAt
            self.closedAt = closedAt
            self.nextDue = nextDue
            self.dueSoon = dueSoon
            self.overdue = overdue
        }
    }

    /// Which flows the supervisors' case list shows.
    public enum CaseFilter: String, Sendable, Codable, CaseIterable {
        case all
        case open
        case dueSoon
        case overdue
    }
}
