/// Writes a package as canonical XML: UTF-8, two-space indentation, elements in schema order, optional
/// fields omitted when nil. Reading the output back gives the same package (the golden-file tests hold it to that).
public enum CasePackageWriter {
    public static func xml(_ package: CasePackage) -> String {
        var writer = Writer()
        writer.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        writer.open("CasePackage", attributes: [("xmlns", CasePackage.namespace), ("standardVersion", package.standardVersion)])
        let envelope = package.envelope
        writer.open("Envelope")
        writer.leaf("PackageId", envelope.packageId)
        writer.leaf("IdempotencyKey", envelope.idempotencyKey)
        writer.leaf("Flow", envelope.flow)
        writer.leaf("MessageType", envelope.messageType)
        writer.leaf("InReplyTo", envelope.inReplyTo)
        for (name, party) in [("Sender", envelope.sender), ("Receiver", envelope.receiver)] {
            writer.open(name)
            writer.leaf("OrganisationCode", party.organisationCode)
            writer.leaf("AgencyCode", party.agencyCode)
            writer.close(name)
        }
        writer.leaf("UnifiedCaseCode", envelope.unifiedCaseCode)
        writer.leaf("AgencyCaseNumber", envelope.agencyCaseNumber)
        writer.leaf("CreatedAt", envelope.createdAt)
        writer.close("Envelope")

        let body = package.body
        writer.open("Body")
        writer.open("Case")
        writer.leaf("Name", body.caseInfo.name)
        writer.leaf("Category", body.caseInfo.category)
        writer.leaf("Division", body.caseInfo.division)
        writer.leaf("FiledOn", body.caseInfo.filedOn)
        writer.leaf("Procedure", body.caseInfo.procedure)
        if !body.caseInfo.keyDates.isEmpty {
            writer.open("KeyDates")
            for keyDate in body.caseInfo.keyDates {
                writer.open("KeyDate")
                writer.leaf("Event", keyDate.event)
                writer.leaf("Date", keyDate.date)
                writer.close("KeyDate")
            }
            writer.close("KeyDates")
        }
        writer.leaf("InvolvedAmount", body.caseInfo.involvedAmount)
        writer.leaf("Summary", body.caseInfo.summary)
        if !body.caseInfo.relatedCaseCodes.isEmpty {
            writer.open("RelatedCaseCodes")
            for code in body.caseInfo.relatedCaseCodes { writer.leaf("CaseCode", code) }
            writer.close("RelatedCaseCodes")
        }
        writer.close("Case")
        if !body.persons.isEmpty {
            writer.open("Persons")
            for person in body.persons {
                writer.open("Person", attributes: [("id", person.id), ("role", person.role)])
                writer.leaf("Name", person.name)
                writer.leaf("IdCardNumber", person.idCardNumber)
                writer.leaf("Gender", person.gender)
                writer.leaf("BirthDate", person.birthDate)
                writer.leaf("Ethnicity", person.ethnicity)
                writer.leaf("Residence", person.residence)
                writer.close("Person")
            }
            writer.close("Persons")
        }
        if !body.charges.isEmpty {
            writer.open("Charges")
            for charge in body.charges {
                writer.open("Charge", attributes: [("personRef", charge.personRef)])
                writer.leaf("Name", charge.name)
                writer.leaf("LawArticle", charge.lawArticle)
                writer.close("Charge")
            }
            writer.close("Charges")
        }
        if !body.coerciveMeasures.isEmpty {
            writer.open("CoerciveMeasures")
            for measure in body.coerciveMeasures {
                writer.open("CoerciveMeasure", attributes: [("personRef", measure.personRef)])
                writer.leaf("Kind", measure.kind)
                writer.leaf("StartDate", measure.startDate)
                writer.leaf("EndDate", measure.endDate)
                writer.leaf("CustodyOrganisation", measure.custodyOrganisation)
                writer.close("CoerciveMeasure")
            }
            writer.close("CoerciveMeasures")
        }
        if !body.sentences.isEmpty {
            writer.open("Sentences")
            for sentence in body.sentences {
                writer.open("Sentence", attributes: [("personRef", sentence.personRef)])
                writer.leaf("Penalty", sentence.penalty)
                writer.leaf("TermMonths", sentence.termMonths.map(String.init))
                writer.leaf("ProbationMonths", sentence.probationMonths.map(String.init))
                writer.leaf("Fine", sentence.fine)
                writer.close("Sentence")
            }
            writer.close("Sentences")
        }
        if !body.documents.isEmpty {
            writer.open("Documents")
            for document in body.documents {
                writer.open("Document", attributes: [("id", document.id)])
                writer.leaf("Title", document.title)
                writer.leaf("DocumentNumber", document.documentNumber)
                writer.leaf("IssuedOn", document.issuedOn)
                for reference in document.attachmentRefs { writer.leaf("AttachmentRef", reference) }
                writer.close("Document")
            }
            writer.close("Documents")
        }
        writer.leaf("Remarks", body.remarks)
        writer.close("Body")

        if !package.attachments.isEmpty {
            writer.open("Attachments")
            for attachment in package.attachments {
                writer.open("Attachment", attributes: [("id", attachment.id)])
                writer.leaf("Name", attachment.name)
                writer.leaf("MediaType", attachment.mediaType)
                writer.leaf("Size", String(attachment.size))
                writer.leaf("SHA256", attachment.sha256)
                writer.leaf("Volume", attachment.volume.map(String.init))
                writer.leaf("FileNumber", attachment.fileNumber.map(String.init))
                writer.leaf("FirstPage", attachment.firstPage.map(String.init))
                writer.leaf("PageCount", attachment.pageCount.map(String.init))
                writer.leaf("Location", attachment.location)
                writer.close("Attachment")
            }
            writer.close("Attachments")
        }
        writer.close("CasePackage")
        return writer.output
    }

    public static func bytes(_ package: CasePackage) -> [UInt8] { Array(self.xml(package).utf8) }

    private struct Writer {
        var output = ""
        var depth = 0

        mutating func raw(_ text: String) { self.output += text }

        private var indent: String { String(repeating: "  ", count: self.depth) }

        mutating func open(_ name: String, attributes: [(String, String)] = []) {
            let rendered = attributes.map { " \($0.0)=\"\(Self.escape($0.1, attribute: true))\"" }.joined()
            self.output += "\(self.indent)<\(name)\(rendered)>\n"
            self.depth += 1
        }

        mutating func close(_ name: String) {
            self.depth -= 1
            self.output += "\(self.indent)</\(name)>\n"
        }

        mutating func leaf(_ name: String, _ value: String?) {
            guard let value else { return }
            self.output += "\(self.indent)<\(name)>\(Self.escape(value, attribute: false))</\(name)>\n"
        }

        static func escape(_ text: String, attribute: Bool) -> String {
            var result = ""
            result.reserveCapacity(text.utf8.count)
            for character in text {
                switch character {
                case "&": result += "&amp;"
                case "<": result += "&lt;"
                case ">": result += "&gt;"
                case "\"" where attribute: result += "&quot;"
                case "\r": result += "&#13;"
                default: result.append(character)
                }
            }
            return result
        }
    }
}
