extension Booking {
    /// The evidence-log event of the booking's latest change (issue 26: a booking leaves evidence as a package's
    /// hand-overs do): who changed it and when, and what it then is (action, status, house, room, slot and booker),
    /// without the detainee's name. Its package id is `bookingId/n`, n the change's number from 1.
    public var changeEvent: PackageEvent? {
        guard let change = self.history.last else { return nil }
        let request = self.request
        return PackageEvent(
            packageId: "\(request.bookingId)/\(self.history.count)",
            hop: .booked,
            at: change.at,
            organisation: change.by,
            detail: "\(change.action.rawValue) \(self.status.rawValue) house=\(request.house) room=\(request.roomId) start=\(request.start.text) "
                + "minutes=\(request.minutes) booker=\(self.booker) case=\(request.caseCode)"
        )
    }
}
