/// The arraignment certificate (提讯证; issue 26, SZ-2) of a confirmed remote arraignment booking: the booker's
/// document that its officer may arraign the named detainee in the room and at the time the detention house
/// confirmed, issued by the booker and sealed with its key like every document of the platform.
extension Booking {
    /// The certificate, issued by `organisation` on `today`; refused unless the organisation booked it
    /// (`booking.not-allowed`) and the house has confirmed it (`booking.state`).
    public func certificate(
        by organisation: String,
        registry: OrganisationRegistry,
        roomName: String?,
        today: CalendarDate
    ) throws(Arraignment.Problem) -> FilledDocument {
        guard organisation == self.booker else {
            throw Arraignment.Problem(.notAllowed, "bookingId", zh: "提讯证由预约机关出具", en: "the arraignment certificate is issued by the booker")
        }
        guard self.status == .confirmed else {
            throw Arraignment.Problem(
                .state,
                "status",
                zh: "预约\(self.status.name.zh)，看守所确认后方可出具提讯证",
                en: "the booking is \(self.status.name.en): the certificate is issued once the detention house confirms it"
            )
        }
        let request = self.request
        let house = registry[request.house]?.name.zh ?? request.house
        let issuerName = registry[self.booker]?.name.zh ?? self.booker
        let room = roomName.map { "\($0)（\(request.roomId)）" } ?? request.roomId
        let slot = "\(request.start.day.iso) \(request.start.clock)–\(request.end.clock)"
        return FilledDocument(
            templateId: "arraignmentCertificate",
            title: "提讯证",
            addressee: "\(house)：",
            paragraphs: [
                "兹派我单位\(request.officer)于 \(slot)（北京时间）在你所\(room)远程提讯\(request.detainee.name)，请予以配合。"
            ],
            fields: [
                CustodyCertificate.Line(label: "预约编号", value: request.bookingId),
                CustodyCertificate.Line(label: "统一赋码", value: request.caseCode),
                CustodyCertificate.Line(label: "被提讯人", value: request.detainee.name),
                CustodyCertificate.Line(label: "身份证号", value: request.detainee.idNumber ?? ""),
                CustodyCertificate.Line(label: "羁押场所", value: house),
                CustodyCertificate.Line(label: "提审室", value: room),
                CustodyCertificate.Line(label: "提讯时间", value: slot),
                CustodyCertificate.Line(label: "承办人", value: request.officer),
                CustodyCertificate.Line(label: "事由", value: request.purpose ?? ""),
            ].filter { !$0.value.isEmpty },
            closing: "此致",
            issuer: self.booker,
            issuerName: issuerName,
            issuedOn: today.iso
        )
    }
}
