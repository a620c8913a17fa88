extension CasePackage {
    /// Reads the typed package from a tree that has passed schema validation. Missing optional parts stay nil;
    /// a tree that did not pass validation may decode with empty fields but never traps.
    public init(validated root: XMLElement) {
        let envelope = root.child("Envelope") ?? XMLElement(name: XMLName(namespace: nil, local: "Envelope"))
        let body = root.child("Body") ?? XMLElement(name: XMLName(namespace: nil, local: "Body"))
        func party(_ element: XMLElement?) -> Party {
            Party(organisationCode: element?.value("OrganisationCode") ?? "", agencyCode: element?.value("AgencyCode") ?? "")
        }
        let caseElement = body.child("Case")
        self.init(
            standardVersion: root.attribute("standardVersion") ?? "",
            envelope: Envelope(
                packageId: envelope.value("PackageId") ?? "",
                idempotencyKey: envelope.value("IdempotencyKey") ?? "",
                flow: envelope.value("Flow") ?? "",
                messageType: envelope.value("MessageType") ?? "",
                inReplyTo: envelope.value("InReplyTo"),
                sender: party(envelope.child("Sender")),
                receiver: party(envelope.child("Receiver")),
                unifiedCaseCode: envelope.value("UnifiedCaseCode"),
                agencyCaseNumber: envelope.value("AgencyCaseNumber") ?? "",
                createdAt: envelope.value("CreatedAt") ?? ""
            ),
            body: Body(
                caseInfo: CaseInfo(
                    name: caseElement?.value("Name") ?? "",
                    category: caseElement?.value("Category") ?? "",
                    division: caseElement?.value("Division") ?? "",
                    filedOn: caseElement?.value("FiledOn"),
                    procedure: caseElement?.value("Procedure"),
                    keyDates: (caseElement?.child("KeyDates")?.children("KeyDate") ?? []).map {
                        KeyDate(event: $0.value("Event") ?? "", date: $0.value("Date") ?? "")
                    },
                    involvedAmount: caseElement?.value("InvolvedAmount"),
                    summary: caseElement?.value("Summary"),
                    relatedCaseCodes: caseElement?.child("RelatedCaseCodes")?.children("CaseCode").map(\.text) ?? []
                ),
                persons: (body.child("Persons")?.children("Person") ?? []).map { person in
                    Person(
                        id: person.attribute("id") ?? "",
                        role: person.attribute("role") ?? "",
                        name: person.value("Name") ?? "",
                        idCardNumber: person.value("IdCardNumber"),
                        gender: person.value("Gender") ?? "",
                        birthDate: person.value("BirthDate"),
                        ethnicity: person.value("Ethnicity"),
                        residence: person.value("Residence")
                    )
                },
                charges: (body.child("Charges")?.children("Charge") ?? []).map { charge in
                    Charge(personRef: charge.attribute("personRef") ?? "", name: charge.value("Name") ?? "", lawArticle: charge.value("LawArticle"))
                },
                coerciveMeasures: (body.child("CoerciveMeasures")?.children("CoerciveMeasure") ?? []).map { measure in
                    CoerciveMeasure(
                        personRef: measure.attribute("personRef") ?? "",
                        kind: measure.value("Kind") ?? "",
                        startDate: measure.value("StartDate") ?? "",
                        endDate: measure.value("EndDate"),
                        custodyOrganisation: measure.value("CustodyOrganisation")
                    )
                },
                sentences: (body.child("Sentences")?.children("Sentence") ?? []).map { sentence in
                    Sentence(
                        personRef: sentence.attribute("personRef") ?? "",
                        penalty: sentence.value("Penalty") ?? "",
                        termMonths: sentence.value("TermMonths").flatMap { Int($0) },
                        probationMonths: sentence.value("ProbationMonths").flatMap { Int($0) },
                        fine: sentence.value("Fine")
                    )
                },
                documents: (body.child("Documents")?.children("Document") ?? []).map { document in
                    Document(
                        id: document.attribute("id") ?? "",
                        title: document.value("Title") ?? "",
                        documentNumber: document.value("DocumentNumber"),
                        issuedOn: document.value("IssuedOn") ?? "",
                        attachmentRefs: document.children("AttachmentRef").map(\.text)
                    )
                },
                remarks: body.value("Remarks")
            ),
            attachments: (root.child("Attachments")?.children("Attachment") ?? []).map { attachment in
                Attachment(
                    id: attachment.attribute("id") ?? "",
                    name: attachment.value("Name") ?? "",
                    mediaType: attachment.value("MediaType") ?? "",
                    size: Int(attachment.value("Size") ?? "") ?? -1,
                    sha256: attachment.value("SHA256") ?? "",
                    volume: attachment.value("Volume").flatMap { Int($0) },
                    fileNumber: attachment.value("FileNumber").flatMap { Int($0) },
                    firstPage: attachment.value("FirstPage").flatMap { Int($0) },
                    pageCount: attachment.value("PageCount").flatMap { Int($0) },
                    location: attachment.value("Location") ?? ""
                )
            }
        )
    }
}
